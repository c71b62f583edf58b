import { randomUUID } from 'node:crypto'
import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

/** How long a caught-up marker may take to come back before the listener is taken as behind. */
const CAUGHT_UP_TIMEOUT_MS = 2_000

/** A LISTEN that is running. */
export interface Listener {
  stop(): Promise<void>
  /**
   * Resolves true once every notification committed before the call has been handed to
   * `onMessage`; false when that cannot be shown (the database is away, or too slow). Whoever
   * trusts what the notifications keep up to date asks this first.
   */
  caughtUp(): Promise<boolean>
}

/**
 * LISTEN on a channel: `onMessage` gets each payload, `onLost` says the listener is gone (messages
 * may have been missed). Resolves once listening.
 */
export type Listen = (channel: string, onMessage: (payload: string) => void, onLost: () => void) => Promise<Listener>

/**
 * PostgreSQL delivers notifications asynchronously: a change committed through another instance
 * reaches this one's listener some milliseconds later, and a request may arrive in between. Every
 * listener receives all notifications in commit order, its own included, so a marker this listener
 * sends (on a channel beside the watched one) and sees come back proves it has received everything
 * committed before the marker was sent.
 */
export function postgresListen(connectionString: string): Listen {
  return async (channel, onMessage, onLost) => {
    const markerChannel = `${channel}_caught_up`
    const markerPrefix = randomUUID()
    const waitingFor = new Map<string, () => void>()
    let markers = 0
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 })
    client.on('error', onLost)
    client.on('end', onLost)
    client.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload ?? '')
      else if (message.channel === markerChannel) waitingFor.get(message.payload ?? '')?.()
    })
    await client.connect()
    // A marker orders this listener's view of the queue; it need not wait for the disk.
    await client.query('SET synchronous_commit = off')
    await client.query(`LISTEN ${channel}`)
    await client.query(`LISTEN ${markerChannel}`)
    return {
      async stop() {
        client.removeAllListeners('end')
        client.removeAllListeners('error')
        client.on('error', () => {})
        await client.end().catch(() => undefined)
      },
      caughtUp() {
        const marker = `${markerPrefix}:${++markers}`
        return new Promise<boolean>((resolve) => {
          const settle = (caughtUp: boolean) => {
            clearTimeout(timer)
            waitingFor.delete(marker)
            resolve(caughtUp)
          }
          const timer = setTimeout(() => settle(false), CAUGHT_UP_TIMEOUT_MS)
          timer.unref()
          waitingFor.set(marker, () => settle(true))
          client.query('SELECT pg_notify($1, $2)', [markerChannel, marker]).catch(() => settle(false))
        })
      },
    }
  }
}

/**
 * One in-process database: a notification is handed over while the statement that committed it
 * is answered, before anything else runs, so the listener is always caught up and never lost.
 */
export function pgliteListen(pglite: PGlite): Listen {
  return async (channel, onMessage) => {
    const unlisten = await pglite.listen(channel, onMessage)
    return { stop: unlisten, caughtUp: async () => true }
  }
}

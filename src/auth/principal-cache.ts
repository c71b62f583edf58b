import type { Listen, Listener } from '../db/notifications.js'
import type { Principal } from './principal.js'

export const PRINCIPAL_CHANNEL = 'atd_principals'
const MAX_ENTRIES = 10_000
const RECONNECT_DELAY_MS = 2_000

/**
 * Who each token subject is, so a request need not read its user row every time. It caches only
 * while it follows the database's change notifications (a trigger on users and organisations), and
 * forgets a subject when its change arrives. Notifications arrive some milliseconds after the commit,
 * so before answering from memory it waits until its listener has caught up with everything
 * committed before the request (one marker round trip, shared by the requests that wait together):
 * a user deactivated through any instance is refused on the very next request. While the listener
 * is down or behind, nothing is answered from memory and every request reads the row.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Principal>()
  private following = false
  private stopped = false
  private retry: NodeJS.Timeout | undefined
  private listener: Listener | undefined
  /** The catch-up round under way, and the one that starts when it ends. */
  private round: Promise<boolean> | undefined
  private nextRound: Promise<boolean> | undefined
  /** Bumped by every forget: a row read before a change is never cached after it. */
  generation = 0

  /** The subject as the users table has it now, or undefined: then read the row. */
  async get(subject: string): Promise<Principal | undefined> {
    if (!this.following || !this.entries.has(subject)) return undefined
    if (!(await this.caughtUp())) return undefined
    return this.following ? this.entries.get(subject) : undefined
  }

  remember(principal: Principal, readAtGeneration: number): void {
    if (!this.following || readAtGeneration !== this.generation) return
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
    this.entries.set(principal.subject, principal)
  }

  /** A subject, or '*' for everyone (an organisation changed). */
  forget(subject: string): void {
    this.generation++
    if (subject === '*') this.entries.clear()
    else this.entries.delete(subject)
  }

  /** Follows change notifications until stopped; resolves once the first attempt is done. */
  async follow(listen: Listen): Promise<void> {
    try {
      this.listener = await listen(
        PRINCIPAL_CHANNEL,
        (subject) => this.forget(subject),
        () => this.lost(listen),
      )
      if (this.stopped) await this.listener.stop()
      else this.following = true
    } catch {
      this.lost(listen)
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.following = false
    clearTimeout(this.retry)
    // The database may already be closed (shutdown order, or it went away): nothing left to stop.
    await Promise.resolve()
      .then(() => this.listener?.stop())
      .catch(() => undefined)
  }

  /**
   * A round already under way may have sent its marker before the caller's request arrived, so it
   * proves nothing for it: the caller waits for the next round, which starts when that one ends.
   */
  private caughtUp(): Promise<boolean> {
    const listener = this.listener
    if (!listener) return Promise.resolve(false)
    if (!this.round) {
      this.round = listener.caughtUp().finally(() => {
        this.round = undefined
      })
      return this.round
    }
    this.nextRound ??= this.round.then(() => {
      this.nextRound = undefined
      return this.caughtUp()
    })
    return this.nextRound
  }

  private lost(listen: Listen): void {
    this.following = false
    this.forget('*')
    if (this.stopped || this.retry) return
    this.retry = setTimeout(() => {
      this.retry = undefined
      void this.follow(listen)
    }, RECONNECT_DELAY_MS)
    this.retry.unref()
  }
}

import type { Listen } from '../db/connect.js'
import type { Principal } from './principal.js'

export const PRINCIPAL_CHANNEL = 'atd_principals'
const MAX_ENTRIES = 10_000
const RECONNECT_DELAY_MS = 2_000

/**
 * Who each token subject is, so a request need not read its user row every time. It caches only
 * while it follows the database's change notifications (a trigger on users and organisations), and
 * forgets a subject the moment a change to it commits: a deactivated user is refused on the next
 * request. While the listener is down, nothing is cached and every request reads the row.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Principal>()
  private following = false
  private stopped = false
  private retry: NodeJS.Timeout | undefined
  private stopListening: (() => Promise<void>) | undefined
  /** Bumped by every forget: a row read before a change is never cached after it. */
  generation = 0

  get(subject: string): Principal | undefined {
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
      this.stopListening = await listen(
        PRINCIPAL_CHANNEL,
        (subject) => this.forget(subject),
        () => this.lost(listen),
      )
      if (this.stopped) await this.stopListening()
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
      .then(() => this.stopListening?.())
      .catch(() => undefined)
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

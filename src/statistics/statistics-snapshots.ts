import type { FastifyBaseLogger } from 'fastify'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Statistics } from './statistics.schemas.js'

/** Counts the figures of one key with the database handle it is given (a transaction). */
export type CountStatistics = (db: Kysely<Database>) => Promise<Statistics>

/**
 * How long this instance answers a key from its own copy of the kept figures before it reads
 * `statistics_snapshots` again (never past the figures' maximum age). Under 64 clients the read of
 * the kept row was most of a request's work (the service's writes to PostgreSQL were 29 % of its
 * busy time); a second's copy turns a thousand reads a second per key into one. Another instance's
 * newer count shows here within this time.
 */
export const INSTANCE_COPY_MS = 1_000
/** Keys copied at most; past this the copies are dropped and read again (periods are many, scopes few). */
const MAX_COPIES = 10_000

/**
 * Published statistics, counted at most once every `maxAgeSeconds` per key (period, scope, filter)
 * and kept in statistics_snapshots: counting a million cases takes seconds, reading the kept figures
 * a millisecond, so a request never waits for a count when figures are kept.
 *
 * - Fresh figures answer at once.
 * - Figures older than the maximum age answer at once too, and a count of that key is queued in the
 *   background: one count at a time per instance, so that recounting many periods never takes both
 *   cores from the requests being served; across instances an advisory lock lets one count a key and
 *   the others skip it.
 * - With nothing kept yet (the first request for a key), the request waits for the count, and
 *   requests for the same key at once wait for that one count rather than count again.
 *
 * - Figures read or counted are also copied in this instance for INSTANCE_COPY_MS, within their
 *   maximum age: a request for a copied key reads nothing from the database.
 *
 * `maxAgeSeconds` 0 counts every time and keeps nothing. What is kept already passed the disclosure
 * control: no case, no child.
 */
export class StatisticsKeeper {
  /** First counts being waited for, by key: requests for the same key at once share one. */
  private readonly firstCounts = new Map<string, Promise<Statistics>>()
  /** Keys whose background count is queued or running. */
  private readonly recounting = new Set<string>()
  private backgroundQueue: Promise<unknown> = Promise.resolve()
  /** This instance's copies of kept figures, by key, and until when (performance.now()) they answer. */
  private readonly copies = new Map<string, { figures: Statistics; until: number }>()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxAgeSeconds: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  async published(key: string, count: CountStatistics): Promise<Statistics> {
    if (this.maxAgeSeconds === 0) return count(this.db)
    const copy = this.copies.get(key)
    if (copy && copy.until > performance.now()) return copy.figures
    const kept = await this.kept(this.db, key)
    if (kept?.fresh) return this.copied(key, kept.figures, kept.ageSeconds)
    if (kept) {
      this.recountInBackground(key, count)
      return kept.figures
    }
    return this.firstCount(key, count)
  }

  /** Resolves when no count is running or queued (the service's close waits for it). */
  async idle(): Promise<void> {
    await this.backgroundQueue
    await Promise.allSettled(this.firstCounts.values())
  }

  private firstCount(key: string, count: CountStatistics): Promise<Statistics> {
    const running = this.firstCounts.get(key)
    if (running) return running
    const counted = this.countLocked(key, count, 'wait').then((figures) => {
      if (!figures) throw new Error('a waited count of statistics gave nothing')
      return figures
    })
    this.firstCounts.set(key, counted)
    const forget = () => this.firstCounts.delete(key)
    counted.then(forget, forget)
    return counted
  }

  private recountInBackground(key: string, count: CountStatistics): void {
    if (this.recounting.has(key)) return
    this.recounting.add(key)
    this.backgroundQueue = this.backgroundQueue
      .then(() => this.countLocked(key, count, 'try'))
      .catch((error: { code?: string }) => this.log.warn({ code: error?.code }, 'statistics: a background count failed'))
      .finally(() => this.recounting.delete(key))
  }

  /**
   * Counts the key in a transaction holding its advisory lock, unless figures were kept meanwhile.
   * With 'try', gives up (undefined) when another session holds the lock: it is counting already.
   */
  private countLocked(key: string, count: CountStatistics, lock: 'wait' | 'try'): Promise<Statistics | undefined> {
    return this.db.transaction().execute(async (trx) => {
      if (lock === 'wait') await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(trx)
      else {
        const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${key})) AS locked`.execute(trx)
        if (!rows[0]?.locked) return undefined
      }
      const keptMeanwhile = await this.kept(trx, key)
      if (keptMeanwhile?.fresh) return this.copied(key, keptMeanwhile.figures, keptMeanwhile.ageSeconds)
      const figures = await count(trx)
      await trx
        .insertInto('statistics_snapshots')
        .values({ key, computed_at: sql<Date>`clock_timestamp()`, figures: JSON.stringify(figures) })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({ computed_at: sql<Date>`excluded.computed_at`, figures: sql`excluded.figures` }),
        )
        .execute()
      return this.copied(key, figures, 0)
    })
  }

  /** Copies figures of the given age (seconds, by the database's clock) for as long as they may answer. */
  private copied(key: string, figures: Statistics, ageSeconds: number): Statistics {
    const answersFor = Math.min(INSTANCE_COPY_MS, (this.maxAgeSeconds - ageSeconds) * 1000)
    if (answersFor <= 0) return figures
    if (this.copies.size >= MAX_COPIES) this.copies.clear()
    this.copies.set(key, { figures, until: performance.now() + answersFor })
    return figures
  }

  /** The kept figures of a key, their age in seconds by the database's clock, and whether they are within the maximum age. */
  private async kept(db: Kysely<Database>, key: string): Promise<{ figures: Statistics; fresh: boolean; ageSeconds: number } | undefined> {
    const row = await db
      .selectFrom('statistics_snapshots')
      .select(['figures', sql<number>`extract(epoch FROM clock_timestamp() - computed_at)::float8`.as('age_seconds')])
      .where('key', '=', key)
      .executeTakeFirst()
    if (!row) return undefined
    const ageSeconds = Number(row.age_seconds)
    return { figures: row.figures as unknown as Statistics, fresh: ageSeconds < this.maxAgeSeconds, ageSeconds }
  }
}

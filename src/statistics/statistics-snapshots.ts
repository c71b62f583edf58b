import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Statistics } from './statistics.schemas.js'

/**
 * Published statistics, counted at most once every `maxAgeSeconds` per key (period, scope, filter)
 * and kept in statistics_snapshots: counting a million cases takes seconds, reading the kept figures
 * a millisecond. One request at a time counts a key (an advisory lock held to the end of its
 * transaction). While it counts, the others answer the figures kept before, if there are any, rather
 * than queue behind a count of seconds; only the very first count of a key is waited for.
 * `maxAgeSeconds` 0 counts every time and keeps nothing. What is kept already passed the disclosure
 * control: no case, no child.
 *
 * Must run inside a transaction (the lock is released when it ends).
 */
export async function publishedStatistics(
  trx: Kysely<Database>,
  key: string,
  maxAgeSeconds: number,
  count: () => Promise<Statistics>,
): Promise<Statistics> {
  if (maxAgeSeconds === 0) return count()
  const kept = () =>
    trx
      .selectFrom('statistics_snapshots')
      .select(['figures', sql<boolean>`computed_at > clock_timestamp() - make_interval(secs => ${maxAgeSeconds})`.as('fresh')])
      .where('key', '=', key)
      .executeTakeFirst()
  const before = await kept()
  if (before?.fresh) return before.figures as unknown as Statistics
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${key})) AS locked`.execute(trx)
  if (!rows[0]?.locked) {
    // Another request is counting this key: the figures kept before answer meanwhile.
    if (before) return before.figures as unknown as Statistics
    await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(trx)
  }
  const countedMeanwhile = await kept()
  if (countedMeanwhile?.fresh) return countedMeanwhile.figures as unknown as Statistics
  const figures = await count()
  await trx
    .insertInto('statistics_snapshots')
    .values({ key, computed_at: sql<Date>`clock_timestamp()`, figures: JSON.stringify(figures) })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({ computed_at: sql<Date>`excluded.computed_at`, figures: sql`excluded.figures` }),
    )
    .execute()
  return figures
}

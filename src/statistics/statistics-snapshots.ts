import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Statistics } from './statistics.schemas.js'

/**
 * Published statistics, counted at most once every `maxAgeSeconds` per key (period, scope, filter)
 * and kept in statistics_snapshots: counting a million cases takes seconds, reading the kept figures
 * a millisecond. Requests for the same key at once wait for the one that counts (an advisory lock
 * held to the end of its transaction) and read what it kept. `maxAgeSeconds` 0 counts every time
 * and keeps nothing. What is kept already passed the disclosure control: no case, no child.
 */
export async function publishedStatistics(
  db: Kysely<Database>,
  key: string,
  maxAgeSeconds: number,
  count: () => Promise<Statistics>,
): Promise<Statistics> {
  if (maxAgeSeconds === 0) return count()
  const kept = () =>
    db
      .selectFrom('statistics_snapshots')
      .select('figures')
      .where('key', '=', key)
      .where('computed_at', '>', sql<Date>`clock_timestamp() - make_interval(secs => ${maxAgeSeconds})`)
      .executeTakeFirst()
  const fresh = await kept()
  if (fresh) return fresh.figures as unknown as Statistics
  await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(db)
  const countedMeanwhile = await kept()
  if (countedMeanwhile) return countedMeanwhile.figures as unknown as Statistics
  const figures = await count()
  await db
    .insertInto('statistics_snapshots')
    .values({ key, computed_at: sql<Date>`clock_timestamp()`, figures: JSON.stringify(figures) })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({ computed_at: sql<Date>`excluded.computed_at`, figures: sql`excluded.figures` }),
    )
    .execute()
  return figures
}

import { type Kysely, sql } from 'kysely'

// Published statistics kept per fixed period and scope, so that a million cases are counted at most
// once a STATISTICS_MAX_AGE_SECONDS per period instead of on every request. It holds only what the
// disclosure control let out (rounded and suppressed counts, medians over 10 or more cases): never a
// case, never a child.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE statistics_snapshots (
    key text PRIMARY KEY,
    computed_at timestamptz NOT NULL,
    figures jsonb NOT NULL
  )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS statistics_snapshots`.execute(db)
}

import { type Kysely, sql } from 'kysely'
import { SEEDED_YEARS, lawRestDaysBetween } from '../src/calendar/mexican-rest-days.js'

// The Mexican working-day calendar kept as data (PRODUCT.md, "Tasks"): the official rest days of the
// Federal Labour Law art. 74, seeded for 2020-2040 from src/calendar/mexican-rest-days.ts (a pure
// module, frozen with this migration's meaning: a later change to it adds rows in a new migration),
// and the days an authority declares non-working, which a system_admin adds through the API.
// Weekends are never working days and are not stored. Limits in working days (the asylum filing
// limit) are counted in the database by add_working_days, so tasks are computed in one statement.
const statements = [
  `CREATE TABLE non_working_days (
     date date PRIMARY KEY,
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
     source text NOT NULL CHECK (source IN ('law', 'declared')),
     created_by uuid REFERENCES users (id),
     created_at timestamptz NOT NULL DEFAULT now(),
     CHECK ((source = 'law') = (created_by IS NULL))
   )`,
  `CREATE FUNCTION is_working_day(day date) RETURNS boolean
     LANGUAGE sql STABLE PARALLEL SAFE AS $$
       SELECT extract(isodow FROM day) < 6 AND NOT EXISTS (SELECT 1 FROM non_working_days w WHERE w.date = day)
     $$`,
  // The date N working days after start_date (start_date itself is day 0, whatever it is). The
  // series is long enough for any run of weekends and rest days a real calendar has.
  `CREATE FUNCTION add_working_days(start_date date, days integer) RETURNS date
     LANGUAGE sql STABLE PARALLEL SAFE AS $$
       SELECT CASE WHEN days <= 0 THEN start_date ELSE (
         SELECT start_date + i FROM generate_series(1, days * 2 + 60) AS i
         WHERE extract(isodow FROM start_date + i) < 6
           AND NOT EXISTS (SELECT 1 FROM non_working_days w WHERE w.date = start_date + i)
         ORDER BY i OFFSET days - 1 LIMIT 1) END
     $$`,
  // The review rules look up a case's latest follow-up note.
  `CREATE INDEX case_notes_follow_up_idx ON case_notes (case_id, created_at) WHERE category = 'follow_up' AND NOT entered_in_error`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
  const days = lawRestDaysBetween(SEEDED_YEARS.from, SEEDED_YEARS.to)
  await db
    .insertInto('non_working_days')
    .values(days.map((day) => ({ date: day.date, reason: day.reason, source: 'law' })))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION add_working_days(date, integer)`.execute(db)
  await sql`DROP FUNCTION is_working_day(date)`.execute(db)
  await sql`DROP TABLE non_working_days`.execute(db)
}

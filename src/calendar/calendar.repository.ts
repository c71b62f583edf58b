import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { NonWorkingDaySource } from './calendar.schemas.js'

export interface NonWorkingDayRow {
  date: string
  reason: string
  source: NonWorkingDaySource
}

const columns = [sql<string>`non_working_days.date::text`.as('date'), 'non_working_days.reason', 'non_working_days.source'] as const

export async function listNonWorkingDays(db: Kysely<Database>, year: number): Promise<NonWorkingDayRow[]> {
  return (await db
    .selectFrom('non_working_days')
    .select([...columns])
    .where(sql<boolean>`non_working_days.date BETWEEN make_date(${year}, 1, 1) AND make_date(${year}, 12, 31)`)
    .orderBy('non_working_days.date')
    .execute()) as NonWorkingDayRow[]
}

export async function findNonWorkingDay(
  db: Kysely<Database>,
  date: string,
  options: { forUpdate?: boolean } = {},
): Promise<NonWorkingDayRow | undefined> {
  let query = db
    .selectFrom('non_working_days')
    .select([...columns])
    .where(sql<boolean>`non_working_days.date = ${date}::date`)
  if (options.forUpdate) query = query.forUpdate()
  return (await query.executeTakeFirst()) as NonWorkingDayRow | undefined
}

/** Inserts a declared day; undefined when the date is already non-working. */
export async function insertDeclaredDay(
  db: Kysely<Database>,
  day: { date: string; reason: string; createdBy: string },
): Promise<NonWorkingDayRow | undefined> {
  return (await db
    .insertInto('non_working_days')
    .values({ date: day.date, reason: day.reason, source: 'declared', created_by: day.createdBy })
    .onConflict((conflict) => conflict.column('date').doNothing())
    .returning([...columns])
    .executeTakeFirst()) as NonWorkingDayRow | undefined
}

export async function deleteDeclaredDay(db: Kysely<Database>, date: string): Promise<void> {
  await db
    .deleteFrom('non_working_days')
    .where(sql<boolean>`non_working_days.date = ${date}::date`)
    .where('source', '=', 'declared')
    .execute()
}

/** N working days after a date, by the database's own calendar function. */
export async function addWorkingDays(db: Kysely<Database>, date: string, days: number): Promise<string> {
  const row = await sql<{ date: string }>`SELECT add_working_days(${date}::date, ${days}::integer)::text AS date`.execute(db)
  return row.rows[0]!.date
}

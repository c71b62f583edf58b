import type { Kysely } from 'kysely'
import type { RecordAudit } from '../audit/audited.js'
import type { Principal } from '../auth/principal.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { NewNonWorkingDayInput } from './calendar.schemas.js'
import { deleteDeclaredDay, findNonWorkingDay, insertDeclaredDay, listNonWorkingDays } from './calendar.repository.js'

export async function nonWorkingDaysOf(db: Kysely<Database>, year: number) {
  return { year, items: await listNonWorkingDays(db, year) }
}

/** One non-working day, or a 404 for a working day (and for a Saturday or Sunday, which the calendar does not list). */
export async function readNonWorkingDay(db: Kysely<Database>, date: string) {
  const day = await findNonWorkingDay(db, date)
  if (!day) throw notFound('non-working day')
  return day
}

/** Declares a day non-working; 409 when it already is (by law or by an earlier declaration). */
export async function declareNonWorkingDay(db: Kysely<Database>, actor: Principal, input: NewNonWorkingDayInput, recordAudit: RecordAudit) {
  const day = await insertDeclaredDay(db, { date: input.date, reason: input.reason, createdBy: actor.userId })
  if (!day) throw new AppError('conflict', 'The day is already a non-working day', { reason: 'already_non_working' })
  await recordAudit({ caseIds: [], fields: [] })
  return day
}

/** Withdraws a declared day; the law's rest days stay (409), an unknown day is a 404. */
export async function withdrawNonWorkingDay(db: Kysely<Database>, date: string, recordAudit: RecordAudit): Promise<void> {
  const day = await findNonWorkingDay(db, date, { forUpdate: true })
  if (!day) throw notFound('non-working day')
  if (day.source === 'law')
    throw new AppError('conflict', 'A rest day of the Federal Labour Law cannot be removed', { reason: 'rest_day_by_law' })
  await deleteDeclaredDay(db, date)
  await recordAudit({ caseIds: [], fields: [] })
}

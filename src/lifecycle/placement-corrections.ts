import type { Kysely } from 'kysely'
import { detailText } from '../i18n/messages.js'
import { v7 as uuidv7 } from 'uuid'
import type { CaseActor } from '../cases/case.service.js'
import { CLOCK_TOLERANCE_MS, recordRuleViolation } from '../cases/date-rules.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import type { PlacementType } from './placement.schemas.js'

/**
 * Placement dates against the world (PRODUCT.md, "The case lifecycle"):
 * - a placement may describe the child's past, starting at most 30 days before the case was opened;
 *   a date recorded more than a few minutes after the fact is recorded as backdated;
 * - ending a placement at a past time (explicitly, or by opening a new one that started in the past)
 *   rewrites what the record said: the child was shown in that placement until now. That is a
 *   correction: it needs a reason, is kept in placement_corrections, and when it changes detention
 *   days (a migration station) it raises the `detention_corrected` alert for oversight;
 * - a migration officer never makes such a correction: INM cannot shorten a detention it reports.
 */
export const MAX_BACKDATE_BEFORE_OPENING_DAYS = 30
const DAY_MS = 86_400_000

/** Whether a time lies in the past beyond clock skew: a date recorded after the fact. */
export const isBackdated = (at: string, now = Date.now()) => Date.parse(at) < now - CLOCK_TOLERANCE_MS

/** Calendar days started (UTC) from a start to an end, both counted: 10:00 to 15:00 the same day is 1. */
export function calendarDaysStarted(start: Date, end: Date): number {
  const day = (date: Date) => Math.floor(date.getTime() / DAY_MS)
  return Math.max(0, day(end) - day(start) + 1)
}

export function checkPlacementStart(startedAt: string, caseOpenedAt: Date): void {
  if (Date.parse(startedAt) < caseOpenedAt.getTime() - MAX_BACKDATE_BEFORE_OPENING_DAYS * DAY_MS) {
    throw recordRuleViolation(
      'startedAt',
      detailText(`startedAt cannot be more than ${MAX_BACKDATE_BEFORE_OPENING_DAYS} days before the case was opened`),
    )
  }
}

export interface RetroactiveEnd {
  readonly placement: { readonly id: string; readonly type: PlacementType; readonly started_at: Date }
  /** the new end of the placement */
  readonly endedAt: string
  /** the request field that sets it: endedAt, or startedAt of the placement that replaces it */
  readonly field: 'endedAt' | 'startedAt'
  readonly reason: string | undefined
}

/** Refuses a retroactive end the actor may not make, or one without a reason. */
export function checkRetroactiveEnd(actor: CaseActor, change: RetroactiveEnd): void {
  if (actor.principal.role === 'migration_officer') {
    throw new AppError(
      'forbidden',
      `A migration officer cannot end a placement in the past (${change.field}): it would shorten a detention or rewrite placement dates; the Procuraduría or the caseworker corrects placement dates, with a reason`,
      { code: 'retroactive_placement_change', invalidFields: [change.field] },
    )
  }
  if (!change.reason) {
    throw recordRuleViolation(
      'correctionReason',
      detailText(`correctionReason is required: ${change.field} in the past ends a placement retroactively, which corrects its dates`),
    )
  }
}

/** Keeps the correction, with the detention days before and after, and marks the placement backdated. */
export async function recordRetroactiveEnd(db: Kysely<Database>, actor: CaseActor, caseId: string, change: RetroactiveEnd): Promise<void> {
  const detained = change.placement.type === 'migration_station'
  await db
    .insertInto('placement_corrections')
    .values({
      id: uuidv7(),
      case_id: caseId,
      placement_id: change.placement.id,
      placement_type: change.placement.type,
      field: 'endedAt',
      corrected_to: change.endedAt,
      detention_days_before: detained ? calendarDaysStarted(change.placement.started_at, new Date()) : 0,
      detention_days_after: detained ? calendarDaysStarted(change.placement.started_at, new Date(change.endedAt)) : 0,
      reason: change.reason ?? '',
      corrected_by: actor.principal.userId,
      corrected_by_organization_id: actor.principal.organizationId,
      request_id: actor.requestId,
    })
    .execute()
  await db.updateTable('placements').set({ backdated: true }).where('id', '=', change.placement.id).execute()
}

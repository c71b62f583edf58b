import { type RawBuilder, sql } from 'kysely'

/**
 * The rules of the day's work (DOMAIN.md, "Time limits the alerts use"; PRODUCT.md, "Tasks"), each a
 * SQL condition on an open case and the time it is due, or a pending referral or transfer the
 * reader's organisation must answer, so tasks are computed from the data whenever they are asked
 * for: nothing is stored, nothing is scheduled, a task disappears as soon as the data that satisfies
 * it is written. What each task asks, in a sentence, is in the message catalogues
 * (src/i18n/<language>.json, `sentences.tasks`).
 */

/** Dates of the Mexican calendar are days in Mexico City: a date is due at its start there. */
export const CALENDAR_TIME_ZONE = 'America/Mexico_City'
const startOfDay = (date: RawBuilder<unknown>) => sql<Date>`((${date})::date::timestamp AT TIME ZONE ${sql.lit(CALENDAR_TIME_ZONE)})`
const today = sql`(now() AT TIME ZONE ${sql.lit(CALENDAR_TIME_ZONE)})::date`

/** When the child came into custody: the first placement, or the move to the custody stage. */
const custodySince = sql`LEAST(
  (SELECT min(p.started_at) FROM placements p WHERE p.case_id = cases.id),
  (SELECT min(s.at) FROM stage_transitions s WHERE s.case_id = cases.id AND s.to_stage = 'custody'))`

/** A review is recorded as a note of category follow_up (not entered in error). */
const lastFollowUp = sql`(SELECT max(n.created_at) FROM case_notes n
  WHERE n.case_id = cases.id AND n.category = 'follow_up' AND NOT n.entered_in_error)`

/** Residential care: reviewed every 30 days (a last resort, for the shortest time). */
export const RESIDENTIAL_PLACEMENTS = ['dif_shelter', 'dif_first_reception', 'ngo_shelter'] as const

/** What the caller does to satisfy a task: the route, and the right that route asks for. */
export type Resolution =
  | {
      readonly method: 'PATCH' | 'POST'
      readonly path: string
      readonly writes: { readonly action: 'create' | 'update'; readonly field: string }
    }
  | { readonly method: 'POST'; readonly path: string; readonly caseAction: 'transition' | 'refer' | 'transfer' }

interface TaskRuleBase {
  /**
   * The fields the rule is built from. A task discloses them (that no guardian is appointed, when the
   * child turns 18), so it is listed only where the reader may read every one of them, by the one
   * access rule: role letters, participation, consents.
   */
  readonly fields: readonly string[]
  /** `{caseId}` in the path stands for the case, `{recordId}` for the referral or transfer answered. */
  readonly resolveWith: Resolution
}

/** A rule on the case data: a condition on an open case the reader takes part in. */
export interface CaseTaskRule extends TaskRuleBase {
  /** When the task exists (on an open case). */
  readonly condition: RawBuilder<boolean>
  readonly dueAt: RawBuilder<Date>
}

/**
 * A request the reader's organisation must answer: a pending referral or transfer addressed to it.
 * The task exists while the request is pending, and is due at the request's response time
 * (`REFERRAL_RESPONSE_DUE`, `TRANSFER_RESPONSE_DUE`).
 */
export interface AnswerTaskRule extends TaskRuleBase {
  readonly answers: 'referral' | 'transfer'
}

export type TaskRule = CaseTaskRule | AnswerTaskRule

/**
 * A referral is answered by its respond-by date: it is due at the end of that day in Mexico City
 * (a respond-by date of today is not yet past, as the referral service counts it).
 */
export const REFERRAL_RESPONSE_DUE = startOfDay(sql`referrals.respond_by + 1`)

/**
 * A transfer carries no date of its own, so the service sets its response time (PRODUCT.md says only
 * that the receiver accepts or declines): a migration officer's hand-over (puesta a disposición,
 * Migration Law art. 112) concerns a child in INM custody and is answered within 24 hours of the
 * request, as the Procuraduría's notification is; a transfer of responsibility by the end of the
 * fifth working day after the day of the request, on the working-day calendar.
 */
export const HANDOVER_RESPONSE_HOURS = 24
export const RESPONSIBILITY_RESPONSE_WORKING_DAYS = 5
export const TRANSFER_RESPONSE_DUE = sql<Date>`(CASE WHEN transfers.kind = 'handover'
  THEN transfers.requested_at + make_interval(hours => ${sql.lit(HANDOVER_RESPONSE_HOURS)})
  ELSE ${startOfDay(
    sql`add_working_days((transfers.requested_at AT TIME ZONE ${sql.lit(CALENDAR_TIME_ZONE)})::date, ${sql.lit(RESPONSIBILITY_RESPONSE_WORKING_DAYS)}) + 1`,
  )} END)`

export const TASK_RULES = {
  notify_procuraduria: {
    fields: ['custody.procuraduriaNotifiedAt', 'case.openedAt'],
    condition: sql<boolean>`(cases.custody ->> 'procuraduriaNotifiedAt') IS NULL`,
    dueAt: sql<Date>`cases.opened_at + interval '24 hours'`,
    resolveWith: { method: 'PATCH', path: '/cases/{caseId}', writes: { action: 'update', field: 'custody.procuraduriaNotifiedAt' } },
  },
  leave_migration_station: {
    fields: ['custody.inDetention', 'custody.placementSince'],
    condition: sql<boolean>`cases.in_detention`,
    dueAt: sql<Date>`cases.placement_since`,
    resolveWith: { method: 'POST', path: '/cases/{caseId}/placements', writes: { action: 'create', field: 'custody.placementType' } },
  },
  appoint_guardian: {
    fields: ['legalStatus.guardianAppointed', 'legalStatus.legallyRepresented', 'custody.placementSince', 'case.stage'],
    // As the guardianship guard: a guardian, or a legal representative, appointed with a date.
    condition: sql<boolean>`(cases.legal -> 'guardian' ->> 'appointedAt') IS NULL AND (cases.legal -> 'representation' ->> 'since') IS NULL
      AND ${custodySince} IS NOT NULL`,
    dueAt: sql<Date>`${custodySince} + interval '7 days'`,
    resolveWith: { method: 'PATCH', path: '/cases/{caseId}', writes: { action: 'update', field: 'legal.guardian' } },
  },
  file_asylum_claim: {
    fields: ['legalStatus.asylumClaimStatus', 'legalStatus.entryDate'],
    // 30 working days from entry; the task falls due at the 25th, leaving five to file.
    condition: sql<boolean>`(cases.legal_status ->> 'asylumClaimStatus') = 'intended' AND (cases.legal_status ->> 'entryDate') IS NOT NULL`,
    dueAt: startOfDay(sql`add_working_days((cases.legal_status ->> 'entryDate')::date, 25)`),
    resolveWith: { method: 'PATCH', path: '/cases/{caseId}', writes: { action: 'update', field: 'legalStatus.asylumClaimStatus' } },
  },
  case_plan: {
    fields: ['case.openedAt', 'bidDeliberation.assessments'],
    // The plan rests on a completed best-interests assessment.
    condition: sql<boolean>`NOT EXISTS (SELECT 1 FROM assessments a WHERE a.case_id = cases.id AND a.status = 'completed')`,
    dueAt: sql<Date>`cases.opened_at + interval '14 days'`,
    resolveWith: {
      method: 'POST',
      path: '/cases/{caseId}/assessments',
      writes: { action: 'create', field: 'bidDeliberation.assessments' },
    },
  },
  case_review: {
    fields: ['case.openedAt', 'notes.notes'],
    condition: sql<boolean>`true`,
    dueAt: sql<Date>`GREATEST(cases.opened_at, ${lastFollowUp}) + interval '90 days'`,
    resolveWith: { method: 'POST', path: '/cases/{caseId}/notes', writes: { action: 'create', field: 'notes.notes' } },
  },
  residential_review: {
    fields: ['custody.placementType', 'custody.placementSince', 'notes.notes'],
    condition: sql<boolean>`cases.placement_type IN (${sql.join(RESIDENTIAL_PLACEMENTS.map((type) => sql.lit(type)))})`,
    dueAt: sql<Date>`GREATEST(cases.placement_since, ${lastFollowUp}) + interval '30 days'`,
    resolveWith: { method: 'POST', path: '/cases/{caseId}/notes', writes: { action: 'create', field: 'notes.notes' } },
  },
  bid_review: {
    fields: ['bestInterests.reviewDueAt'],
    condition: sql<boolean>`(cases.best_interests ->> 'reviewDueAt') IS NOT NULL`,
    dueAt: startOfDay(sql`cases.best_interests ->> 'reviewDueAt'`),
    resolveWith: {
      method: 'POST',
      path: '/cases/{caseId}/determinations',
      writes: { action: 'create', field: 'bestInterests.determinationId' },
    },
  },
  // Names the birthday to within a day, so it needs the date of birth, not only the age bracket.
  turning_18: {
    fields: ['identity.dateOfBirth'],
    condition: sql<boolean>`cases.date_of_birth IS NOT NULL AND (cases.date_of_birth + interval '18 years')::date <= ${today} + 90`,
    dueAt: startOfDay(sql`cases.date_of_birth + interval '18 years'`),
    resolveWith: { method: 'POST', path: '/cases/{caseId}/transitions', caseAction: 'transition' },
  },
  // The receiver of a pending referral does not take part in the case: it sees only the stub (case
  // number, childRef, service, sections, who asks, respond-by date). The task says no more: the
  // case, the respond-by date as its due time, and the referral to answer.
  respond_to_referral: {
    answers: 'referral',
    fields: ['case.leadOrganizationId'],
    resolveWith: { method: 'POST', path: '/referrals/{recordId}/accept', caseAction: 'refer' },
  },
  // The receiver of a pending transfer reads the case from the request on (as a participant).
  respond_to_transfer: {
    answers: 'transfer',
    fields: ['case.leadOrganizationId'],
    resolveWith: { method: 'POST', path: '/transfers/{recordId}/accept', caseAction: 'transfer' },
  },
} as const satisfies Record<string, TaskRule>

export type TaskRuleName = keyof typeof TASK_RULES
export const TASK_RULE_NAMES = Object.keys(TASK_RULES) as [TaskRuleName, ...TaskRuleName[]]

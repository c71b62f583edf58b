import { type RawBuilder, sql } from 'kysely'

/**
 * The rules of the day's work (DOMAIN.md, "Time limits the alerts use"; PRODUCT.md, "Tasks"), each a
 * SQL condition on an open case and the time it is due, so tasks are computed from the case data
 * whenever they are asked for: nothing is stored, nothing is scheduled, a task disappears as soon as
 * the data that satisfies it is written.
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

export type Language = 'es-MX' | 'en'

/** What the caller does to satisfy a task: the route, and the right that route asks for. */
export type Resolution =
  | {
      readonly method: 'PATCH' | 'POST'
      readonly path: string
      readonly writes: { readonly action: 'create' | 'update'; readonly field: string }
    }
  | { readonly method: 'POST'; readonly path: string; readonly caseAction: 'transition' }

export interface TaskRule {
  /**
   * The fields the rule is built from. A task discloses them (that no guardian is appointed, when the
   * child turns 18), so it is listed only where the reader may read every one of them, by the one
   * access rule: role letters, participation, consents.
   */
  readonly fields: readonly string[]
  /** When the task exists (on an open case). */
  readonly condition: RawBuilder<boolean>
  readonly dueAt: RawBuilder<Date>
  /** `{caseId}` in the path stands for the case. */
  readonly resolveWith: Resolution
  readonly title: Readonly<Record<Language, string>>
}

export const TASK_RULES = {
  notify_procuraduria: {
    fields: ['custody.procuraduriaNotifiedAt', 'case.openedAt'],
    condition: sql<boolean>`(cases.custody ->> 'procuraduriaNotifiedAt') IS NULL`,
    dueAt: sql<Date>`cases.opened_at + interval '24 hours'`,
    resolveWith: { method: 'PATCH', path: '/cases/{caseId}', writes: { action: 'update', field: 'custody.procuraduriaNotifiedAt' } },
    title: {
      'es-MX':
        'Notificar a la Procuraduría de Protección y registrar la hora de la notificación (plazo: 24 horas desde la identificación).',
      en: 'Notify the Procuraduría de Protección and record when it was notified (due 24 hours after identification).',
    },
  },
  leave_migration_station: {
    fields: ['custody.inDetention', 'custody.placementSince'],
    condition: sql<boolean>`cases.in_detention`,
    dueAt: sql<Date>`cases.placement_since`,
    resolveWith: { method: 'POST', path: '/cases/{caseId}/placements', writes: { action: 'create', field: 'custody.placementType' } },
    title: {
      'es-MX':
        'Sacar de inmediato a la niña, niño o adolescente de la estación migratoria y registrar su nuevo alojamiento: su detención está prohibida.',
      en: 'Move the child out of the migration station at once and record the new placement: detaining children is prohibited.',
    },
  },
  appoint_guardian: {
    fields: ['legalStatus.guardianAppointed', 'legalStatus.legallyRepresented', 'custody.placementSince', 'case.stage'],
    // As the guardianship guard: a guardian, or a legal representative, appointed with a date.
    condition: sql<boolean>`(cases.legal -> 'guardian' ->> 'appointedAt') IS NULL AND (cases.legal -> 'representation' ->> 'since') IS NULL
      AND ${custodySince} IS NOT NULL`,
    dueAt: sql<Date>`${custodySince} + interval '7 days'`,
    resolveWith: { method: 'PATCH', path: '/cases/{caseId}', writes: { action: 'update', field: 'legal.guardian' } },
    title: {
      'es-MX': 'Designar tutor o representante y registrarlo (plazo: 7 días desde que la niña, niño o adolescente quedó bajo resguardo).',
      en: 'Appoint a guardian or representative and record it (due 7 days after the child came into custody).',
    },
  },
  file_asylum_claim: {
    fields: ['legalStatus.asylumClaimStatus', 'legalStatus.entryDate'],
    // 30 working days from entry; the task falls due at the 25th, leaving five to file.
    condition: sql<boolean>`(cases.legal_status ->> 'asylumClaimStatus') = 'intended' AND (cases.legal_status ->> 'entryDate') IS NOT NULL`,
    dueAt: startOfDay(sql`add_working_days((cases.legal_status ->> 'entryDate')::date, 25)`),
    resolveWith: { method: 'PATCH', path: '/cases/{caseId}', writes: { action: 'update', field: 'legalStatus.asylumClaimStatus' } },
    title: {
      'es-MX':
        'Presentar la solicitud de reconocimiento de la condición de refugiado ante la COMAR (plazo legal: 30 días hábiles desde el ingreso al país).',
      en: 'File the refugee status application with COMAR (legal limit: 30 working days from entry into Mexico).',
    },
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
    title: {
      'es-MX':
        'Completar la evaluación del interés superior en que se basa el plan de restitución de derechos (plazo: 14 días desde la apertura).',
      en: 'Complete the best-interests assessment the case plan rests on (due 14 days after opening).',
    },
  },
  case_review: {
    fields: ['case.openedAt', 'notes.notes'],
    condition: sql<boolean>`true`,
    dueAt: sql<Date>`GREATEST(cases.opened_at, ${lastFollowUp}) + interval '90 days'`,
    resolveWith: { method: 'POST', path: '/cases/{caseId}/notes', writes: { action: 'create', field: 'notes.notes' } },
    title: {
      'es-MX': 'Revisar el caso y registrar la revisión como nota de seguimiento (al menos cada 90 días).',
      en: 'Review the case and record the review as a follow-up note (at least every 90 days).',
    },
  },
  residential_review: {
    fields: ['custody.placementType', 'custody.placementSince', 'notes.notes'],
    condition: sql<boolean>`cases.placement_type IN (${sql.join(RESIDENTIAL_PLACEMENTS.map((type) => sql.lit(type)))})`,
    dueAt: sql<Date>`GREATEST(cases.placement_since, ${lastFollowUp}) + interval '30 days'`,
    resolveWith: { method: 'POST', path: '/cases/{caseId}/notes', writes: { action: 'create', field: 'notes.notes' } },
    title: {
      'es-MX': 'Revisar el acogimiento residencial y registrar la revisión como nota de seguimiento (cada 30 días).',
      en: 'Review the residential placement and record the review as a follow-up note (every 30 days).',
    },
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
    title: {
      'es-MX': 'Revisar la determinación del interés superior en la fecha fijada en la decisión.',
      en: 'Review the best-interests determination on the date its decision set.',
    },
  },
  // Names the birthday to within a day, so it needs the date of birth, not only the age bracket.
  turning_18: {
    fields: ['identity.dateOfBirth'],
    condition: sql<boolean>`cases.date_of_birth IS NOT NULL AND (cases.date_of_birth + interval '18 years')::date <= ${today} + 90`,
    dueAt: startOfDay(sql`cases.date_of_birth + interval '18 years'`),
    resolveWith: { method: 'POST', path: '/cases/{caseId}/transitions', caseAction: 'transition' },
    title: {
      'es-MX': 'Planear la transición a la vida adulta: cumple 18 años en menos de 90 días (cerrar el caso o acordar lo que sigue).',
      en: 'Plan the transition to adulthood: the child turns 18 within 90 days (close the case or agree what follows).',
    },
  },
} as const satisfies Record<string, TaskRule>

export type TaskRuleName = keyof typeof TASK_RULES
export const TASK_RULE_NAMES = Object.keys(TASK_RULES) as [TaskRuleName, ...TaskRuleName[]]

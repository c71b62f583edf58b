import { ORGANIZATION_KINDS, ROLES } from '../auth/principal.js'
import {
  AGE_BRACKETS,
  ASYLUM_CLAIM_STATUSES,
  CLOSURE_REASONS,
  MIGRATION_STATUSES,
  REPRESENTATION_TYPES,
  RISK_LEVELS,
  SEPARATION_STATUSES,
  STAGES,
  TRACING_STATUSES,
} from '../cases/case-sections.js'
import { ALERT_RULE_NAMES, ALERT_SEVERITIES } from '../lifecycle/alert-rules.js'
import { DETERMINATION_OUTCOMES } from '../lifecycle/determination.schemas.js'
import { PLACEMENT_TYPES } from '../lifecycle/placement.schemas.js'
import { GUARD_CODES } from '../lifecycle/stage-guards.js'
import { CONSENT_GIVERS, CONSENT_SCOPES } from '../records/consent.schemas.js'
import { NOTE_CATEGORIES } from '../records/note.schemas.js'
import { LEGAL_BASIS_CODES, PARTICIPATION_BASES } from '../records/participant.schemas.js'
import { REFERRAL_OUTCOMES, REFERRAL_SERVICES, REFERRAL_STATUSES } from '../records/referral.schemas.js'
import { TRANSFER_KINDS, TRANSFER_STATUSES } from '../records/transfer.schemas.js'
import { TASK_RULE_NAMES } from '../tasks/task-rules.js'

/**
 * Every code list of the API, by the name `GET /vocabulary` gives it. Each code needs a label in
 * src/i18n/en.json and src/i18n/es-MX.json under `lists.<name>.<code>`; test/routes/language.test.ts
 * fails on a missing one. A new list is one line here (import the zod enum's array), plus its labels.
 * Problem types are a list too; their labels are the problem titles (`problemTypes` in the catalogues).
 */
export const VOCABULARY_LISTS = {
  roles: ROLES,
  organizationKinds: ORGANIZATION_KINDS,
  stages: STAGES,
  caseStatuses: ['open', 'closed'],
  riskLevels: RISK_LEVELS,
  closureReasons: CLOSURE_REASONS,
  ageBrackets: [...AGE_BRACKETS, '18+'],
  separationStatuses: SEPARATION_STATUSES,
  migrationStatuses: MIGRATION_STATUSES,
  asylumClaimStatuses: ASYLUM_CLAIM_STATUSES,
  representationTypes: REPRESENTATION_TYPES,
  tracingStatuses: TRACING_STATUSES,
  placementTypes: PLACEMENT_TYPES,
  determinationOutcomes: DETERMINATION_OUTCOMES,
  guardConditions: GUARD_CODES,
  consentGivers: CONSENT_GIVERS,
  consentScopes: CONSENT_SCOPES,
  legalBasisCodes: LEGAL_BASIS_CODES,
  participationBases: PARTICIPATION_BASES,
  noteCategories: NOTE_CATEGORIES,
  taskRules: TASK_RULE_NAMES,
  alertRules: ALERT_RULE_NAMES,
  alertSeverities: ALERT_SEVERITIES,
  referralServices: REFERRAL_SERVICES,
  referralStatuses: REFERRAL_STATUSES,
  referralOutcomes: REFERRAL_OUTCOMES,
  transferStatuses: TRANSFER_STATUSES,
  transferKinds: TRANSFER_KINDS,
} as const satisfies Record<string, readonly string[]>

export type VocabularyListName = keyof typeof VOCABULARY_LISTS | 'problemTypes'

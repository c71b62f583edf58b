import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { AuditOutcome } from '../audit/audit.schemas.js'
import type { OrganizationKind, Role } from '../auth/principal.js'
import type { NonWorkingDaySource } from '../calendar/calendar.schemas.js'
import type { CaseStatus, ClosureReason, RiskLevel, SeparationStatus, Stage } from '../cases/case-sections.js'
import type { AssessmentStatus } from '../lifecycle/assessment.schemas.js'
import type { DeterminationOutcome, DeterminationStatus, DeterminationTrigger } from '../lifecycle/determination.schemas.js'
import type { PlacementEndReason, PlacementType } from '../lifecycle/placement.schemas.js'
import type { ConsentGiver, ConsentScope } from '../records/consent.schemas.js'
import type { NoteCategory } from '../records/note.schemas.js'
import type { LegalBasisCode, ParticipationBasis } from '../records/participant.schemas.js'
import type { ReferralEndReason, ReferralOutcome, ReferralService, ReferralStatus } from '../records/referral.schemas.js'
import type { TransferKind, TransferStatus } from '../records/transfer.schemas.js'

/** Written as a Date or ISO text, read as the driver's Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>
/** A timestamp the database fills in when the insert leaves it out. */
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface OrganizationTable {
  id: string
  name: string
  kind: OrganizationKind
  created_at: DefaultedTimestamp
  /** false: its users are refused and it receives no shares */
  active: Generated<boolean>
}

export interface UserTable {
  id: string
  subject: string
  display_name: string
  role: Role
  organization_id: string
  active: Generated<boolean>
  created_at: DefaultedTimestamp
  updated_at: DefaultedTimestamp
}

export interface InstanceSecretTable {
  name: string
  value: string
}

export interface IdempotencyKeyTable {
  user_id: string
  key: string
  request_hash: string
  resource_id: string
  created_at: DefaultedTimestamp
}

export interface Database {
  organizations: OrganizationTable
  users: UserTable
  instance_secrets: InstanceSecretTable
  idempotency_keys: IdempotencyKeyTable
  cases: CaseTable
  case_number_counters: CaseNumberCounterTable
  consents: ConsentTable
  case_participants: CaseParticipantTable
  case_history: CaseHistoryTable
  audit_events: AuditEventTable
  case_notes: CaseNoteTable
  audit_chain: AuditChainTable
  audit_pending: AuditPendingTable
  case_statistics: CaseStatisticsTable
  placements: PlacementTable
  stage_transitions: StageTransitionTable
  assessments: AssessmentTable
  determinations: DeterminationTable
  case_assignments: CaseAssignmentTable
  referrals: ReferralTable
  placement_corrections: PlacementCorrectionTable
  transfers: TransferTable
  non_working_days: NonWorkingDayTable
  statistics_snapshots: StatisticsSnapshotTable
}

export type OrganizationRow = Selectable<OrganizationTable>
export type NewOrganizationRow = Insertable<OrganizationTable>
export type UserRow = Selectable<UserTable>
export type NewUserRow = Insertable<UserTable>
export type UserUpdate = Updateable<UserTable>
export type OrganizationUpdate = Updateable<OrganizationTable>

type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string | Record<string, unknown>>

export interface CaseTable {
  id: string
  case_number: string
  child_ref: string
  stage: ColumnType<Stage, Stage | undefined, Stage>
  status: ColumnType<CaseStatus, CaseStatus | undefined, CaseStatus>
  risk_level: RiskLevel
  lead_organization_id: string
  opened_at: DefaultedTimestamp
  closed_at: Timestamp | null
  closure_reason: ClosureReason | null
  version: ColumnType<number, number | undefined, number>
  updated_at: DefaultedTimestamp
  created_by: string
  date_of_birth: ColumnType<string | null, string | null | undefined, string | null>
  demographics: Json
  identity: Json
  contact: Json
  health: Json
  protection: Json
  custody: Json
  legal_status: Json
  legal: Json
  placement_type: PlacementType | null
  placement_since: Timestamp | null
  responsible_organization_id: string | null
  in_detention: ColumnType<boolean, boolean | undefined, boolean>
  detention_days_closed: ColumnType<number, number | undefined, number>
  best_interests: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>
  /** section → its version; a reader's version is the sum over the sections it may read */
  section_versions: ColumnType<Record<string, number>, string | undefined, string>
  /** section → when it last changed (UTC ISO text) */
  section_updated_at: ColumnType<Record<string, string>, string | undefined, string>
}

export interface CaseNumberCounterTable {
  year: number
  last_value: number
}

export interface ConsentTable {
  id: string
  case_id: string
  given_by: ConsentGiver
  scopes: ConsentScope[]
  withheld: ColumnType<unknown[], string | undefined, string>
  given_at: Timestamp
  withdrawn_at: Timestamp | null
  notes: string | null
  recorded_by: string
  recorded_by_organization_id: string
  created_at: DefaultedTimestamp
  version: ColumnType<number, number | undefined, number>
}

/** One participation of an organisation in a case, from its grant to its end (a record, never deleted). */
export interface CaseParticipantTable {
  id: Generated<string>
  organization_id: string
  case_id: string
  basis: ParticipationBasis
  consent_id: ColumnType<string | null, string | null | undefined, string | null>
  legal_basis_code: ColumnType<LegalBasisCode | null, LegalBasisCode | null | undefined, LegalBasisCode | null>
  legal_basis_citation: ColumnType<string | null, string | null | undefined, string | null>
  /** null: every section; otherwise the sections a referral named */
  sections: ColumnType<string[] | null, string[] | null | undefined, string[] | null>
  granted_by: string
  since: DefaultedTimestamp
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  ended_by: ColumnType<string | null, string | null | undefined, string | null>
  end_reason: ColumnType<string | null, string | null | undefined, string | null>
}

export interface CaseHistoryTable {
  id: Generated<number>
  case_id: string
  field: string
  old_value: ColumnType<unknown, string | null, never>
  new_value: ColumnType<unknown, string | null, never>
  actor_id: string
  changed_at: DefaultedTimestamp
  request_id: string
}

export interface AuditEventTable {
  id: Generated<number>
  occurred_at: DefaultedTimestamp
  request_id: string
  actor_id: string | null
  actor_role: Role | null
  actor_organization_id: string | null
  action: string
  case_ids: ColumnType<string[], string[] | undefined, never>
  fields: ColumnType<string[], string[] | undefined, never>
  outcome: AuditOutcome
  reason: string | null
  policy_version: string
  /** the organisation a share let in (case.share); null for every other event */
  target_organization_id: ColumnType<string | null, string | null | undefined, never>
  /** the fields a change changed (`fields` are those its answer disclosed) */
  changed_fields: ColumnType<string[], string[] | undefined, never>
  /** the user an administrative act was about */
  target_user_id: ColumnType<string | null, string | null | undefined, never>
  /** how many attempts the event stands for (aggregated refused tokens); 1 otherwise */
  event_count: ColumnType<number, number | undefined, never>
  /** the caller's own X-Request-Id, when it was a plain token; `request_id` is the server's */
  client_request_id: ColumnType<string | null, string | null | undefined, never>
}

/** One link of the hash chain over audit_events (append-only, like the events). */
export interface AuditChainTable {
  seq: number
  event_id: number
  prev_hash: string
  hash: string
  sealed_at: DefaultedTimestamp
}

/** Events committed but not yet sealed into the chain. */
export interface AuditPendingTable {
  event_id: number
}

/** The facts statistics count, one narrow row per case, kept by a trigger on cases. */
/** Published statistics per period and scope (migrations/2026-12-03-10-statistics-snapshots.ts). */
export interface StatisticsSnapshotTable {
  key: string
  computed_at: ColumnType<Date, Date | string, Date | string>
  figures: Json
}

export interface CaseStatisticsTable {
  id: string
  stage: Stage
  status: CaseStatus
  opened_at: Date
  date_of_birth: string | null
  placement_type: PlacementType | null
  nationality: string | null
  separation_status: SeparationStatus | null
  in_detention: boolean
  placement_since: Date | null
  detention_days_closed: number
  hours_to_notification: number | null
  days_to_guardian: number | null
  days_to_representation: number | null
  days_to_determination: number | null
}

export interface CaseNoteTable {
  id: string
  case_id: string
  author_id: string
  author_organization_id: string
  entered_in_error: ColumnType<boolean, boolean | undefined, boolean>
  body: string
  category: NoteCategory
  created_at: DefaultedTimestamp
  updated_at: DefaultedTimestamp
  version: ColumnType<number, number | undefined, number>
}

export interface PlacementTable {
  id: string
  case_id: string
  type: PlacementType
  facility_name: string | null
  facility_address: string | null
  responsible_organization_id: string | null
  legal_basis: string | null
  started_at: Timestamp
  ended_at: Timestamp | null
  end_reason_code: PlacementEndReason | null
  end_notes: string | null
  created_by: string
  created_by_organization_id: string
  created_at: DefaultedTimestamp
  version: ColumnType<number, number | undefined, number>
  /** a date of it was recorded more than a few minutes after the fact */
  backdated: ColumnType<boolean, boolean | undefined, boolean>
}

/** A retroactive change of a placement's dates, with its reason (migrations/2026-12-02-50-record-rules.ts). */
export interface PlacementCorrectionTable {
  id: string
  case_id: string
  placement_id: string
  placement_type: PlacementType
  field: 'endedAt'
  corrected_to: Timestamp
  detention_days_before: number
  detention_days_after: number
  reason: string
  corrected_by: string
  corrected_by_organization_id: string
  request_id: string
  recorded_at: DefaultedTimestamp
}

export interface StageTransitionTable {
  id: string
  case_id: string
  from_stage: Stage
  to_stage: Stage
  reason: string | null
  closure_reason: ClosureReason | null
  actor_id: string
  actor_role: Role
  at: DefaultedTimestamp
}

type JsonValue<T> = ColumnType<T, string | undefined, string>

export interface AssessmentTable {
  id: string
  case_id: string
  assessor_id: string
  author_organization_id: string
  findings: JsonValue<Record<string, string>>
  recommendation: string | null
  status: AssessmentStatus
  completed_at: Timestamp | null
  created_at: DefaultedTimestamp
  updated_at: DefaultedTimestamp
  version: ColumnType<number, number | undefined, number>
}

export interface DeterminationTable {
  id: string
  case_id: string
  status: DeterminationStatus
  trigger: DeterminationTrigger
  panel: JsonValue<Record<string, unknown>[]>
  child_views: string | null
  factors: JsonValue<Record<string, string>>
  options_considered: JsonValue<Record<string, unknown>[]>
  rationale: string | null
  dissent: string | null
  outcome: DeterminationOutcome | null
  decided_at: Timestamp | null
  /** a date; selected as text so no time zone shifts it */
  review_due_at: ColumnType<string | null, string | null | undefined, string | null>
  supersedes_id: string | null
  created_by: string
  author_organization_id: string
  created_at: DefaultedTimestamp
  updated_at: DefaultedTimestamp
  version: ColumnType<number, number | undefined, number>
}

/** A participating organisation's assignee of a case (one per case and organisation). */
export interface CaseAssignmentTable {
  case_id: string
  organization_id: string
  user_id: string
  assigned_by: string
  assigned_at: Generated<Date>
}

/** A referral for a service: a stub for the receiver until it accepts, then a participation of its sections. */
export interface ReferralTable {
  id: string
  case_id: string
  from_organization_id: string
  to_organization_id: string
  service: ReferralService
  sections: string[]
  consent_id: string | null
  legal_basis_code: LegalBasisCode | null
  legal_basis_citation: string | null
  /** a date (YYYY-MM-DD) */
  respond_by: ColumnType<string, string, string>
  status: ColumnType<ReferralStatus, 'pending' | undefined, Exclude<ReferralStatus, 'pending'>>
  requested_by: string
  requested_at: DefaultedTimestamp
  decided_by: ColumnType<string | null, string | null | undefined, string | null>
  decided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  decline_reason: ColumnType<string | null, string | null | undefined, string | null>
  outcome: ColumnType<ReferralOutcome | null, ReferralOutcome | null | undefined, ReferralOutcome | null>
  completion_notes: ColumnType<string | null, string | null | undefined, string | null>
  completed_by: ColumnType<string | null, string | null | undefined, string | null>
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  participation_id: ColumnType<string | null, string | null | undefined, string | null>
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  end_reason: ColumnType<ReferralEndReason | null, ReferralEndReason | null | undefined, ReferralEndReason | null>
}

/** A hand-over or transfer of responsibility (migrations/2026-12-02-10-transfers.ts). */
export interface TransferTable {
  id: string
  case_id: string
  kind: TransferKind
  from_organization_id: string
  to_organization_id: string
  consent_id: ColumnType<string | null, string | null | undefined, string | null>
  legal_basis_code: ColumnType<LegalBasisCode | null, LegalBasisCode | null | undefined, LegalBasisCode | null>
  legal_basis_citation: ColumnType<string | null, string | null | undefined, string | null>
  receiver_participation_id: ColumnType<string | null, string | null | undefined, string | null>
  status: ColumnType<TransferStatus, TransferStatus | undefined, TransferStatus>
  requested_by: string
  requested_at: DefaultedTimestamp
  decided_by: ColumnType<string | null, string | null | undefined, string | null>
  decided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  decline_reason: ColumnType<string | null, string | null | undefined, string | null>
}

/** A day that is not a working day besides weekends: a rest day of the law, or one an authority declared. */
export interface NonWorkingDayTable {
  /** a date; selected as text so no time zone shifts it */
  date: string
  reason: string
  source: NonWorkingDaySource
  created_by: string | null
  created_at: DefaultedTimestamp
}

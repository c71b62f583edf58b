import { type RawBuilder, sql } from 'kysely'
import { REFERRAL_RESPONSE_DUE, TRANSFER_RESPONSE_DUE } from '../tasks/task-rules.js'

export const ALERT_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number]

/** When the child came into custody: the first placement, or the move to the custody stage. */
const custodySince = sql`LEAST(
  (SELECT min(p.started_at) FROM placements p WHERE p.case_id = cases.id),
  (SELECT min(s.at) FROM stage_transitions s WHERE s.case_id = cases.id AND s.to_stage = 'custody'))`

export interface AlertRule {
  readonly severity: AlertSeverity
  /**
   * The fields the rule is built from. An alert discloses them (that a child is in detention, that
   * no guardian is appointed, when the child turns 18), so it is listed only to callers who may
   * read every one of them.
   */
  readonly fields: readonly string[]
  readonly condition: RawBuilder<boolean>
  /** When the alert became due. */
  readonly since: RawBuilder<Date>
}

/**
 * The alert rules (DOMAIN.md, "Time limits the alerts use"), each a SQL condition on the case, so
 * alerts are computed from the data whenever they are asked for: no scheduler, nothing stored.
 */
export const ALERT_RULES = {
  // Detention of a child is prohibited: alert at once, whatever the state of the case.
  in_migration_station: {
    severity: 'critical',
    fields: ['custody.inDetention', 'custody.placementSince'],
    condition: sql<boolean>`cases.in_detention`,
    since: sql<Date>`cases.placement_since`,
  },
  // A migration station placement ended in the past: its detention days were corrected (PRODUCT.md, dates).
  detention_corrected: {
    severity: 'high',
    fields: ['custody.daysInDetention', 'custody.placementSince'],
    condition: sql<boolean>`EXISTS (SELECT 1 FROM placement_corrections c WHERE c.case_id = cases.id AND c.placement_type = 'migration_station')`,
    since: sql<Date>`(SELECT max(c.recorded_at) FROM placement_corrections c WHERE c.case_id = cases.id AND c.placement_type = 'migration_station')`,
  },
  procuraduria_not_notified: {
    severity: 'high',
    fields: ['custody.procuraduriaNotifiedAt', 'case.openedAt'],
    condition: sql<boolean>`cases.status = 'open' AND (cases.custody ->> 'procuraduriaNotifiedAt') IS NULL AND cases.opened_at <= now() - interval '24 hours'`,
    since: sql<Date>`cases.opened_at + interval '24 hours'`,
  },
  no_guardian: {
    severity: 'high',
    fields: ['legalStatus.guardianAppointed', 'legalStatus.legallyRepresented', 'custody.placementSince', 'case.stage'],
    // As the guardianship guard: a guardian, or a legal representative, appointed with a date.
    condition: sql<boolean>`cases.status = 'open'
      AND (cases.legal -> 'guardian' ->> 'appointedAt') IS NULL AND (cases.legal -> 'representation' ->> 'since') IS NULL
      AND ${custodySince} <= now() - interval '7 days'`,
    since: sql<Date>`${custodySince} + interval '7 days'`,
  },
  // The asylum claim is due 30 working days after entry; the case opening stands for the entry.
  asylum_claim_not_filed: {
    severity: 'high',
    fields: ['legalStatus.asylumClaimStatus', 'case.openedAt'],
    condition: sql<boolean>`cases.status = 'open' AND (cases.legal_status ->> 'asylumClaimStatus') = 'intended' AND cases.opened_at <= now() - interval '25 days'`,
    since: sql<Date>`cases.opened_at + interval '25 days'`,
  },
  determination_review_overdue: {
    severity: 'medium',
    fields: ['bestInterests.reviewDueAt'],
    condition: sql<boolean>`cases.status = 'open' AND (cases.best_interests ->> 'reviewDueAt')::date < current_date`,
    since: sql<Date>`((cases.best_interests ->> 'reviewDueAt')::date)::timestamptz`,
  },
  // Names the birthday to within a day, so it needs the date of birth, not only the age bracket.
  turning_18: {
    severity: 'medium',
    fields: ['identity.dateOfBirth'],
    condition: sql<boolean>`cases.status = 'open' AND cases.date_of_birth IS NOT NULL
      AND (cases.date_of_birth + interval '18 years')::date BETWEEN current_date AND current_date + 90`,
    since: sql<Date>`((cases.date_of_birth + interval '18 years')::date - 90)::timestamptz`,
  },
  // A referral not answered by its respond-by date (the task respond_to_referral, past due). Like the
  // receiver's task it follows the referral, whatever the case's status.
  referral_response_overdue: {
    severity: 'medium',
    fields: ['case.leadOrganizationId'],
    condition: sql<boolean>`EXISTS (SELECT 1 FROM referrals WHERE referrals.case_id = cases.id AND referrals.status = 'pending'
      AND ${REFERRAL_RESPONSE_DUE} <= now())`,
    since: sql<Date>`(SELECT min(${REFERRAL_RESPONSE_DUE}) FROM referrals WHERE referrals.case_id = cases.id AND referrals.status = 'pending')`,
  },
  // A transfer not answered in its response time (the task respond_to_transfer, past due): until it
  // is, no one has taken over responsibility for the child.
  transfer_response_overdue: {
    severity: 'high',
    fields: ['case.leadOrganizationId'],
    condition: sql<boolean>`cases.status = 'open' AND EXISTS (SELECT 1 FROM transfers WHERE transfers.case_id = cases.id
      AND transfers.status = 'pending' AND ${TRANSFER_RESPONSE_DUE} <= now())`,
    since: sql<Date>`(SELECT min(${TRANSFER_RESPONSE_DUE}) FROM transfers WHERE transfers.case_id = cases.id AND transfers.status = 'pending')`,
  },
} as const satisfies Record<string, AlertRule>

export type AlertRuleName = keyof typeof ALERT_RULES
export const ALERT_RULE_NAMES = Object.keys(ALERT_RULES) as AlertRuleName[]

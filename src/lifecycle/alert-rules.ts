import { type RawBuilder, sql } from 'kysely'
import {
  type CaseTaskRule,
  REFERRAL_RESPONSE_DUE,
  TASK_RULES,
  TRANSFER_RESPONSE_DUE,
  type TaskRule,
  type TaskRuleName,
} from '../tasks/task-rules.js'

export const ALERT_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number]

export interface AlertRule {
  readonly severity: AlertSeverity
  /** The task rule the alert watches over, when there is one (`GET /tasks` tells the case team what to do). */
  readonly task: TaskRuleName | null
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

type CaseTaskName = { [Name in TaskRuleName]: (typeof TASK_RULES)[Name] extends CaseTaskRule ? Name : never }[TaskRuleName]

/**
 * An alert on a task rule of the case data: oversight learns of a time limit the case team let pass
 * (the task is overdue), from the same condition and due time the team's task has, so the two can
 * never disagree. `whileOpen` alerts as soon as the task exists instead (a child about to turn 18),
 * since the task appears `lead` before its due time.
 */
function overdueTask(task: CaseTaskName, severity: AlertSeverity, whileOpen?: { readonly lead: string }): AlertRule {
  const rule: TaskRule = TASK_RULES[task]
  if ('answers' in rule) throw new Error(`${task} answers a request: use overdueAnswer`)
  return {
    severity,
    task,
    fields: rule.fields,
    condition: whileOpen
      ? sql<boolean>`cases.status = 'open' AND ${rule.condition}`
      : sql<boolean>`cases.status = 'open' AND ${rule.condition} AND ${rule.dueAt} <= now()`,
    since: whileOpen ? sql<Date>`${rule.dueAt} - ${whileOpen.lead}::interval` : rule.dueAt,
  }
}

/**
 * An alert on a request the receiving organisation let pass its response time (the tasks
 * respond_to_referral and respond_to_transfer, overdue), with their due times. A referral's alert
 * follows the referral whatever the case's status, as the receiver's task does; a transfer matters
 * while the case is open: until it is answered, no one has taken over responsibility for the child.
 */
function overdueAnswer(task: 'respond_to_referral' | 'respond_to_transfer', severity: AlertSeverity): AlertRule {
  const pending =
    task === 'respond_to_referral'
      ? { due: REFERRAL_RESPONSE_DUE, from: sql`referrals WHERE referrals.case_id = cases.id AND referrals.status = 'pending'` }
      : { due: TRANSFER_RESPONSE_DUE, from: sql`transfers WHERE transfers.case_id = cases.id AND transfers.status = 'pending'` }
  const open = task === 'respond_to_transfer' ? sql`cases.status = 'open' AND ` : sql``
  return {
    severity,
    task,
    fields: TASK_RULES[task].fields,
    condition: sql<boolean>`${open}EXISTS (SELECT 1 FROM ${pending.from} AND ${pending.due} <= now())`,
    since: sql<Date>`(SELECT min(${pending.due}) FROM ${pending.from})`,
  }
}

/**
 * The alert rules (DOMAIN.md, "Time limits the alerts use"): every one but a detention's correction
 * is a task rule watched over (src/tasks/task-rules.ts), each a SQL condition on the case, so alerts
 * are computed from the data whenever they are asked for: no scheduler, nothing stored. What each
 * tells oversight, in a sentence, is in the message catalogues (`sentences.alerts`).
 */
export const ALERT_RULES = {
  // Detention of a child is prohibited: the task is due at once, so the alert is too.
  in_migration_station: overdueTask('leave_migration_station', 'critical'),
  // A migration station placement ended in the past: its detention days were corrected (PRODUCT.md,
  // dates). No task: the correction is done; oversight reviews its reason.
  detention_corrected: {
    severity: 'high',
    task: null,
    fields: ['custody.daysInDetention', 'custody.placementSince'],
    condition: sql<boolean>`EXISTS (SELECT 1 FROM placement_corrections c WHERE c.case_id = cases.id AND c.placement_type = 'migration_station')`,
    since: sql<Date>`(SELECT max(c.recorded_at) FROM placement_corrections c WHERE c.case_id = cases.id AND c.placement_type = 'migration_station')`,
  },
  procuraduria_not_notified: overdueTask('notify_procuraduria', 'high'),
  no_guardian: overdueTask('appoint_guardian', 'high'),
  asylum_claim_not_filed: overdueTask('file_asylum_claim', 'high'),
  determination_review_overdue: overdueTask('bid_review', 'medium'),
  turning_18: overdueTask('turning_18', 'medium', { lead: '90 days' }),
  referral_response_overdue: overdueAnswer('respond_to_referral', 'medium'),
  transfer_response_overdue: overdueAnswer('respond_to_transfer', 'high'),
} as const satisfies Record<string, AlertRule>

export type AlertRuleName = keyof typeof ALERT_RULES
export const ALERT_RULE_NAMES = Object.keys(ALERT_RULES) as AlertRuleName[]

import { type ExpressionBuilder, type Kysely, type RawBuilder, sql } from 'kysely'
import type { ScopeFilter, SectionOpen } from '../cases/case.repository.js'
import type { Database } from '../db/schema.js'
import { StatementTemplates } from '../db/statement-template.js'
import {
  CALENDAR_TIME_ZONE,
  REFERRAL_RESPONSE_DUE,
  TASK_RULES,
  TRANSFER_RESPONSE_DUE,
  type TaskRule,
  type TaskRuleName,
} from './task-rules.js'

export interface TaskRow {
  case_id: string
  case_number: string
  rule: TaskRuleName
  due_at: Date
  overdue: boolean
  /** The referral or transfer a task answers; null for a rule on the case data. */
  record_id: string | null
}

export interface TaskCursor {
  readonly dueAt: string
  readonly caseId: string
  readonly rule: TaskRuleName
}

export interface TaskQuery {
  readonly rules: readonly TaskRuleName[]
  /** The reader's organisation: the receiver of the referrals and transfers it answers. */
  readonly organizationId: string
  readonly caseId?: string | undefined
  /** The assignee of the case in the reader's organisation. */
  readonly assignee?: { readonly userId: string; readonly organizationId: string } | undefined
  readonly overdue?: boolean | undefined
  readonly dueBefore?: string | undefined
  readonly limit: number
  readonly after?: TaskCursor | undefined
}

/** The sections a rule is built from, and the one its resolving route writes. */
function sectionsOf(name: TaskRuleName): string[] {
  const rule: TaskRule = TASK_RULES[name]
  const fields = 'writes' in rule.resolveWith ? [...rule.fields, rule.resolveWith.writes.field] : rule.fields
  return [...new Set(fields.map((field) => field.slice(0, field.indexOf('.'))))]
}

/**
 * Task lists, built once per shape and reader (db/statement-template.ts): building this union with
 * Kysely took 16 % of the service's busy time under the tasks load (README, "Where the time goes,
 * from a CPU profile cut per scenario"). The scope filter is kept per ability (access/case-scope.ts),
 * so it owns them; the rules, the reader's organisation, the filters given and their forms make the
 * shape. Not kept planned by the database: a plan for any reader would not know which
 * organisation's participations to look at.
 */
const TASK_LISTS = new StatementTemplates<ScopeFilter, string>()

/** The values of a task list, by name: a filter's value when it is given, the cursor, the page size. */
function taskValues(query: TaskQuery): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  if (query.caseId) values.caseId = query.caseId
  if (query.assignee) values.assignee = query.assignee.userId
  if (query.dueBefore !== undefined) values.dueBefore = query.dueBefore
  if (query.after) {
    values.afterDueAt = query.after.dueAt
    values.afterCaseId = query.after.caseId
    values.afterRule = query.after.rule
  }
  values.limit = query.limit
  return values
}

/**
 * The tasks of the given rules on the open cases in scope, by due time, then case, then rule. The
 * scope (and the assignee and case filters) choose the cases first, once; each rule then looks only
 * at those cases, and only where the reader may read every section it is built from. A pending
 * referral to the reader's organisation is the exception: its receiver does not take part in the
 * case yet, and learns of it only what the referral's stub says, whatever the case's state.
 */
export async function listTasks(db: Kysely<Database>, scope: ScopeFilter, query: TaskQuery, sectionOpen: SectionOpen): Promise<TaskRow[]> {
  if (query.rules.length === 0) return []
  const values = taskValues(query)
  const shape = [
    query.rules.join(','),
    query.organizationId,
    query.assignee?.organizationId ?? '',
    String(query.overdue),
    // A date alone and an instant are different SQL.
    query.dueBefore?.includes('T') ?? '',
    Object.keys(values).join(','),
  ].join('|')
  const build = (slot: (name: string) => never) => buildTaskList(db, scope, query, sectionOpen, slot).compile()
  const statement = TASK_LISTS.fill(scope, shape, values, build, false)
  return (await db.executeQuery<TaskRow>(statement)).rows
}

/** The task list as Kysely builds it, with `slot(name)` in place of each value of taskValues. */
function buildTaskList(
  db: Kysely<Database>,
  scope: ScopeFilter,
  query: TaskQuery,
  sectionOpen: SectionOpen,
  slot: (name: string) => never,
) {
  const caseId = query.caseId ? slot('caseId') : undefined
  const assignee = query.assignee
  const assignedCases = assignee
    ? db
        .selectFrom('case_assignments')
        .select('case_assignments.case_id')
        .where('case_assignments.user_id', '=', slot('assignee'))
        .where('case_assignments.organization_id', '=', assignee.organizationId)
    : undefined
  const caseSelection = (rule: TaskRuleName, dueAt: RawBuilder<Date>, recordId: RawBuilder<string | null>) =>
    [
      'cases.id as case_id',
      'cases.case_number',
      sql<string>`${sql.lit(rule)}::text`.as('rule'),
      // Milliseconds, as the cursor carries them.
      sql<Date>`date_trunc('milliseconds', (${dueAt})::timestamptz)`.as('due_at'),
      recordId.as('record_id'),
    ] as const
  const inScope = sql<boolean>`cases.id IN (SELECT id FROM scoped_cases)`
  const perRule = query.rules.map((name) => {
    const rule: TaskRule = TASK_RULES[name]
    const open = (eb: ExpressionBuilder<Database, 'cases'>) => eb.and(sectionsOf(name).map((section) => sectionOpen(section)))
    if (!('answers' in rule)) {
      return db
        .selectFrom('cases')
        .select(caseSelection(name, rule.dueAt, sql<null>`NULL::uuid`))
        .where(inScope)
        .where(rule.condition)
        .where(open)
    }
    if (rule.answers === 'transfer') {
      // The receiver reads the case from the request on: the case is in its scope.
      return db
        .selectFrom('transfers')
        .innerJoin('cases', 'cases.id', 'transfers.case_id')
        .select(caseSelection(name, TRANSFER_RESPONSE_DUE, sql<string>`transfers.id`))
        .where(inScope)
        .where('transfers.to_organization_id', '=', query.organizationId)
        .where('transfers.status', '=', 'pending')
        .where(open)
    }
    // The receiver of a pending referral takes no part in the case: no scope, no section, and not the
    // case's status (which its stub does not tell); only the referral addressed to its organisation.
    let referrals = db
      .selectFrom('referrals')
      .innerJoin('cases', 'cases.id', 'referrals.case_id')
      .select(caseSelection(name, REFERRAL_RESPONSE_DUE, sql<string>`referrals.id`))
      .where('referrals.to_organization_id', '=', query.organizationId)
      .where('referrals.status', '=', 'pending')
    if (caseId) referrals = referrals.where('referrals.case_id', '=', caseId)
    if (assignedCases) referrals = referrals.where('referrals.case_id', 'in', assignedCases)
    return referrals
  })
  const union = perRule.slice(1).reduce((all, next) => all.unionAll(next), perRule[0]!)
  let scoped = db
    .selectFrom('cases')
    .select('cases.id')
    .where((eb) => scope(eb))
    .where('cases.status', '=', 'open')
  if (caseId) scoped = scoped.where('cases.id', '=', caseId)
  if (assignedCases) scoped = scoped.where('cases.id', 'in', assignedCases)
  let tasks = db
    .with(
      (cte) => cte('scoped_cases').materialized(),
      () => scoped,
    )
    .selectFrom(union.as('tasks'))
    .select([
      'tasks.case_id',
      'tasks.case_number',
      'tasks.rule',
      'tasks.due_at',
      'tasks.record_id',
      sql<boolean>`tasks.due_at < now()`.as('overdue'),
    ])
  if (query.overdue !== undefined)
    tasks = tasks.where(query.overdue ? sql<boolean>`tasks.due_at < now()` : sql<boolean>`tasks.due_at >= now()`)
  if (query.dueBefore !== undefined) {
    // A date alone means its start in Mexico City, as the calendar counts days.
    const dueBefore = slot('dueBefore')
    const instant = query.dueBefore.includes('T')
      ? sql`${dueBefore}::timestamptz`
      : sql`(${dueBefore}::date::timestamp AT TIME ZONE ${sql.lit(CALENDAR_TIME_ZONE)})`
    tasks = tasks.where(sql<boolean>`tasks.due_at < ${instant}`)
  }
  if (query.after) {
    tasks = tasks.where(
      sql<boolean>`(tasks.due_at, tasks.case_id, tasks.rule) > (${slot('afterDueAt')}::timestamptz, ${slot('afterCaseId')}::uuid, ${slot('afterRule')}::text)`,
    )
  }
  return tasks.orderBy('tasks.due_at').orderBy('tasks.case_id').orderBy('tasks.rule').limit(slot('limit'))
}

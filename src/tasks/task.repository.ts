import { type Kysely, sql } from 'kysely'
import type { ScopeFilter, SectionOpen } from '../cases/case.repository.js'
import type { Database } from '../db/schema.js'
import { CALENDAR_TIME_ZONE, TASK_RULES, type TaskRule, type TaskRuleName } from './task-rules.js'

export interface TaskRow {
  case_id: string
  case_number: string
  rule: TaskRuleName
  due_at: Date
  overdue: boolean
}

export interface TaskCursor {
  readonly dueAt: string
  readonly caseId: string
  readonly rule: TaskRuleName
}

export interface TaskQuery {
  readonly rules: readonly TaskRuleName[]
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
 * The tasks of the given rules on the open cases in scope, by due time, then case, then rule. The
 * scope (and the assignee and case filters) choose the cases first, once; each rule then looks only
 * at those cases, and only where the reader may read every section it is built from.
 */
export async function listTasks(db: Kysely<Database>, scope: ScopeFilter, query: TaskQuery, sectionOpen: SectionOpen): Promise<TaskRow[]> {
  if (query.rules.length === 0) return []
  const perRule = query.rules.map((name) =>
    db
      .selectFrom('cases')
      .select([
        'cases.id as case_id',
        'cases.case_number',
        sql<string>`${sql.lit(name)}::text`.as('rule'),
        // Milliseconds, as the cursor carries them.
        sql<Date>`date_trunc('milliseconds', (${TASK_RULES[name].dueAt})::timestamptz)`.as('due_at'),
      ])
      .where(sql<boolean>`cases.id IN (SELECT id FROM scoped_cases)`)
      .where(TASK_RULES[name].condition)
      .where((eb) => eb.and(sectionsOf(name).map((section) => sectionOpen(section)))),
  )
  const union = perRule.slice(1).reduce((all, next) => all.unionAll(next), perRule[0]!)
  let scoped = db
    .selectFrom('cases')
    .select('cases.id')
    .where((eb) => scope(eb))
    .where('cases.status', '=', 'open')
  if (query.caseId) scoped = scoped.where('cases.id', '=', query.caseId)
  const assignee = query.assignee
  if (assignee) {
    scoped = scoped.where(
      'cases.id',
      'in',
      db
        .selectFrom('case_assignments')
        .select('case_assignments.case_id')
        .where('case_assignments.user_id', '=', assignee.userId)
        .where('case_assignments.organization_id', '=', assignee.organizationId),
    )
  }
  let tasks = db
    .with(
      (cte) => cte('scoped_cases').materialized(),
      () => scoped,
    )
    .selectFrom(union.as('tasks'))
    .select(['tasks.case_id', 'tasks.case_number', 'tasks.rule', 'tasks.due_at', sql<boolean>`tasks.due_at < now()`.as('overdue')])
  if (query.overdue !== undefined)
    tasks = tasks.where(query.overdue ? sql<boolean>`tasks.due_at < now()` : sql<boolean>`tasks.due_at >= now()`)
  const dueBefore = query.dueBefore
  if (dueBefore !== undefined) {
    // A date alone means its start in Mexico City, as the calendar counts days.
    const instant = dueBefore.includes('T')
      ? sql`${dueBefore}::timestamptz`
      : sql`(${dueBefore}::date::timestamp AT TIME ZONE ${sql.lit(CALENDAR_TIME_ZONE)})`
    tasks = tasks.where(sql<boolean>`tasks.due_at < ${instant}`)
  }
  const after = query.after
  if (after) {
    tasks = tasks.where(
      sql<boolean>`(tasks.due_at, tasks.case_id, tasks.rule) > (${after.dueAt}::timestamptz, ${after.caseId}::uuid, ${after.rule}::text)`,
    )
  }
  const rows = await tasks.orderBy('tasks.due_at').orderBy('tasks.case_id').orderBy('tasks.rule').limit(query.limit).execute()
  return rows as TaskRow[]
}

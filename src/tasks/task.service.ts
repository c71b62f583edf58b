import type { Kysely } from 'kysely'
import { readableFields } from '../access/abilities.js'
import { sectionOpenSql } from '../access/case-access-sql.js'
import { caseScopeFilter } from '../access/case-scope.js'
import type { RecordAudit } from '../audit/audited.js'
import type { CaseActor } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { ruleSentence } from '../i18n/catalogue.js'
import type { Language } from '../i18n/language.js'
import { TASK_RULES, TASK_RULE_NAMES, type TaskRuleName } from './task-rules.js'
import type { TaskQueryInput } from './task.schemas.js'
import { type TaskCursor, listTasks } from './task.repository.js'

/** Every task names its case by id and number. */
const ALWAYS_DISCLOSED = ['case.id', 'case.caseNumber']

/**
 * The rules whose every field the caller's role may read (a task discloses them) and whose resolving
 * route it may use: a task is the caller's work, not a hint about data it may not touch. (Answering a
 * referral asks for the right to refer, a transfer for the right to transfer, as their routes do.)
 */
export function taskRulesFor(actor: CaseActor): TaskRuleName[] {
  const readable = new Set(readableFields(actor.ability))
  if (!ALWAYS_DISCLOSED.every((field) => readable.has(field))) return []
  return TASK_RULE_NAMES.filter((name) => {
    const rule = TASK_RULES[name]
    if (!rule.fields.every((field) => readable.has(field))) return false
    const resolution = rule.resolveWith
    return 'writes' in resolution
      ? actor.ability.can(resolution.writes.action, 'Case', resolution.writes.field)
      : actor.ability.can(resolution.caseAction, 'Case')
  })
}

function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.dueAt, cursor.caseId, cursor.rule])).toString('base64url')
}

/** The cursor as this service wrote it, or 400: a forged cursor never reaches the database. */
function decodeCursor(cursor: string | undefined): TaskCursor | undefined {
  if (cursor === undefined) return undefined
  const invalid = () => new AppError('bad-request', 'The cursor is not valid')
  if (!/^[A-Za-z0-9_-]{1,300}$/.test(cursor)) throw invalid()
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    throw invalid()
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid()
  const [dueAt, caseId, rule] = parsed as unknown[]
  if (
    typeof dueAt !== 'string' ||
    !/^(19|2[01])\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(dueAt) ||
    Number.isNaN(Date.parse(dueAt)) ||
    new Date(dueAt).toISOString() !== dueAt ||
    typeof caseId !== 'string' ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(caseId) ||
    typeof rule !== 'string' ||
    !(TASK_RULE_NAMES as string[]).includes(rule)
  ) {
    throw invalid()
  }
  return { dueAt, caseId, rule: rule as TaskRuleName }
}

export async function listCaseTasks(
  db: Kysely<Database>,
  actor: CaseActor,
  query: TaskQueryInput,
  language: Language,
  recordAudit: RecordAudit,
) {
  // Tasks are the work of organisations that take part in cases: oversight's view is /alerts, and
  // the administrator reaches no case at all.
  if (actor.scope.kind !== 'condition') {
    throw new AppError('forbidden', 'Tasks are for the roles that work on cases; oversight reads /alerts', { reason: 'role' })
  }
  const rules = taskRulesFor(actor).filter((name) => query.rule === undefined || name === query.rule)
  const organizationId = actor.principal.organizationId
  const assignee =
    query.assignedTo === undefined
      ? undefined
      : { userId: query.assignedTo === 'me' ? actor.principal.userId : query.assignedTo, organizationId }
  const rows = await listTasks(
    db,
    caseScopeFilter(actor.ability, 'read'),
    {
      rules,
      organizationId,
      caseId: query.caseId,
      assignee,
      overdue: query.overdue,
      dueBefore: query.dueBefore,
      limit: query.limit + 1,
      after: decodeCursor(query.cursor),
    },
    // A rule holds for a case only where the reader may read every section it is built from and
    // write the one that resolves it.
    (section) => sectionOpenSql(actor.principal, actor.scope, section),
  )
  const page = rows.slice(0, query.limit)
  const shownRules = new Set(page.map((row) => row.rule))
  await recordAudit({
    caseIds: [...new Set(page.map((row) => row.case_id))],
    fields: [...new Set([...(page.length ? ALWAYS_DISCLOSED : []), ...[...shownRules].flatMap((rule) => TASK_RULES[rule].fields)])],
  })
  const last = page.at(-1)
  return {
    items: page.map((row) => {
      const rule = TASK_RULES[row.rule]
      return {
        rule: row.rule,
        caseId: row.case_id,
        caseNumber: row.case_number,
        dueAt: new Date(row.due_at).toISOString(),
        overdue: row.overdue,
        title: ruleSentence('tasks', row.rule, language),
        resolveWith: {
          method: rule.resolveWith.method,
          path: rule.resolveWith.path.replace('{caseId}', row.case_id).replace('{recordId}', row.record_id ?? ''),
        },
      }
    }),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({ dueAt: new Date(last.due_at).toISOString(), caseId: last.case_id, rule: last.rule })
        : null,
  }
}

import type { Kysely } from 'kysely'
import type { RecordAudit } from '../audit/audited.js'
import { caseScopeFilter } from '../access/case-scope.js'
import type { CaseActor } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { readableFields } from '../access/abilities.js'
import { sectionOpenSql } from '../access/case-access-sql.js'
import { ALERT_RULES, ALERT_RULE_NAMES, type AlertRuleName, type AlertSeverity } from './alert-rules.js'
import { listAlerts } from './alert.repository.js'
import { iso } from '../http/iso-time.js'
import { ruleSentence } from '../i18n/catalogue.js'
import type { Language } from '../i18n/language.js'

/** Every alert names its case by number. */
const ALWAYS_DISCLOSED = ['case.id', 'case.caseNumber']

/** The rules whose every field the caller may read: the others would disclose what it may not see. */
export function rulesVisibleTo(actor: CaseActor): AlertRuleName[] {
  const readable = new Set(readableFields(actor.ability))
  if (!ALWAYS_DISCLOSED.every((field) => readable.has(field))) return []
  return ALERT_RULE_NAMES.filter((name) => ALERT_RULES[name].fields.every((field) => readable.has(field)))
}

function alertPosition(cursor: string | undefined): { caseId: string; rule: string } | undefined {
  const parts = decodeCursor('alerts', cursor, ['uuid', 'name'])
  if (!parts) return undefined
  const [caseId, rule] = parts
  if (!(ALERT_RULE_NAMES as string[]).includes(rule)) throw new AppError('bad-request', 'The cursor is not valid')
  return { caseId, rule }
}

export async function listCaseAlerts(
  db: Kysely<Database>,
  actor: CaseActor,
  query: { severity?: AlertSeverity | undefined; limit: number; cursor?: string | undefined },
  language: Language,
  recordAudit: RecordAudit,
) {
  const rules = rulesVisibleTo(actor).filter((name) => query.severity === undefined || ALERT_RULES[name].severity === query.severity)
  const rows = await listAlerts(
    db,
    caseScopeFilter(actor.ability, 'read'),
    rules,
    { limit: query.limit + 1, after: alertPosition(query.cursor) },
    (section) => sectionOpenSql(actor.principal, actor.scope, section),
  )
  const page = rows.slice(0, query.limit)
  const shownRules = new Set(page.map((row) => row.rule))
  await recordAudit({
    caseIds: [...new Set(page.map((row) => row.case_id))],
    fields: [...new Set([...(page.length ? ALWAYS_DISCLOSED : []), ...[...shownRules].flatMap((rule) => ALERT_RULES[rule].fields)])],
  })
  const last = page.at(-1)
  return {
    items: page.map((row) => ({
      caseId: row.case_id,
      caseNumber: row.case_number,
      rule: row.rule,
      severity: row.severity as AlertSeverity,
      since: iso(row.since) as string,
      title: ruleSentence('alerts', row.rule, language),
      task: ALERT_RULES[row.rule].task,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor('alerts', last.case_id, last.rule) : null,
  }
}

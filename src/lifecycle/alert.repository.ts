import { type Kysely, sql } from 'kysely'
import type { ScopeFilter, SectionOpen } from '../cases/case.repository.js'
import type { Database } from '../db/schema.js'
import { ALERT_RULES, type AlertRuleName } from './alert-rules.js'

export interface AlertRow {
  case_id: string
  case_number: string
  rule: AlertRuleName
  severity: string
  since: Date | string
}

const sectionsOf = (rule: AlertRuleName) => [...new Set(ALERT_RULES[rule].fields.map((field) => field.slice(0, field.indexOf('.'))))]

/** The alerts of the given rules on the cases in scope, by case (newest first) then rule. */
export async function listAlerts(
  db: Kysely<Database>,
  scope: ScopeFilter,
  rules: readonly AlertRuleName[],
  page: { limit: number; after: { caseId: string; rule: string } | undefined },
  sectionOpen: SectionOpen,
): Promise<AlertRow[]> {
  if (rules.length === 0) return []
  const perRule = rules.map((name) =>
    db
      .selectFrom('cases')
      .select([
        'cases.id as case_id',
        'cases.case_number',
        sql<string>`${sql.lit(name)}::text`.as('rule'),
        sql<string>`${sql.lit(ALERT_RULES[name].severity)}::text`.as('severity'),
        sql<Date>`(${ALERT_RULES[name].since})::timestamptz`.as('since'),
      ])
      .where((eb) => scope(eb))
      .where(ALERT_RULES[name].condition)
      // A rule fires for a case only where the reader may read every section it is built from.
      .where((eb) => eb.and(sectionsOf(name).map((section) => sectionOpen(section)))),
  )
  const union = perRule.slice(1).reduce((all, query) => all.unionAll(query), perRule[0]!)
  let query = db.selectFrom(union.as('alerts')).selectAll().orderBy('case_id', 'desc').orderBy('rule').limit(page.limit)
  const after = page.after
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('case_id', '<', after.caseId), eb.and([eb('case_id', '=', after.caseId), eb('rule', '>', after.rule)])]),
    )
  }
  return (await query.execute()) as AlertRow[]
}

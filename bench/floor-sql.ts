/**
 * The statements the service sends for each scenario, copied from what bench/capture-sql.ts records
 * (`npx tsx bench/capture-sql.ts` prints them). The floor sends exactly these; run.ts compares them
 * with a fresh capture and warns when the service's SQL has moved on, so the floor never measures
 * a different query than the service.
 */

/** The scope condition as the service renders it: one EXISTS per CASL rule that grants the action. */
export function scopeCondition(firstParameter: number, rules: number): string {
  return Array.from(
    { length: rules },
    (_, index) => `EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = cases.id AND p.organization_id IN ($${firstParameter + index}::uuid))`,
  ).join(' or ')
}

const AGE_BRACKET = `CASE
      WHEN cases.date_of_birth IS NULL THEN NULL
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 6 THEN '0-5'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 12 THEN '6-11'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 15 THEN '12-14'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 18 THEN '15-17'
      ELSE '18+' END`

const DAYS_IN_DETENTION = `cases.detention_days_closed + CASE WHEN cases.in_detention
      THEN (current_date - cases.placement_since::date) + 1 ELSE 0 END`

/** The columns selected for a role that reads every section but `legal` (ngo_caseworker) or all of them. */
export function caseColumns(options: { legal: boolean }): string {
  return [
    '"cases"."id", "cases"."version", "cases"."stage", ARRAY(SELECT p.organization_id FROM case_participants p WHERE p.case_id = cases.id) as "participant_organization_ids"',
    '"cases"."case_number", "cases"."child_ref", "cases"."status", "cases"."risk_level", "cases"."lead_organization_id", "cases"."opened_at", "cases"."closed_at", "cases"."closure_reason", "cases"."updated_at"',
    `"cases"."demographics", ${AGE_BRACKET} as "age_bracket"`,
    '"cases"."identity", "cases"."contact", "cases"."health", "cases"."protection"',
    `"cases"."custody", "cases"."placement_type", "cases"."placement_since", "cases"."responsible_organization_id", "cases"."in_detention", ${DAYS_IN_DETENTION} as "days_in_detention"`,
    `"cases"."legal_status", (cases.legal -> 'guardian' ->> 'appointedAt') IS NOT NULL as "guardian_appointed", (cases.legal -> 'representation' ->> 'attorneyName') IS NOT NULL as "legally_represented"`,
    ...(options.legal ? ['"cases"."legal"'] : []),
    '"cases"."best_interests"',
  ].join(', ')
}

/** How many read rules each scenario's role holds: the number of EXISTS in its scope condition. */
export const READ_RULES = { ngo_caseworker: 12, protection_officer: 13 } as const

/** $1 case id, $2.. the organisation once per rule. */
export const readCaseSql = (forUpdate: boolean) =>
  `select ${caseColumns({ legal: false })} from "cases" where "cases"."id" = $1 and (${scopeCondition(2, READ_RULES.ngo_caseworker)})${forUpdate ? ' for update' : ''}`

/** $1.. the organisation once per rule, then the stage and the limit. */
export const listCasesSql = () => {
  const rules = READ_RULES.protection_officer
  return `select ${caseColumns({ legal: true })} from "cases" where (${scopeCondition(1, rules)}) and "cases"."stage" = $${rules + 1} order by "cases"."id" desc limit $${rules + 2}`
}

export const INSERT_AUDIT_EVENT = `insert into "audit_events" ("request_id", "actor_id", "actor_role", "actor_organization_id", "action", "case_ids", "fields", "outcome", "reason", "policy_version", "target_organization_id") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

export const READ_SECTION_COLUMNS = `select "risk_level", "demographics", "identity", "contact", "health", "protection", "custody", "legal_status", "legal", "version" from "cases" where "id" = $1`

export const UPDATE_CONTACT = `update "cases" set "contact" = $1, "version" = version + 1, "updated_at" = now() where "id" = $2 and "version" = $3 returning "version"`

export const INSERT_HISTORY = `insert into "case_history" ("case_id", "field", "old_value", "new_value", "actor_id", "request_id") values ($1, $2, $3, $4, $5, $6)`

/** The floor's statements per scenario, in order, as the service sends them (minus the user lookup). */
export function floorStatements(): Record<'read' | 'list' | 'patch', string[]> {
  return {
    read: [readCaseSql(false), INSERT_AUDIT_EVENT],
    list: [listCasesSql(), INSERT_AUDIT_EVENT],
    patch: ['begin', readCaseSql(true), READ_SECTION_COLUMNS, UPDATE_CONTACT, INSERT_HISTORY, readCaseSql(false), INSERT_AUDIT_EVENT, 'commit'],
  }
}

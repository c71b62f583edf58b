/**
 * The statements the service sends for each scenario, copied from what bench/capture-sql.ts records
 * (`npx tsx bench/capture-sql.ts` prints them). The floor sends exactly these; run.ts compares them
 * with a fresh capture and warns when the service's SQL has moved on, so the floor never measures
 * a different query than the service.
 */

/** The scope condition as the service renders it (the same condition of every rule, said once). */
export const scopeCondition = (parameter: number): string =>
  `EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = cases.id AND p.organization_id IN ($${parameter}::uuid))`

/** The sections the child's consents withhold from the reader's organisation ($n text, $n+1 uuid). */
const withheldSections = (parameter: number) => `ARRAY(
      SELECT DISTINCT entry ->> 'section' FROM consents, jsonb_array_elements(consents.withheld) AS entry
      WHERE consents.case_id = cases.id
        AND (entry ->> 'fromOrganizationId' = $${parameter}
          OR (entry ->> 'fromOrganizationId' IS NULL AND cases.lead_organization_id <> $${parameter + 1}::uuid))) as "withheld_sections"`

const AGE_BRACKET = `CASE
      WHEN cases.date_of_birth IS NULL THEN NULL
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 6 THEN '0-5'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 12 THEN '6-11'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 15 THEN '12-14'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 18 THEN '15-17'
      ELSE '18+' END`

const DAYS_IN_DETENTION = `cases.detention_days_closed + CASE WHEN cases.in_detention
      THEN (current_date - cases.placement_since::date) + 1 ELSE 0 END`

/**
 * The columns selected for a role that reads every section but `legal` (ngo_caseworker) or all of
 * them; the organisation is parameter $1 and $2 (for the withheld sections).
 */
export function caseColumns(options: { legal: boolean }): string {
  return [
    '"cases"."id", "cases"."version", "cases"."stage", ARRAY(SELECT p.organization_id FROM case_participants p WHERE p.case_id = cases.id) as "participant_organization_ids"',
    withheldSections(1),
    '"cases"."case_number", "cases"."child_ref", "cases"."status", "cases"."risk_level", "cases"."lead_organization_id", "cases"."opened_at", "cases"."closed_at", "cases"."closure_reason", "cases"."updated_at"',
    `"cases"."demographics", ${AGE_BRACKET} as "age_bracket"`,
    '"cases"."identity", "cases"."contact", "cases"."health", "cases"."protection"',
    `"cases"."custody", "cases"."placement_type", "cases"."placement_since", "cases"."responsible_organization_id", "cases"."in_detention", ${DAYS_IN_DETENTION} as "days_in_detention"`,
    `"cases"."legal_status", (cases.legal -> 'guardian' ->> 'appointedAt') IS NOT NULL as "guardian_appointed", (cases.legal -> 'representation' ->> 'attorneyName') IS NOT NULL as "legally_represented"`,
    ...(options.legal ? ['"cases"."legal"'] : []),
    '"cases"."best_interests"',
  ].join(', ')
}

/** $1 $2 the organisation (withheld sections), $3 the case id, $4 the organisation (scope). */
export const readCaseSql = (forUpdate: boolean) =>
  `select ${caseColumns({ legal: false })} from "cases" where "cases"."id" = $3 and ${scopeCondition(4)}${forUpdate ? ' for update' : ''}`

/** $1 $2 the organisation (withheld sections), $3 the organisation (scope), $4 the stage, $5 the limit. */
export const listCasesSql = () =>
  `select ${caseColumns({ legal: true })} from "cases" where ${scopeCondition(3)} and "cases"."stage" = $4 order by "cases"."id" desc limit $5`

export const INSERT_AUDIT_EVENT = `insert into "audit_events" ("request_id", "actor_id", "actor_role", "actor_organization_id", "action", "case_ids", "fields", "outcome", "reason", "policy_version", "target_organization_id") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

/** $1 the contact document, $2 the case id, $3 the expected version; the new view comes back ($4 $5 the organisation). */
export const UPDATE_CONTACT = `update "cases" set "contact" = $1, "version" = version + 1, "updated_at" = now() where "id" = $2 and "version" = $3 returning ${caseColumns({ legal: false }).replace('$1', '$4').replace('$2::uuid', '$5::uuid')}`

export const INSERT_HISTORY = `insert into "case_history" ("case_id", "field", "old_value", "new_value", "actor_id", "request_id") values ($1, $2, $3, $4, $5, $6)`

/**
 * The floor's hand-written statements per scenario, in order, as the service sends them (minus the
 * user lookup). Only the PATCH is written out: the read, the list, the search and the tasks replay
 * the service's captured statements (bench/replay.ts); the read and list above serve the naive floor
 * and the floor run on its own.
 */
export function floorStatements(): Record<'patch', string[]> {
  return {
    patch: ['begin', readCaseSql(true), UPDATE_CONTACT, INSERT_HISTORY, INSERT_AUDIT_EVENT, 'commit'],
  }
}

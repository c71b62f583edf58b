import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * The sections the child's or guardian's consents withhold from an organisation on this case: an
 * entry naming the organisation, or naming none (withheld from everyone but the lead). A withdrawn
 * consent keeps its withholdings: withdrawing consent never discloses more.
 */
export async function sectionsWithheldFrom(db: Kysely<Database>, caseId: string, organizationId: string): Promise<Set<string>> {
  const { rows } = await sql<{ section: string }>`
    SELECT DISTINCT entry ->> 'section' AS section
    FROM consents, jsonb_array_elements(consents.withheld) AS entry
    WHERE consents.case_id = ${caseId}
      AND (
        entry ->> 'fromOrganizationId' = ${organizationId}
        OR (
          entry ->> 'fromOrganizationId' IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM case_participants p
            WHERE p.case_id = ${caseId} AND p.organization_id = ${organizationId}::uuid AND p.participation = 'lead'
          )
        )
      )`.execute(db)
  return new Set(rows.map((row) => row.section))
}

export const sectionOf = (field: string): string => field.slice(0, field.indexOf('.'))

import { type RawBuilder, sql } from 'kysely'
import type { Principal } from '../auth/principal.js'
import { ALL_SECTIONS, ALWAYS_COVERED, type CaseAccessFacts, sectionOf } from './case-access.js'
import type { Scope } from './policy.js'

/**
 * The access rule's facts in SQL, selected beside a case's columns in the same statement, so a read
 * needs no second round trip to learn what its reader may see (case-access.ts holds the rule).
 */

/** The organisations that participate in the case now. */
export const liveParticipantIds = sql<
  string[]
>`ARRAY(SELECT p.organization_id FROM case_participants p WHERE p.case_id = cases.id AND p.ended_at IS NULL)`

/** The organisation's live participation in the case: every section, some sections, or null when none. */
export const participationSections = (organizationId: string) => sql<string[] | null>`(
  SELECT COALESCE(p.sections, ARRAY[${ALL_SECTIONS}]::text[]) FROM case_participants p
  WHERE p.case_id = cases.id AND p.organization_id = ${organizationId}::uuid AND p.ended_at IS NULL)`

/**
 * Sections that live consents withhold from the organisation: entries naming it, or naming no one
 * (withheld from every organisation but the lead). Never from the lead; a withdrawn consent
 * withholds nothing.
 */
export const withheldSections = (organizationId: string) => sql<string[]>`ARRAY(
  SELECT DISTINCT entry ->> 'section' FROM consents, jsonb_array_elements(consents.withheld) AS entry
  WHERE consents.case_id = cases.id AND consents.withdrawn_at IS NULL
    AND cases.lead_organization_id <> ${organizationId}::uuid
    AND (entry ->> 'fromOrganizationId' = ${organizationId} OR entry ->> 'fromOrganizationId' IS NULL))`

/** The select list of the facts, under the names CaseAccessFacts reads. */
export function accessFactSelections(organizationId: string) {
  return [
    liveParticipantIds.as('participant_organization_ids'),
    sql<string>`cases.lead_organization_id`.as('access_lead_organization_id'),
    participationSections(organizationId).as('participation_sections'),
    withheldSections(organizationId).as('withheld_sections'),
  ] as const
}

/** A selected row's facts, as the rule takes them. */
export function accessFactsOf(row: {
  id: string
  stage: string
  participant_organization_ids: string[]
  access_lead_organization_id?: unknown
  participation_sections?: unknown
  withheld_sections?: unknown
}): CaseAccessFacts {
  return {
    id: row.id,
    stage: row.stage,
    participantOrganizationIds: row.participant_organization_ids,
    lead_organization_id: String(row.access_lead_organization_id ?? ''),
    participation_sections: (row.participation_sections as string[] | null | undefined) ?? null,
    withheld_sections: (row.withheld_sections as string[] | undefined) ?? [],
  }
}

/**
 * Whether a section of each case is readable through participation and consents, as a condition a
 * list puts beside a filter or a rule on that section: a value behind a wall must not decide whether
 * a case is listed. A reader whose scope reaches every case (oversight) meets no such wall.
 */
export function sectionOpenSql(principal: Principal, scope: Scope, section: string): RawBuilder<boolean> {
  if (scope.kind === 'all') return sql<boolean>`true`
  const organizationId = principal.organizationId
  const covered =
    section === 'case'
      ? sql<boolean>`true`
      : sql<boolean>`EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = cases.id AND p.organization_id = ${organizationId}::uuid
          AND p.ended_at IS NULL AND (p.sections IS NULL OR ${section} = ANY (p.sections)))`
  return sql<boolean>`(${covered} AND (cases.lead_organization_id = ${organizationId}::uuid OR NOT EXISTS (
    SELECT 1 FROM consents, jsonb_array_elements(consents.withheld) AS entry
    WHERE consents.case_id = cases.id AND consents.withdrawn_at IS NULL AND entry ->> 'section' = ${section}
      AND (entry ->> 'fromOrganizationId' = ${organizationId} OR entry ->> 'fromOrganizationId' IS NULL))))`
}

/**
 * The fields of `candidates` (sorted, unique) that no wall keeps from the organisation on the case
 * whose facts a statement already selected (accessFactSelections) as columns of `facts`, in the same
 * order: what a read of it discloses, as its audit event names them. The walls are CaseAccess.wallOf
 * in SQL: no participation means no wall here, as in the rule (only a scope that reaches every case
 * lets such a case through), the case's own fields come with any participation, and consents never
 * withhold from the lead. The candidates travel as two arrays, so the statement's text is the same
 * for every reader.
 */
export function unwalledFieldsSql(facts: string, organizationId: string, candidates: readonly string[]): RawBuilder<string[]> {
  const column = (name: string) => sql.ref(`${facts}.${name}`)
  const participation = column('participation_sections')
  return sql<string[]>`ARRAY(
    SELECT candidate.field FROM unnest(${[...candidates]}::text[], ${candidates.map(sectionOf)}::text[])
      WITH ORDINALITY AS candidate (field, section, position)
    WHERE ${participation} IS NULL
      OR ((candidate.section = ${ALWAYS_COVERED} OR ${participation} && ARRAY[${ALL_SECTIONS}, candidate.section])
        AND (${column('access_lead_organization_id')} = ${organizationId}::uuid OR NOT candidate.section = ANY (${column('withheld_sections')})))
    ORDER BY candidate.position)`
}

import { type Insertable, type Kysely, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { CaseParticipantTable, Database } from '../db/schema.js'

function participationsOf(db: Kysely<Database>, caseId: string, options: { withCitation: boolean; withEndReason: boolean }) {
  return (
    db
      .selectFrom('case_participants')
      .innerJoin('organizations', 'organizations.id', 'case_participants.organization_id')
      .select([
        'case_participants.id',
        'case_participants.organization_id',
        'organizations.name as organization_name',
        'organizations.kind as organization_kind',
        'case_participants.basis',
        'case_participants.consent_id',
        'case_participants.legal_basis_code',
        'case_participants.sections',
        'case_participants.granted_by',
        'case_participants.since',
        'case_participants.ended_at',
        'case_participants.ended_by',
      ])
      // Free text is selected only for readers of its section (access/record-classes.ts).
      .$if(options.withCitation, (query) => query.select('case_participants.legal_basis_citation'))
      .$if(options.withEndReason, (query) => query.select('case_participants.end_reason'))
      .where('case_participants.case_id', '=', caseId)
  )
}

export type ParticipationRow = Awaited<ReturnType<ReturnType<typeof participationsOf>['executeTakeFirstOrThrow']>> & {
  legal_basis_citation?: string | null
  end_reason?: string | null
}

export async function findParticipation(
  db: Kysely<Database>,
  id: string,
  caseId: string,
  options: { withCitation: boolean; withEndReason: boolean },
) {
  return (await participationsOf(db, caseId, options).where('case_participants.id', '=', id).executeTakeFirst()) as
    | ParticipationRow
    | undefined
}

/** An organisation's participation in a case: the live one, or else its latest. */
export async function findParticipationOfOrganization(
  db: Kysely<Database>,
  caseId: string,
  organizationId: string,
  options: { withCitation: boolean; withEndReason: boolean },
) {
  return (await participationsOf(db, caseId, options)
    .where('case_participants.organization_id', '=', organizationId)
    .orderBy(sql`case_participants.ended_at IS NULL`, 'desc')
    .orderBy('case_participants.id', 'desc')
    .limit(1)
    .executeTakeFirst()) as ParticipationRow | undefined
}

/** The history of participation, oldest grant first; the cursor is the last participation listed. */
export async function listParticipationsOfCase(
  db: Kysely<Database>,
  caseId: string,
  options: { limit: number; after: string | undefined; withCitation: boolean; withEndReason: boolean },
) {
  let query = participationsOf(db, caseId, options).orderBy('case_participants.id').limit(options.limit)
  if (options.after) query = query.where('case_participants.id', '>', options.after)
  return (await query.execute()) as ParticipationRow[]
}

/**
 * Grants a participation unless the organisation already takes part; its id, or undefined. Ids are
 * time-ordered (v7), so the history lists grants in the order they were made.
 */
export async function insertParticipation(db: Kysely<Database>, row: Insertable<CaseParticipantTable>): Promise<string | undefined> {
  const inserted = await db
    .insertInto('case_participants')
    .values({ id: uuidv7(), ...row })
    .onConflict((oc) => oc.columns(['organization_id', 'case_id']).where('ended_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted?.id
}

import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

function participantsOf(db: Kysely<Database>, caseId: string) {
  return db
    .selectFrom('case_participants')
    .innerJoin('organizations', 'organizations.id', 'case_participants.organization_id')
    .select([
      'case_participants.organization_id',
      'organizations.name as organization_name',
      'organizations.kind as organization_kind',
      'case_participants.participation',
      'case_participants.consent_id',
      'case_participants.legal_basis',
      'case_participants.added_by',
      'case_participants.added_at',
    ])
    .where('case_participants.case_id', '=', caseId)
}

export type ParticipantRow = Awaited<ReturnType<typeof findParticipant>> & object

export function findParticipant(db: Kysely<Database>, caseId: string, organizationId: string) {
  return participantsOf(db, caseId).where('case_participants.organization_id', '=', organizationId).executeTakeFirst()
}

/** Ordered by organisation id, so the cursor is the last organisation listed. */
export function listParticipantsOfCase(db: Kysely<Database>, caseId: string, options: { limit: number; after: string | undefined }) {
  let query = participantsOf(db, caseId).orderBy('case_participants.organization_id').limit(options.limit)
  if (options.after) query = query.where('case_participants.organization_id', '>', options.after)
  return query.execute()
}

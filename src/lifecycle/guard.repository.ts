import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * What the stage guards look at, read whatever the caller may see: the guards answer with condition
 * codes only, so no value read here ever reaches the caller.
 */
export interface GuardFacts {
  readonly hasCurrentPlacement: boolean
  readonly procuraduriaNotified: boolean
  readonly guardianOrRepresentativeAppointed: boolean
  readonly legallyRepresented: boolean
  readonly completedAssessments: number
  readonly latestDecidedOutcome: string | null
  readonly asylumClaimStatus: string | null
}

export async function readGuardFacts(db: Kysely<Database>, caseId: string): Promise<GuardFacts> {
  const row = await db
    .selectFrom('cases')
    .select([
      sql<boolean>`cases.placement_type IS NOT NULL`.as('has_current_placement'),
      sql<boolean>`(cases.custody ->> 'procuraduriaNotifiedAt') IS NOT NULL`.as('procuraduria_notified'),
      sql<boolean>`(cases.legal -> 'guardian' ->> 'appointedAt') IS NOT NULL OR (cases.legal -> 'representation' ->> 'since') IS NOT NULL`.as(
        'guardian_appointed',
      ),
      sql<boolean>`(cases.legal -> 'representation' ->> 'attorneyName') IS NOT NULL AND (cases.legal -> 'representation' ->> 'organizationId') IS NOT NULL`.as(
        'legally_represented',
      ),
      sql<number>`(SELECT count(*) FROM assessments a WHERE a.case_id = cases.id AND a.status = 'completed')::integer`.as(
        'completed_assessments',
      ),
      sql<string | null>`cases.best_interests ->> 'outcome'`.as('latest_decided_outcome'),
      sql<string | null>`cases.legal_status ->> 'asylumClaimStatus'`.as('asylum_claim_status'),
    ])
    .where('cases.id', '=', caseId)
    .executeTakeFirstOrThrow()
  return {
    hasCurrentPlacement: row.has_current_placement,
    procuraduriaNotified: row.procuraduria_notified,
    guardianOrRepresentativeAppointed: row.guardian_appointed,
    legallyRepresented: row.legally_represented,
    completedAssessments: Number(row.completed_assessments),
    latestDecidedOutcome: row.latest_decided_outcome,
    asylumClaimStatus: row.asylum_claim_status,
  }
}

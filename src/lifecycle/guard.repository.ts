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

/**
 * The guard facts as columns of a statement on `cases`, so that a statement that reads the case
 * anyway (the audited read, GET /cases/{id}) carries them too instead of a second round trip.
 */
export const GUARD_FACT_COLUMNS = [
  sql<boolean>`cases.placement_type IS NOT NULL`.as('guard_has_current_placement'),
  sql<boolean>`(cases.custody ->> 'procuraduriaNotifiedAt') IS NOT NULL`.as('guard_procuraduria_notified'),
  sql<boolean>`(cases.legal -> 'guardian' ->> 'appointedAt') IS NOT NULL OR (cases.legal -> 'representation' ->> 'since') IS NOT NULL`.as(
    'guard_guardian_appointed',
  ),
  sql<boolean>`(cases.legal -> 'representation' ->> 'attorneyName') IS NOT NULL AND (cases.legal -> 'representation' ->> 'organizationId') IS NOT NULL`.as(
    'guard_legally_represented',
  ),
  sql<number>`(SELECT count(*) FROM assessments a WHERE a.case_id = cases.id AND a.status = 'completed')::integer`.as(
    'guard_completed_assessments',
  ),
  sql<string | null>`cases.best_interests ->> 'outcome'`.as('guard_latest_decided_outcome'),
  sql<string | null>`cases.legal_status ->> 'asylumClaimStatus'`.as('guard_asylum_claim_status'),
] as const

/** What a row that carries the facts holds beside the case: the aliases of GUARD_FACT_COLUMNS. */
const GUARD_FACT_ALIASES = GUARD_FACT_COLUMNS.map((column) => String(column.alias))

/**
 * Takes the guard facts out of a case row that carried GUARD_FACT_COLUMNS: they guide, and are
 * never part of the case, so the row is left without them.
 */
export function takeGuardFacts(row: Record<string, unknown>): GuardFacts {
  const facts = guardFactsOf(row)
  for (const alias of GUARD_FACT_ALIASES) delete row[alias]
  return facts
}

/** The guard facts from a row that carries GUARD_FACT_COLUMNS. */
function guardFactsOf(row: Readonly<Record<string, unknown>>): GuardFacts {
  return {
    hasCurrentPlacement: row.guard_has_current_placement === true,
    procuraduriaNotified: row.guard_procuraduria_notified === true,
    guardianOrRepresentativeAppointed: row.guard_guardian_appointed === true,
    legallyRepresented: row.guard_legally_represented === true,
    completedAssessments: Number(row.guard_completed_assessments),
    latestDecidedOutcome: (row.guard_latest_decided_outcome as string | null | undefined) ?? null,
    asylumClaimStatus: (row.guard_asylum_claim_status as string | null | undefined) ?? null,
  }
}

export async function readGuardFacts(db: Kysely<Database>, caseId: string): Promise<GuardFacts> {
  const row = await db.selectFrom('cases').select(GUARD_FACT_COLUMNS).where('cases.id', '=', caseId).executeTakeFirstOrThrow()
  return guardFactsOf(row)
}

import type pg from 'pg'
import { LARGE_PROTECTION_ORG, READER_NGO_ORG, type BenchUser, kindRange, userOf } from './population.js'

/** The people each scenario acts as. */
export const ACTORS = {
  /** ngo_caseworker of a shelter: reads and patches the cases its organisation takes part in. */
  caseworker: userOf('ngo_caseworker', READER_NGO_ORG),
  /** protection_officer of the federal Procuraduría, a participant in ~40% of all cases. */
  protectionOfficer: userOf('protection_officer', LARGE_PROTECTION_ORG),
  auditor: userOf('oversight_auditor', kindRange('oversight_body').from),
} satisfies Record<string, BenchUser>

/** Stages a list filters on, one per request in turn (all but `closed`). */
export const LIST_STAGES = [
  'custody',
  'guardianship',
  'legal_representation',
  'best_interest_determination',
  'durable_solution',
  'identification',
]

/** Random open cases the organisation takes part in. */
export async function caseIdsOf(client: pg.Client, organizationId: string, limit: number): Promise<string[]> {
  const result = await client.query<{ case_id: string }>(
    `SELECT p.case_id FROM case_participants p JOIN cases c ON c.id = p.case_id
     WHERE p.organization_id = $1 AND c.status = 'open' ORDER BY md5(p.case_id::text) LIMIT $2`,
    [organizationId, limit],
  )
  return result.rows.map((row) => row.case_id)
}

/** The body of the n-th PATCH: a new phone number each time, so every PATCH really changes the case. */
export function patchBody(n: number): string {
  return JSON.stringify({ contact: { phone: `+52 55 ${String(10_000_000 + n).slice(-8)}` } })
}

/** How the floor learns who is acting (it has no authentication). */
export function floorActorHeaders(user: BenchUser): Record<string, string> {
  return { 'x-bench-user': user.id, 'x-bench-org': user.organizationId, 'x-bench-role': user.role }
}

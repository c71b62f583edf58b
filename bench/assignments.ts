import type pg from 'pg'
import { tableExists } from './bench-database.js'

/**
 * A caseload per user: each user who opened cases is assigned (by its own organisation, the lead)
 * the CASELOAD open cases it opened most recently. The caseload does not grow with the database, as
 * a worker's does not grow with the country's: `GET /tasks?assignedTo=me` must cost the same at
 * 10,000 and at 1,000,000 cases, which the scale check measures.
 */
export const CASELOAD = 60

const INSERT_ASSIGNMENTS = `INSERT INTO case_assignments (case_id, organization_id, user_id, assigned_by, assigned_at)
SELECT id, lead_organization_id, created_by, created_by, opened_at + interval '1 hour'
FROM (
  SELECT c.id, c.lead_organization_id, c.created_by, c.opened_at,
    row_number() OVER (PARTITION BY c.created_by ORDER BY c.opened_at DESC, c.id) AS n
  FROM cases c
  WHERE c.status = 'open'
) ranked
WHERE n <= ${CASELOAD}
ON CONFLICT DO NOTHING`

/**
 * Adds the assignments where the table exists and is empty: a database generated before the
 * generator made assignments gets them when it is reused, without being generated again.
 */
export async function ensureAssignments(client: pg.Client): Promise<number> {
  if (!(await tableExists(client, 'case_assignments'))) return 0
  const { rows } = await client.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM case_assignments) AS found')
  if (rows[0]?.found) return 0
  const result = await client.query(INSERT_ASSIGNMENTS)
  await client.query('ANALYZE case_assignments')
  return result.rowCount ?? 0
}

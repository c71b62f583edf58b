// After a fault: is every acknowledged write in the database with its audit event, and is nothing
// that was not acknowledged half there? Checked straight in the database, not through the service.
import type { LoadResult } from './load.js'

/** The database the checks read: a database of the drill's cluster, or a copied embedded data folder. */
export type Query = (sql: string, values?: unknown[]) => Promise<{ rows: any[] }>

export interface Findings {
  /** acknowledged writes missing, or present without their audit event */
  readonly lost: number
  /** records present without their audit event, or audit events without their record */
  readonly halfDone: number
}

const acknowledged = (status: number) => status >= 200 && status < 300

export async function checkWrites(query: Query, load: LoadResult): Promise<Findings> {
  let lost = 0
  const creates = load.attempts.filter((attempt) => attempt.kind === 'create' && acknowledged(attempt.status))
  const found = await query(
    `SELECT c.id FROM unnest($1::uuid[], $2::text[]) AS given (id, marker)
       JOIN cases c ON c.id = given.id AND c.identity->>'givenName' = given.marker
      WHERE EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'case.create' AND e.outcome = 'allowed' AND c.id = ANY (e.case_ids))`,
    [creates.map((attempt) => attempt.id), creates.map((attempt) => attempt.marker)],
  )
  lost += creates.length - found.rows.length

  const notes = load.attempts.filter((attempt) => attempt.kind === 'note' && acknowledged(attempt.status))
  const foundNotes = await query(
    `SELECT n.id FROM unnest($1::uuid[], $2::text[]) AS given (id, marker) JOIN case_notes n ON n.id = given.id AND n.body = given.marker`,
    [notes.map((attempt) => attempt.id), notes.map((attempt) => attempt.marker)],
  )
  lost += notes.length - foundNotes.rows.length

  // A case's family name is its last acknowledged PATCH's marker, or a later attempt's whose answer
  // was lost on the way (committed, then the connection or the service died): never an older one.
  const patchesByCase = new Map<string, string[]>()
  for (const attempt of load.attempts.filter((attempt) => attempt.kind === 'patch')) {
    patchesByCase.set(attempt.caseId!, [
      ...(patchesByCase.get(attempt.caseId!) ?? []),
      acknowledged(attempt.status) ? `ack:${attempt.marker}` : attempt.marker,
    ])
  }
  const caseIds = [...patchesByCase.keys()]
  const names = await query(`SELECT id, identity->>'familyName' AS name FROM cases WHERE id = ANY ($1::uuid[])`, [caseIds])
  for (const row of names.rows as { id: string; name: string | null }[]) {
    const sequence = patchesByCase.get(row.id)!
    const lastAcknowledged = sequence.map((entry) => entry.startsWith('ack:')).lastIndexOf(true)
    if (lastAcknowledged < 0) continue
    const allowed = sequence.slice(lastAcknowledged).map((entry) => entry.replace(/^ack:/, ''))
    if (!allowed.includes(row.name ?? '')) lost++
  }

  // Half-done: every case, note and update has exactly its audit event, and no event lacks its record.
  const half = await query(
    `SELECT
       (SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'case.create' AND e.outcome = 'allowed' AND c.id = ANY (e.case_ids)))
     + (SELECT count(*) FROM cases c WHERE c.version - 1 <> (SELECT count(*) FROM audit_events e WHERE e.action = 'case.update' AND e.outcome = 'allowed' AND c.id = ANY (e.case_ids)))
     + (SELECT count(*) FROM cases c WHERE (SELECT count(*) FROM case_notes n WHERE n.case_id = c.id)
                                         <> (SELECT count(*) FROM audit_events e WHERE e.action = 'note.create' AND e.outcome = 'allowed' AND c.id = ANY (e.case_ids)))
       AS half_done`,
  )
  return { lost, halfDone: Number(half.rows[0].half_done) }
}

/** Waits until the sealer has sealed every committed event (the chain is complete), up to a limit. */
export async function waitSealed(query: Query, seconds = 20): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    const pending = await query('SELECT count(*) AS n FROM audit_pending').catch(() => undefined)
    if (pending && Number(pending.rows[0].n) === 0) return true
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return false
}

import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { TestDatabase } from '../helpers/database.js'

export interface AuditEventRecord {
  id: number
  request_id: string
  actor_id: string | null
  actor_role: string | null
  actor_organization_id: string | null
  action: string
  case_ids: string[]
  fields: string[]
  outcome: string
  reason: string | null
}

export async function auditEventsOf(database: TestDatabase, requestId: string): Promise<AuditEventRecord[]> {
  const { rows } =
    await sql<AuditEventRecord>`SELECT id, request_id, actor_id::text AS actor_id, actor_role, actor_organization_id::text AS actor_organization_id,
      action, case_ids::text[] AS case_ids, fields, outcome, reason
    FROM audit_events WHERE request_id = ${requestId} ORDER BY id`.execute(database.db)
  return rows
}

/** Waits for the sealer (every 100 ms in tests) to empty its queue. */
export async function waitUntilSealed(database: TestDatabase, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await sql<{ count: number | string }>`SELECT count(*) AS count FROM audit_pending`.execute(database.db)
    if (Number(rows[0]!.count) === 0) return
    if (Date.now() > deadline) throw new Error('the audit sealer did not catch up')
    await sleep(50)
  }
}

/** The `section.field` names a case response carries (top-level fields are `case.*`), sorted. */
export function caseFieldsIn(view: Record<string, unknown>): string[] {
  const fields: string[] = []
  for (const [key, value] of Object.entries(view)) {
    // The reader's own organisation's assignee and the reader's next steps are not case-file fields.
    if (key === 'assignedTo' || key === 'nextStages') continue
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const field of Object.keys(value)) fields.push(`${key}.${field}`)
    } else {
      fields.push(`case.${key}`)
    }
  }
  return fields.sort()
}

/** Runs a statement with the append-only triggers off, as a superuser tampering with the trail would. */
export async function asSuperuserWithoutTriggers(database: TestDatabase, statement: ReturnType<typeof sql>): Promise<void> {
  await database.db.connection().execute(async (connection) => {
    await sql`SET session_replication_role = replica`.execute(connection)
    try {
      await statement.execute(connection)
    } finally {
      await sql`SET session_replication_role = DEFAULT`.execute(connection)
    }
  })
}

import { sql } from 'kysely'
import t from 'tap'
import { AuditEventBatcher, MAX_AUDIT_BATCH } from '../../src/audit/audit-batcher.js'
import { type AuditEventInput, insertAuditEvents } from '../../src/audit/audit.repository.js'
import { createTestDatabase } from '../helpers/database.js'

const event = (requestId: string, overrides: Partial<AuditEventInput> = {}): AuditEventInput => ({
  requestId,
  actorId: null,
  actorRole: null,
  actorOrganizationId: null,
  action: 'case.list',
  caseIds: [],
  fields: ['case.stage', 'case.id', 'case.stage'],
  outcome: 'allowed',
  policyVersion: 'test',
  ...overrides,
})

t.test('the events of reads handed over together are written in one statement, each before its request goes on', async (t) => {
  const { db } = await createTestDatabase(t)
  const statements: number[] = []
  const batcher = new AuditEventBatcher(async (events) => {
    statements.push(events.length)
    await insertAuditEvents(db, events)
  })
  const ids = Array.from({ length: 10 }, (_, index) => `batch-${index}`)
  await Promise.all(ids.map((id) => batcher.write(event(id))))
  t.same(statements, [10], 'ten events, one statement')
  const { rows } = await sql<{ request_id: string; fields: string[] }>`SELECT request_id, fields FROM audit_events
    WHERE request_id LIKE 'batch-%' ORDER BY id`.execute(db)
  t.same(
    rows.map((row) => row.request_id),
    ids,
    'every event, in the order handed over',
  )
  t.same(rows[0]?.fields, ['case.id', 'case.stage'], 'fields sorted and unique, as a single insert keeps them')

  await batcher.write(event('alone'))
  t.same(statements, [10, 1], 'an event alone is written at once, by itself')

  statements.length = 0
  const many = Array.from({ length: MAX_AUDIT_BATCH + 1 }, (_, index) => batcher.write(event(`many-${index}`)))
  await Promise.all(many)
  t.same(statements, [MAX_AUDIT_BATCH, 1], 'a full batch goes at once; the rest follows')
})

t.test('an event the database refuses costs no other request its event', async (t) => {
  const { db } = await createTestDatabase(t)
  const batcher = new AuditEventBatcher((events) => insertAuditEvents(db, events))
  const results = await Promise.allSettled([
    batcher.write(event('good-1')),
    batcher.write(event('refused', { clientRequestId: 'not a plain token' })),
    batcher.write(event('good-2')),
  ])
  t.same(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  )
  const { rows } = await sql<{ request_id: string }>`SELECT request_id FROM audit_events
    WHERE request_id IN ('good-1', 'refused', 'good-2') ORDER BY request_id`.execute(db)
  t.same(
    rows.map((row) => row.request_id),
    ['good-1', 'good-2'],
    'the others are written, the refused one is not',
  )
})

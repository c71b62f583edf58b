import { sql } from 'kysely'
import t from 'tap'
import { v7 as uuidv7 } from 'uuid'
import * as clientRequestIdMigration from '../../migrations/2026-12-04-10-client-request-id.js'
import { sealAll } from '../../src/audit/audit-sealer.js'
import { verifyChain } from '../../src/audit/audit-verify.js'
import { build, createUser } from '../helpers/build.js'
import { createTestDatabase } from '../helpers/database.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { asSuperuserWithoutTriggers, waitUntilSealed } from './audit-helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('a caller’s plain-token X-Request-Id is kept in the audit trail beside the server’s id', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const outsider = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')
  const eventsOf = async (requestId: string) => {
    const { rows } = await sql<{
      action: string
      outcome: string
      request_id: string
      client_request_id: string | null
    }>`SELECT action, outcome, request_id, client_request_id FROM audit_events WHERE request_id = ${requestId} ORDER BY id`.execute(
      database.db,
    )
    return rows
  }
  const send = async (
    clientId: string | undefined,
    request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: object },
  ) => {
    const response = await app.inject({
      ...request,
      headers: { ...request.headers, ...(clientId === undefined ? {} : { 'x-request-id': clientId }) },
    })
    const serverId = response.headers['x-request-id'] as string
    t.match(serverId, UUID, 'the response carries the server’s own id, never the caller’s')
    return { response, serverId, events: await eventsOf(serverId) }
  }

  const created = await send('intake-2026.12:04_a-1', {
    method: 'POST',
    url: '/cases',
    headers: ngo.headers,
    payload: {
      riskLevel: 'high',
      demographics: { sex: 'female', nationality: 'GT', separationStatus: 'unaccompanied' },
      identity: { givenName: 'Ana', dateOfBirth: '2011-03-02' },
    },
  })
  t.equal(created.response.statusCode, 201)
  t.match(created.events, [{ action: 'case.create', outcome: 'allowed', client_request_id: 'intake-2026.12:04_a-1' }], 'a change')
  const caseId: string = created.response.json().id

  const read = await send('x'.repeat(64), { method: 'GET', url: `/cases/${caseId}`, headers: ngo.headers })
  t.equal(read.response.statusCode, 200)
  t.match(
    read.events,
    [{ action: 'case.read', client_request_id: 'x'.repeat(64) }],
    'an audited read (written beside its data), 64 characters',
  )

  const refused = await send('refused-1', { method: 'GET', url: `/cases/${caseId}`, headers: outsider.headers })
  t.equal(refused.response.statusCode, 404)
  t.match(refused.events, [{ action: 'case.read', outcome: 'denied', client_request_id: 'refused-1' }], 'a refusal')

  const badToken = await send('bad-token-1', { method: 'GET', url: '/cases', headers: bearer(signToken('nobody-at-all')) })
  t.equal(badToken.response.statusCode, 401)
  t.match(badToken.events, [{ action: 'auth.failed', client_request_id: 'bad-token-1' }], 'a refused token')

  const without = await send(undefined, { method: 'GET', url: `/cases/${caseId}`, headers: ngo.headers })
  t.match(without.events, [{ action: 'case.read', client_request_id: null }], 'none given: null')

  for (const invalid of ['x'.repeat(65), 'has spaces', 'semi;colon', '<script>', 'ñandú', "quote'd", '']) {
    const { events, response } = await send(invalid, { method: 'GET', url: `/cases/${caseId}`, headers: ngo.headers })
    t.equal(response.statusCode, 200)
    t.match(events, [{ action: 'case.read', client_request_id: null }], `not kept: ${JSON.stringify(invalid.slice(0, 20))}`)
    t.notOk(response.body.includes(invalid || 'never'), 'nor echoed')
  }

  await t.test('the database refuses a client request id of any other form', async (t) => {
    for (const invalid of ['x'.repeat(65), 'has spaces', '']) {
      await t.rejects(
        database.db.insertInto('audit_events').values(anonymousRead(invalid)).execute(),
        /audit_events_client_request_id_check/,
      )
    }
  })

  await t.test('GET /audit-events shows it as clientRequestId, the seal covers it, and a change to it breaks the chain', async (t) => {
    const list = await app.inject({ method: 'GET', url: `/audit-events?caseId=${caseId}&limit=100`, headers: auditor.headers })
    t.equal(list.statusCode, 200)
    const items: { requestId: string; clientRequestId: string | null }[] = list.json().items
    t.match(
      items.find((item) => item.requestId === created.serverId),
      { requestId: created.serverId, clientRequestId: 'intake-2026.12:04_a-1' },
    )
    t.match(
      items.find((item) => item.requestId === without.serverId),
      { clientRequestId: null },
    )

    await waitUntilSealed(database)
    const { rows } = await sql<{
      seq: number | string
      form: number
    }>`SELECT c.seq, c.form FROM audit_chain c JOIN audit_events e ON e.id = c.event_id
      WHERE e.request_id = ${created.serverId}`.execute(database.db)
    t.equal(rows[0]!.form, 4, 'sealed as a link of form 4')
    const verify = await app.inject({ method: 'GET', url: '/audit-events/verify', headers: auditor.headers })
    t.match(verify.json(), { intact: true })
    await asSuperuserWithoutTriggers(
      database,
      sql`UPDATE audit_events SET client_request_id = 'someone-else' WHERE request_id = ${created.serverId}`,
    )
    const broken = await app.inject({ method: 'GET', url: '/audit-events/verify', headers: auditor.headers })
    t.same(broken.json(), { intact: false, brokenAt: Number(rows[0]!.seq), reason: 'hash-mismatch' })
  })
})

t.test('the migration cannot be undone once links of form 4 exist; before that it can, and again', async (t) => {
  const database = await createTestDatabase(t)
  await clientRequestIdMigration.down(database.db)
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns
    WHERE table_name = 'audit_events' AND column_name = 'client_request_id'`.execute(database.db)
  t.equal(rows[0]!.n, 0, 'undone: no column')
  await clientRequestIdMigration.up(database.db)
  await database.db.insertInto('audit_events').values(anonymousRead('c-1')).execute()
  t.equal(await sealAll(database.db), 1)
  await t.rejects(clientRequestIdMigration.down(database.db), /links of form 4/)
  t.match(await verifyChain(database.db), { intact: true, verifiedThrough: 1 }, 'and the chain still verifies')
})

/** An allowed read by nobody in particular, carrying the given client request id. */
function anonymousRead(clientRequestId: string) {
  return {
    request_id: uuidv7(),
    client_request_id: clientRequestId,
    action: 'case.read',
    outcome: 'allowed',
    policy_version: 'v',
    actor_id: null,
    actor_role: null,
    actor_organization_id: null,
    reason: null,
  } as const
}

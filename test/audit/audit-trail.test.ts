import { sql } from 'kysely'
import t from 'tap'
import { build, createUser, type TestUser } from '../helpers/build.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { asSuperuserWithoutTriggers, auditEventsOf, caseFieldsIn, waitUntilSealed } from './audit-helpers.js'

t.test('the audit trail over the live API', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')
  const created = await app.inject({
    method: 'POST',
    url: '/cases',
    headers: ngo.headers,
    payload: {
      riskLevel: 'high',
      demographics: { sex: 'female', nationality: 'GT', separationStatus: 'unaccompanied' },
      identity: { givenName: 'Ana', dateOfBirth: '2011-03-02' },
      health: { urgentMedicalNeed: false },
    },
  })
  t.equal(created.statusCode, 201)
  const caseId: string = created.json().id
  const migration = await createUser(database, 'migration_officer')
  // The migration authority participates, so it reads the case through its own (narrower) grants.
  await database.db
    .insertInto('case_participants')
    .values({
      organization_id: migration.organizationId,
      case_id: caseId,
      basis: 'legal_basis',
      legal_basis_code: 'protection_measure',
      granted_by: ngo.id,
    })
    .execute()

  await t.test('one event per read, with exactly the fields each role was shown', async (t) => {
    const disclosed: Record<string, string[]> = {}
    for (const [name, user] of [
      ['ngo', ngo],
      ['migration', migration],
      ['auditor', auditor],
    ] as const) {
      const read = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: user.headers })
      const requestId = read.headers['x-request-id'] as string
      t.equal(read.statusCode, 200)
      const events = await auditEventsOf(database, requestId)
      t.equal(events.length, 1, `${name}: one event`)
      const event = events[0]!
      t.match(event, {
        action: 'case.read',
        outcome: 'allowed',
        actor_id: user.id,
        actor_role: user.role,
        actor_organization_id: user.organizationId,
      })
      t.same(event.case_ids, [caseId])
      t.same(event.fields, caseFieldsIn(read.json()), `${name}: the fields recorded are exactly the fields in the response`)
      disclosed[name] = event.fields
    }
    t.ok(disclosed.ngo!.includes('identity.givenName'), 'the caseworker saw the name')
    t.notOk(disclosed.migration!.includes('health.urgentMedicalNeed'), 'the migration officer was not shown health')
    t.notOk(
      disclosed.auditor!.some((field) => field.startsWith('identity.')),
      'the auditor saw no identity',
    )
    t.not(disclosed.ngo!.join(), disclosed.migration!.join())
  })

  await t.test('a refused attempt is recorded as denied, naming the case only when it exists', async (t) => {
    const outsider = await createUser(database, 'ngo_caseworker')
    const res = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: outsider.headers })
    const requestId = res.headers['x-request-id'] as string
    t.equal(res.statusCode, 404)
    const [event] = await auditEventsOf(database, requestId)
    t.match(event, { outcome: 'denied', reason: 'out-of-scope', actor_id: outsider.id })
    t.same(event!.case_ids, [caseId])
  })

  await t.test('the audit rows cannot be changed, removed or truncated', async (t) => {
    await waitUntilSealed(database)
    for (const statement of [
      `UPDATE audit_events SET action = 'case.list'`,
      `DELETE FROM audit_events`,
      `TRUNCATE audit_events CASCADE`,
      `UPDATE audit_chain SET hash = 'x'`,
      `DELETE FROM audit_chain`,
      `TRUNCATE audit_chain CASCADE`,
    ]) {
      await t.rejects(sql.raw(statement).execute(database.db), /append-only/, statement)
    }
    // Without CASCADE the chain's foreign key refuses first; either way nothing is removed.
    await t.rejects(sql.raw('TRUNCATE audit_events').execute(database.db), 'TRUNCATE audit_events')
    const { rows } = await sql<{ count: number | string }>`SELECT count(*) AS count FROM audit_events`.execute(database.db)
    t.ok(Number(rows[0]!.count) > 0, 'the rows are still there')
  })

  await t.test('many concurrent requests give a gapless chain that verifies', async (t) => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: (index % 2 ? ngo : migration).headers }),
      ),
    )
    t.ok(responses.every((response) => response.statusCode === 200))
    await waitUntilSealed(database)
    const { rows } = await sql<{
      events: number | string
      links: number | string
      min: number | string
      max: number | string
      distinct: number | string
    }>`
      SELECT (SELECT count(*) FROM audit_events) AS events, count(*) AS links, min(seq) AS min, max(seq) AS max, count(DISTINCT event_id) AS distinct
      FROM audit_chain`.execute(database.db)
    const stats = rows[0]!
    t.equal(Number(stats.links), Number(stats.events), 'every event is sealed')
    t.equal(Number(stats.min), 1)
    t.equal(Number(stats.max), Number(stats.links), 'no gap in the sequence')
    t.equal(Number(stats.distinct), Number(stats.links), 'no event sealed twice')
    const verify = await app.inject({ method: 'GET', url: '/audit-events/verify', headers: auditor.headers })
    t.equal(verify.statusCode, 200, verify.body)
    t.match(verify.json(), { intact: true, verifiedThrough: Number(stats.max) })
    const checkpoint = await app.inject({ method: 'GET', url: '/audit-events/checkpoint', headers: auditor.headers })
    t.equal(checkpoint.statusCode, 200)
    t.equal(checkpoint.json().seq, Number(stats.max))
    t.equal(checkpoint.json().hash, verify.json().headHash)
    t.ok(Date.parse(checkpoint.json().sealedAt))
    const withCheckpoint = await app.inject({
      method: 'GET',
      url: `/audit-events/verify?checkpointSeq=${checkpoint.json().seq}&checkpointHash=${checkpoint.json().hash}`,
      headers: auditor.headers,
    })
    t.match(withCheckpoint.json(), { intact: true })
    const wrongCheckpoint = await app.inject({
      method: 'GET',
      url: `/audit-events/verify?checkpointSeq=${checkpoint.json().seq}&checkpointHash=${'a'.repeat(64)}`,
      headers: auditor.headers,
    })
    t.same(wrongCheckpoint.json(), { intact: false, brokenAt: checkpoint.json().seq, reason: 'checkpoint-mismatch' })
  })

  await t.test('only the auditor reads the trail, and every read of it is audited', async (t) => {
    for (const url of ['/audit-events', `/cases/${caseId}/access-log`, '/audit-events/verify', '/audit-events/checkpoint']) {
      for (const user of [ngo, migration]) {
        const res = await app.inject({ method: 'GET', url, headers: user.headers })
        const requestId = res.headers['x-request-id'] as string
        t.equal(res.statusCode, 403, `${user.role} ${url}`)
        const [event] = await auditEventsOf(database, requestId)
        t.match(event, { outcome: 'denied', reason: 'forbidden' }, `${user.role} ${url} is recorded`)
      }
      const res = await app.inject({ method: 'GET', url, headers: auditor.headers })
      const requestId = res.headers['x-request-id'] as string
      t.equal(res.statusCode, 200, `auditor ${url}`)
      const events = await auditEventsOf(database, requestId)
      t.equal(events.length, 1, `the auditor's ${url} is recorded`)
      t.match(events[0], { outcome: 'allowed', actor_id: auditor.id, action: /^audit\./ })
    }
  })

  await t.test('the access log and the filters find who saw the child’s file', async (t) => {
    await waitUntilSealed(database)
    const log = await app.inject({ method: 'GET', url: `/cases/${caseId}/access-log?limit=500`, headers: auditor.headers })
    t.equal(log.statusCode, 200, log.body)
    const items = log.json().items as { caseIds: string[]; actorId: string | null; seq: number | null; fields: string[] }[]
    t.ok(items.length > 200)
    t.ok(items.every((item) => item.caseIds.includes(caseId)))
    t.ok(items.some((item) => item.actorId === migration.id))
    t.ok(
      items.every((item) => item.fields.every((field) => /^[A-Za-z]+\.[A-Za-z]+$/.test(field))),
      'names only',
    )

    const byActor = await app.inject({
      method: 'GET',
      url: `/audit-events?actorId=${migration.id}&action=case.read&limit=5`,
      headers: auditor.headers,
    })
    const page1 = byActor.json()
    t.equal(page1.items.length, 5)
    t.ok(page1.items.every((item: { actorId: string; action: string }) => item.actorId === migration.id && item.action === 'case.read'))
    const next = await app.inject({
      method: 'GET',
      url: `/audit-events?actorId=${migration.id}&action=case.read&limit=5&cursor=${page1.nextCursor}`,
      headers: auditor.headers,
    })
    const page2 = next.json()
    t.ok(page2.items[0].id < page1.items[4].id, 'the next page continues below the cursor')

    const byOrganization = await app.inject({
      method: 'GET',
      url: `/audit-events?organizationId=${ngo.organizationId}&outcome=allowed&limit=500`,
      headers: auditor.headers,
    })
    t.ok(byOrganization.json().items.every((item: { actorOrganizationId: string }) => item.actorOrganizationId === ngo.organizationId))
    t.ok(byOrganization.json().items.length > 0)

    const future = new Date(Date.now() + 3_600_000).toISOString()
    const none = await app.inject({ method: 'GET', url: `/audit-events?from=${encodeURIComponent(future)}`, headers: auditor.headers })
    t.same(none.json(), { items: [], nextCursor: null })

    const unknown = await app.inject({ method: 'GET', url: `/audit-events?color=red`, headers: auditor.headers })
    t.equal(unknown.statusCode, 400)
    const missingCase = await app.inject({
      method: 'GET',
      url: `/cases/0190a0a0-0000-7000-8000-00000000dead/access-log`,
      headers: auditor.headers,
    })
    t.equal(missingCase.statusCode, 404)
  })

  await t.test('refused tokens are counted in the trail, without the token or an actor', async (t) => {
    const token = signToken('nobody-at-all')
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['malformed', { authorization: 'Bearer not-a-token' }],
      ['unknown', bearer(token)],
    ]
    for (const [label, headers] of cases) {
      const res = await app.inject({ method: 'GET', url: '/cases', headers: headers })
      const requestId = res.headers['x-request-id'] as string
      t.equal(res.statusCode, 401, label)
      const events = await auditEventsOf(database, requestId)
      t.equal(events.length, 1, `${label}: one event`)
      t.match(events[0], {
        action: 'auth.failed',
        outcome: 'denied',
        actor_id: null,
        actor_role: null,
        actor_organization_id: null,
        reason: /\S/,
      })
    }
    const { rows } = await sql<{ row: string }>`SELECT to_jsonb(e)::text AS row FROM audit_events e`.execute(database.db)
    t.notOk(
      rows.some((row) => row.row.includes(token) || row.row.includes(token.split('.')[1]!)),
      'no token in the trail',
    )
  })
})

t.test('a row changed behind the database’s back is found by verify at its sequence', async (t) => {
  const { app, database } = await build(t)
  const auditor = await createUser(database, 'oversight_auditor')
  for (let index = 0; index < 12; index += 1) {
    const res = await app.inject({ method: 'GET', url: '/audit-events/checkpoint', headers: auditor.headers })
    t.equal(res.statusCode, 200)
  }
  await waitUntilSealed(database)
  const intact = await app.inject({ method: 'GET', url: '/audit-events/verify', headers: auditor.headers })
  t.match(intact.json(), { intact: true, verifiedThrough: 12 })

  const { rows } = await sql<{ event_id: number | string }>`SELECT event_id FROM audit_chain WHERE seq = 7`.execute(database.db)
  await asSuperuserWithoutTriggers(
    database,
    sql`UPDATE audit_events SET actor_role = 'system_admin' WHERE id = ${Number(rows[0]!.event_id)}`,
  )
  const broken = await app.inject({ method: 'GET', url: '/audit-events/verify', headers: auditor.headers })
  t.same(broken.json(), { intact: false, brokenAt: 7, reason: 'hash-mismatch' })

  await asSuperuserWithoutTriggers(database, sql`DELETE FROM audit_chain WHERE seq = 4`)
  const gap = await app.inject({ method: 'GET', url: '/audit-events/verify', headers: auditor.headers })
  t.same(gap.json(), { intact: false, brokenAt: 4, reason: 'missing-link' })
})

t.test('if the audit event cannot be written, the caller gets a 503 and no data', async (t) => {
  const { app, database } = await build(t)
  const ngo: TestUser = await createUser(database, 'ngo_caseworker')
  const created = await app.inject({
    method: 'POST',
    url: '/cases',
    headers: ngo.headers,
    payload: { riskLevel: 'low', identity: { givenName: 'Zoraida' } },
  })
  t.equal(created.statusCode, 201)
  await sql
    .raw(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store down'; END $$`)
    .execute(database.db)
  await sql
    .raw(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()`)
    .execute(database.db)
  const read = await app.inject({ method: 'GET', url: `/cases/${created.json().id}`, headers: ngo.headers })
  t.equal(read.statusCode, 503)
  t.notMatch(read.body, /Zoraida/)
  t.notMatch(read.body, /audit store down/)
  // The list renders its page before it waits for its event (listCases): the page must not leave.
  const list = await app.inject({ method: 'GET', url: '/cases?q=Zoraida', headers: ngo.headers })
  t.equal(list.statusCode, 503)
  t.notMatch(list.body, /Zoraida|items/)
  const patch = await app.inject({
    method: 'PATCH',
    url: `/cases/${created.json().id}`,
    headers: { ...ngo.headers, 'if-match': created.headers.etag as string },
    payload: { identity: { givenName: 'Yolanda' } },
  })
  t.equal(patch.statusCode, 503)
  await sql.raw(`DROP TRIGGER refuse_audit ON audit_events`).execute(database.db)
  const after = await app.inject({ method: 'GET', url: `/cases/${created.json().id}`, headers: ngo.headers })
  t.equal(after.json().identity.givenName, 'Zoraida', 'the refused change was rolled back with its missing audit event')
  const listAfter = await app.inject({ method: 'GET', url: '/cases?q=Zoraida', headers: ngo.headers })
  t.equal(listAfter.json().items[0]?.identity.givenName, 'Zoraida', 'the same list answers once its event can be written')
})

/** What only a superuser can do: change audit rows with the triggers switched off (in this test's own database). */

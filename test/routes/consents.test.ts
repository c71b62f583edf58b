import t from 'tap'
import { build, createCast, createOrganization, type TestUser } from '../helpers/build.js'

t.test('consents of a case', async (t) => {
  const { app, database } = await build(t)
  const { ngo, attorney, migration, auditor, admin, outsider } = await createCast(database)
  const legalAid = attorney.organizationId
  const migrationAuthority = migration.organizationId

  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'medium' } })
  t.equal(created.statusCode, 201, created.body)
  const caseId = created.json().id as string
  const url = `/cases/${caseId}/consents`
  const post = (user: TestUser, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { ...user.headers, ...headers }, payload })
  const get = (user: TestUser, path = url) => app.inject({ method: 'GET', url: path, headers: user.headers })
  const withdraw = (user: TestUser, consentId: string, ifMatch: string | undefined, payload: Record<string, unknown>) =>
    app.inject({
      method: 'PATCH',
      url: `${url}/${consentId}`,
      headers: { ...user.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      payload,
    })

  const givenAt = '2026-11-20T10:00:00.000Z'
  const first = await post(ngo, {
    givenBy: 'child_and_guardian',
    scopes: ['share_with_organizations', 'tracing'],
    withheld: [{ section: 'health', fromOrganizationId: migrationAuthority }, { section: 'protection' }],
    givenAt,
    notes: 'Explained in K’iche’ with an interpreter',
  })
  t.equal(first.statusCode, 201, first.body)
  const consent = first.json()
  for (const organizationId of [legalAid, migrationAuthority]) {
    const shared = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/participants`,
      headers: ngo.headers,
      payload: { organizationId, consentId: consent.id },
    })
    t.equal(shared.statusCode, 201, shared.body)
  }

  await t.test('a recorded consent answers as written, with an ETag and a location', async (t) => {
    t.equal(first.headers.etag, '"1"')
    t.equal(first.headers.location, `${url}/${consent.id}`)
    t.match(consent, {
      caseId,
      givenBy: 'child_and_guardian',
      scopes: ['share_with_organizations', 'tracing'],
      withheld: [{ section: 'health', fromOrganizationId: migrationAuthority }, { section: 'protection' }],
      givenAt,
      withdrawnAt: null,
      recordedBy: ngo.id,
      version: 1,
    })
    const one = await get(ngo, `${url}/${consent.id}`)
    t.equal(one.statusCode, 200)
    t.equal(one.headers.etag, '"1"')
    t.same(one.json(), consent)
  })

  await t.test(
    'readers by the matrix: migration officer and attorney read, auditor may not, admin and outsiders do not reach the case',
    async (t) => {
      for (const user of [ngo, attorney, migration]) {
        const response = await get(user)
        t.equal(response.statusCode, 200, user.role)
        t.equal(response.json().items[0].id, consent.id)
      }
      t.equal((await get(auditor)).statusCode, 403)
      t.equal((await get(admin)).statusCode, 404)
      t.equal((await get(outsider)).statusCode, 404)
      t.equal((await get(outsider, `${url}/${consent.id}`)).statusCode, 404)
    },
  )

  await t.test('only roles that may create consents record them; a refusal names the field and writes nothing', async (t) => {
    for (const user of [attorney, migration]) {
      const response = await post(user, { givenBy: 'child_assent', scopes: ['services'] })
      t.equal(response.statusCode, 403, user.role)
      t.same(response.json().deniedFields, ['consent.consents'])
    }
    t.equal((await post(outsider, { givenBy: 'child_assent', scopes: ['services'] })).statusCode, 404)
    t.equal((await get(ngo)).json().items.length, 1)
  })

  await t.test('bad input is refused', async (t) => {
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: ['services'], extra: true })).statusCode, 400)
    t.equal((await post(ngo, { givenBy: 'neighbour', scopes: ['services'] })).statusCode, 400)
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: [] })).statusCode, 400)
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: ['services', 'services'] })).statusCode, 400)
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: ['everything'] })).statusCode, 400)
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: ['services'], withheld: [{ section: 'secrets' }] })).statusCode, 400)
    const future = await post(ngo, { givenBy: 'child_assent', scopes: ['services'], givenAt: '2999-01-01T00:00:00Z' })
    t.equal(future.statusCode, 422)
    const nobody = await post(ngo, {
      givenBy: 'child_assent',
      scopes: ['services'],
      withheld: [{ section: 'health', fromOrganizationId: '0190a0b0-0000-7000-8000-000000000000' }],
    })
    t.equal(nobody.statusCode, 422)
    t.equal(nobody.json().reason, 'unknown_organization')
  })

  await t.test('an Idempotency-Key replays the first consent; with another body it is 422', async (t) => {
    const body = { givenBy: 'guardian_consent', scopes: ['medical'] }
    const key = { 'idempotency-key': 'consent-key-0001' }
    const once = await post(ngo, body, key)
    const again = await post(ngo, body, key)
    t.equal(once.statusCode, 201)
    t.equal(again.statusCode, 201)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.equal(again.json().id, once.json().id)
    t.equal((await post(ngo, { ...body, scopes: ['services'] }, key)).statusCode, 422)
  })

  await t.test('withdrawal needs If-Match, refuses a stale one, and is final', async (t) => {
    t.equal((await withdraw(ngo, consent.id, undefined, { withdrawnAt: '2026-11-22T09:00:00Z' })).statusCode, 428)
    t.equal((await withdraw(ngo, consent.id, '"7"', { withdrawnAt: '2026-11-22T09:00:00Z' })).statusCode, 412)
    t.equal((await withdraw(ngo, consent.id, '"1"', { withdrawnAt: '2026-11-19T09:00:00Z' })).statusCode, 422, 'before it was given')
    t.equal((await withdraw(ngo, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z', scopes: ['services'] })).statusCode, 400)
    t.equal((await withdraw(attorney, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z' })).statusCode, 403)
    t.equal((await withdraw(outsider, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z' })).statusCode, 404)
    const done = await withdraw(ngo, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z' })
    t.equal(done.statusCode, 200, done.body)
    t.equal(done.headers.etag, '"2"')
    t.match(done.json(), { withdrawnAt: '2026-11-22T09:00:00.000Z', version: 2, scopes: ['share_with_organizations', 'tracing'] })
    const twice = await withdraw(ngo, consent.id, '"2"', { withdrawnAt: '2026-11-23T09:00:00Z' })
    t.equal(twice.statusCode, 409)
    t.equal(twice.json().reason, 'consent_already_withdrawn')
    const other = await createOrganization(database, 'civil_society')
    const share = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/participants`,
      headers: ngo.headers,
      payload: { organizationId: other, consentId: consent.id },
    })
    t.equal(share.statusCode, 422)
    t.equal(share.json().reason, 'consent_withdrawn')
  })

  await t.test('of concurrent withdrawals with the same If-Match exactly one wins', async (t) => {
    const fresh = (await post(ngo, { givenBy: 'child_assent', scopes: ['services'] })).json()
    const responses = await Promise.all([1, 2, 3].map(() => withdraw(ngo, fresh.id, '"1"', { withdrawnAt: new Date().toISOString() })))
    t.same(responses.map((response) => response.statusCode).sort(), [200, 412, 412])
  })

  await t.test('consents appear in the history as consent.consents, to those who may read them', async (t) => {
    const history = await get(ngo, `/cases/${caseId}/history?limit=100`)
    t.equal(history.statusCode, 200)
    const entries = (history.json().items as { field: string; newValue: { id: string } }[]).filter(
      (entry) => entry.field === 'consent.consents',
    )
    t.ok(entries.length >= 2)
    t.ok(entries.some((entry) => entry.newValue.id === consent.id && 'withdrawnAt' in entry.newValue))
    const auditorHistory = await get(auditor, `/cases/${caseId}/history?limit=100`)
    t.equal(auditorHistory.statusCode, 200)
    t.notOk(auditorHistory.body.includes('consent.consents'))
    t.notOk(auditorHistory.body.includes('K’iche’'))
  })

  await t.test('the list pages by cursor, oldest first', async (t) => {
    const all = (await get(ngo, `${url}?limit=100`)).json().items.map((item: { id: string }) => item.id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await get(ngo, `${url}?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
    } while (cursor)
    t.same(seen, all)
    t.equal(all[0], consent.id)
  })
})

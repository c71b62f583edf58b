import t from 'tap'
import type { components, operations } from '../helpers/api-types.js'
import { build, createCast, createOrganization, type TestUser } from '../helpers/build.js'

t.test('consents of a case', async (t) => {
  const { app, api, database } = await build(t)
  const { ngo, attorney, migration, auditor, admin, outsider } = await createCast(database)
  const legalAid = attorney.organizationId
  const migrationAuthority = migration.organizationId

  const created = await api(ngo).POST('/cases', { body: { riskLevel: 'medium' } })
  t.equal(created.response.status, 201, JSON.stringify(created.error))
  const caseId = created.data?.id ?? ''
  const url = `/cases/${caseId}/consents`
  type NewConsent = components['schemas']['NewConsent']
  type Withdrawal = operations['updateCaseConsent']['requestBody']['content']['application/json']
  const post = (user: TestUser, body: NewConsent, header: { 'idempotency-key'?: string } = {}) =>
    api(user).POST('/cases/{id}/consents', { params: { path: { id: caseId }, header }, body })
  const list = (user: TestUser, query: { limit?: number; cursor?: string } = {}) =>
    api(user).GET('/cases/{id}/consents', { params: { path: { id: caseId }, query } })
  const getOne = (user: TestUser, consentId: string) =>
    api(user).GET('/cases/{id}/consents/{consentId}', { params: { path: { id: caseId, consentId } } })
  const withdraw = (user: TestUser, consentId: string, ifMatch: string, body: Withdrawal) =>
    api(user).PATCH('/cases/{id}/consents/{consentId}', {
      params: { path: { id: caseId, consentId }, header: { 'if-match': ifMatch } },
      body,
    })
  // Raw calls for what the document forbids (unknown fields, values outside its enums, no If-Match).
  const rawPost = (user: TestUser, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: user.headers, payload })
  const rawWithdraw = (user: TestUser, consentId: string, headers: Record<string, string>, payload: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: `${url}/${consentId}`, headers: { ...user.headers, ...headers }, payload })
  const share = (organizationId: string, consentId: string) =>
    api(ngo).POST('/cases/{id}/participants', { params: { path: { id: caseId } }, body: { organizationId, consentId } })

  const givenAt = '2026-11-20T10:00:00.000Z'
  const first = await post(ngo, {
    givenBy: 'child_and_guardian',
    scopes: ['share_with_organizations', 'tracing'],
    withheld: [{ section: 'health', fromOrganizationId: migrationAuthority }, { section: 'protection' }],
    givenAt,
    notes: 'Explained in K’iche’ with an interpreter',
  })
  t.equal(first.response.status, 201, JSON.stringify(first.error))
  const consent = first.data!
  for (const organizationId of [legalAid, migrationAuthority]) {
    const shared = await share(organizationId, consent.id)
    t.equal(shared.response.status, 201, JSON.stringify(shared.error))
  }

  await t.test('a recorded consent answers as written, with an ETag and a location', async (t) => {
    t.equal(first.response.headers.get('etag'), '"1"')
    t.equal(first.response.headers.get('location'), `${url}/${consent.id}`)
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
    const one = await getOne(ngo, consent.id)
    t.equal(one.response.status, 200)
    t.equal(one.response.headers.get('etag'), '"1"')
    t.same(one.data, consent)
  })

  await t.test(
    'readers by the matrix: migration officer and attorney read, auditor may not, admin and outsiders do not reach the case',
    async (t) => {
      for (const user of [ngo, attorney, migration]) {
        const response = await list(user)
        t.equal(response.response.status, 200, user.role)
        t.equal(response.data?.items[0]?.id, consent.id)
      }
      t.equal((await list(auditor)).response.status, 403)
      t.equal((await list(admin)).response.status, 404)
      t.equal((await list(outsider)).response.status, 404)
      t.equal((await getOne(outsider, consent.id)).response.status, 404)
    },
  )

  await t.test('only roles that may create consents record them; a refusal names the field and writes nothing', async (t) => {
    for (const user of [attorney, migration]) {
      const response = await post(user, { givenBy: 'child_assent', scopes: ['services'] })
      t.equal(response.response.status, 403, user.role)
      t.same(response.error?.deniedFields, ['consent.consents'])
    }
    t.equal((await post(outsider, { givenBy: 'child_assent', scopes: ['services'] })).response.status, 404)
    t.equal((await list(ngo)).data?.items.length, 1)
  })

  await t.test('bad input is refused', async (t) => {
    // An unknown field and values outside the enums cannot be typed: sent raw.
    t.equal((await rawPost(ngo, { givenBy: 'child_assent', scopes: ['services'], extra: true })).statusCode, 400)
    t.equal((await rawPost(ngo, { givenBy: 'neighbour', scopes: ['services'] })).statusCode, 400)
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: [] })).response.status, 400)
    t.equal((await post(ngo, { givenBy: 'child_assent', scopes: ['services', 'services'] })).response.status, 400)
    t.equal((await rawPost(ngo, { givenBy: 'child_assent', scopes: ['everything'] })).statusCode, 400)
    t.equal((await rawPost(ngo, { givenBy: 'child_assent', scopes: ['services'], withheld: [{ section: 'secrets' }] })).statusCode, 400)
    const future = await post(ngo, { givenBy: 'child_assent', scopes: ['services'], givenAt: '2999-01-01T00:00:00Z' })
    t.equal(future.response.status, 422)
    const nobody = await post(ngo, {
      givenBy: 'child_assent',
      scopes: ['services'],
      withheld: [{ section: 'health', fromOrganizationId: '0190a0b0-0000-7000-8000-000000000000' }],
    })
    t.equal(nobody.response.status, 422)
    t.equal(nobody.error?.reason, 'unknown_organization')
  })

  await t.test('an Idempotency-Key replays the first consent; with another body it is 422', async (t) => {
    const body: NewConsent = { givenBy: 'guardian_consent', scopes: ['medical'] }
    const key = { 'idempotency-key': 'consent-key-0001' }
    const once = await post(ngo, body, key)
    const again = await post(ngo, body, key)
    t.equal(once.response.status, 201)
    t.equal(again.response.status, 201)
    t.equal(again.response.headers.get('idempotent-replayed'), 'true')
    t.equal(again.data?.id, once.data?.id)
    t.equal((await post(ngo, { ...body, scopes: ['services'] }, key)).response.status, 422)
  })

  await t.test('withdrawal needs If-Match, refuses a stale one, and is final', async (t) => {
    // The document requires If-Match and admits only withdrawnAt: those two are sent raw.
    t.equal((await rawWithdraw(ngo, consent.id, {}, { withdrawnAt: '2026-11-22T09:00:00Z' })).statusCode, 428)
    t.equal((await withdraw(ngo, consent.id, '"7"', { withdrawnAt: '2026-11-22T09:00:00Z' })).response.status, 412)
    t.equal((await withdraw(ngo, consent.id, '"1"', { withdrawnAt: '2026-11-19T09:00:00Z' })).response.status, 422, 'before it was given')
    t.equal(
      (await rawWithdraw(ngo, consent.id, { 'if-match': '"1"' }, { withdrawnAt: '2026-11-22T09:00:00Z', scopes: ['services'] })).statusCode,
      400,
    )
    t.equal((await withdraw(attorney, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z' })).response.status, 403)
    t.equal((await withdraw(outsider, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z' })).response.status, 404)
    const done = await withdraw(ngo, consent.id, '"1"', { withdrawnAt: '2026-11-22T09:00:00Z' })
    t.equal(done.response.status, 200, JSON.stringify(done.error))
    t.equal(done.response.headers.get('etag'), '"2"')
    t.match(done.data, { withdrawnAt: '2026-11-22T09:00:00.000Z', version: 2, scopes: ['share_with_organizations', 'tracing'] })
    const twice = await withdraw(ngo, consent.id, '"2"', { withdrawnAt: '2026-11-23T09:00:00Z' })
    t.equal(twice.response.status, 409)
    t.equal(twice.error?.reason, 'consent_already_withdrawn')
    const other = await createOrganization(database, 'civil_society')
    const shared = await share(other, consent.id)
    t.equal(shared.response.status, 422)
    t.equal(shared.error?.reason, 'consent_withdrawn')
  })

  await t.test('of concurrent withdrawals with the same If-Match exactly one wins', async (t) => {
    const fresh = (await post(ngo, { givenBy: 'child_assent', scopes: ['services'] })).data!
    const responses = await Promise.all([1, 2, 3].map(() => withdraw(ngo, fresh.id, '"1"', { withdrawnAt: new Date().toISOString() })))
    t.same(responses.map((answer) => answer.response.status).sort(), [200, 412, 412])
  })

  await t.test('consents appear in the history as consent.consents, to those who may read them', async (t) => {
    const history = (user: TestUser) => api(user).GET('/cases/{id}/history', { params: { path: { id: caseId }, query: { limit: 100 } } })
    const ngoHistory = await history(ngo)
    t.equal(ngoHistory.response.status, 200)
    const entries = (ngoHistory.data?.items ?? []).filter((entry) => entry.field === 'consent.consents')
    t.ok(entries.length >= 2)
    t.ok(
      entries.some((entry) => {
        const value = entry.newValue as { id?: string } | null
        return value?.id === consent.id && 'withdrawnAt' in value
      }),
    )
    const auditorHistory = await history(auditor)
    t.equal(auditorHistory.response.status, 200)
    const auditorBody = JSON.stringify(auditorHistory.data)
    t.notOk(auditorBody.includes('consent.consents'))
    t.notOk(auditorBody.includes('K’iche’'))
  })

  await t.test('the list pages by cursor, oldest first', async (t) => {
    const all = ((await list(ngo, { limit: 100 })).data?.items ?? []).map((item) => item.id)
    const seen: string[] = []
    let cursor: string | null | undefined = null
    do {
      const answer: Awaited<ReturnType<typeof list>> = await list(ngo, cursor ? { limit: 1, cursor } : { limit: 1 })
      const page = answer.data
      seen.push(...(page?.items ?? []).map((item) => item.id))
      cursor = page?.nextCursor
    } while (cursor)
    t.same(seen, all)
    t.equal(all[0], consent.id)
  })
})

// The side doors found open before the access rule lived in one place (issue "One door…"), each as a
// test: a consent that withholds a section from the Procuraduría, tried as its protection officer.
import { sql } from 'kysely'
import t from 'tap'
import { build, createOrganization, createUser } from '../helpers/build.js'

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString()

t.test('one door: a withheld section stays behind its wall at every door', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
  const officer = await createUser(database, 'protection_officer', await createOrganization(database, 'child_protection_authority'))
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const auditor = await createUser(database, 'oversight_auditor', await createOrganization(database, 'oversight_body'))
  const send = (user: typeof ngo, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, ifMatch?: string) =>
    app.inject({ method, url, headers: { ...user.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) }, ...(payload ? { payload } : {}) })

  // A girl who turns 18 in a month, held in a migration station, with an asylum claim intended.
  const birth = new Date(Date.now() - (18 * 365.25 - 30) * 86_400_000).toISOString().slice(0, 10)
  const created = await send(ngo, 'POST', '/cases', {
    riskLevel: 'high',
    identity: { givenName: 'Dulce', dateOfBirth: birth },
    protection: { notes: 'first disclosure' },
  })
  t.equal(created.statusCode, 201, created.body)
  const caseId: string = created.json().id
  await database.db
    .updateTable('cases')
    .set({
      opened_at: daysFromNow(-40),
      legal_status: JSON.stringify({ asylumClaimStatus: 'intended' }),
      custody: JSON.stringify({ procuraduriaNotifiedAt: daysFromNow(-39) }),
    })
    .where('id', '=', caseId)
    .execute()
  const consent = await send(ngo, 'POST', `/cases/${caseId}/consents`, {
    givenBy: 'child_and_guardian',
    scopes: ['share_with_organizations'],
  })
  for (const user of [officer, migration]) {
    t.equal(
      (await send(ngo, 'POST', `/cases/${caseId}/participants`, { organizationId: user.organizationId, consentId: consent.json().id }))
        .statusCode,
      201,
    )
  }
  t.equal(
    (await send(ngo, 'POST', `/cases/${caseId}/placements`, { type: 'migration_station', startedAt: daysFromNow(-2) })).statusCode,
    201,
  )

  const alertRules = async (user: typeof ngo) =>
    ((await send(user, 'GET', '/alerts?limit=100')).json().items as { caseId: string; rule: string }[])
      .filter((item) => item.caseId === caseId)
      .map((item) => item.rule)
      .sort()
  const listed = async (user: typeof ngo, query: string) =>
    ((await send(user, 'GET', `/cases?limit=100&${query}`)).json().items as { id: string }[]).some((item) => item.id === caseId)

  await t.test('before any withholding the Procuraduría sees the alerts and filters on custody', async (t) => {
    t.same(await alertRules(officer), ['asylum_claim_not_filed', 'in_migration_station', 'turning_18'])
    t.ok(await listed(officer, 'inDetention=true'))
  })

  const withhold = await send(ngo, 'POST', `/cases/${caseId}/consents`, {
    givenBy: 'child_and_guardian',
    scopes: ['services'],
    withheld: ['custody', 'identity', 'legalStatus', 'protection'].map((section) => ({
      section,
      fromOrganizationId: officer.organizationId,
    })),
  })
  t.equal(withhold.statusCode, 201, withhold.body)

  await t.test('alerts built on a withheld section are not shown: no birthday, no asylum status, no detention', async (t) => {
    t.same(await alertRules(officer), [])
    t.same(await alertRules(ngo), ['asylum_claim_not_filed', 'in_migration_station', 'turning_18'], 'the lead is never withheld from')
    t.ok((await alertRules(auditor)).includes('in_migration_station'), 'nor is oversight: it must see that no child is detained')
  })

  await t.test('a filter on a withheld field answers no yes/no about it', async (t) => {
    t.notOk(await listed(officer, 'inDetention=true'))
    t.notOk(await listed(officer, 'inDetention=false'))
    t.ok(await listed(officer, ''), 'the case itself is still listed')
    t.ok(await listed(ngo, 'inDetention=true'))
  })

  await t.test('a write to a withheld section is refused and changes nothing, not even the ETag', async (t) => {
    const read = await send(officer, 'GET', `/cases/${caseId}`)
    t.notOk('custody' in read.json() || 'identity' in read.json(), 'withheld sections are absent')
    const before = await database.db
      .selectFrom('cases')
      .select(sql<string>`cases::text`.as('row'))
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow()
    const refused = await send(officer, 'PATCH', `/cases/${caseId}`, { identity: { givenName: 'Guess' } }, read.headers.etag as string)
    t.equal(refused.statusCode, 403)
    t.same(refused.json().deniedFields, ['identity.givenName'])
    const after = await database.db
      .selectFrom('cases')
      .select(sql<string>`cases::text`.as('row'))
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow()
    t.equal(after.row, before.row)
    t.equal((await send(officer, 'GET', `/cases/${caseId}`)).headers.etag, read.headers.etag)
  })

  await t.test('a change behind a wall moves nobody else’s ETag, version or updatedAt', async (t) => {
    const seen = (await send(migration, 'GET', `/cases/${caseId}`)).json()
    const ngoRead = await send(ngo, 'GET', `/cases/${caseId}`)
    const changed = await send(
      ngo,
      'PATCH',
      `/cases/${caseId}`,
      { protection: { notes: 'a later disclosure' } },
      ngoRead.headers.etag as string,
    )
    t.equal(changed.statusCode, 200, changed.body)
    t.not(changed.headers.etag, ngoRead.headers.etag, 'the writer’s own version moves')
    const again = await send(migration, 'GET', `/cases/${caseId}`)
    t.equal(again.json().version, seen.version, 'the migration officer reads no protection: its version stays')
    t.equal(again.json().updatedAt, seen.updatedAt)
    const stillFresh = await send(migration, 'PATCH', `/cases/${caseId}`, { riskLevel: 'critical' }, `"${seen.version}"`)
    t.not(stillFresh.statusCode, 412, 'its If-Match is not stale')
  })

  await t.test('a note from the NGO does not make the migration officer’s If-Match stale', async (t) => {
    const seen = await send(migration, 'GET', `/cases/${caseId}`)
    t.equal((await send(ngo, 'POST', `/cases/${caseId}/notes`, { body: 'home visit' })).statusCode, 201)
    const patch = await send(migration, 'PATCH', `/cases/${caseId}`, { demographics: { nationality: 'HN' } }, seen.headers.etag as string)
    t.equal(patch.statusCode, 200, patch.body)
  })

  await t.test('only the lead or a protection officer withholds; never from the lead or oversight', async (t) => {
    const participant = await send(migration, 'POST', `/cases/${caseId}/consents`, {
      givenBy: 'child_assent',
      scopes: ['services'],
      withheld: [{ section: 'identity', fromOrganizationId: officer.organizationId }],
    })
    t.equal(participant.statusCode, 403, participant.body)
    for (const target of [ngo.organizationId, auditor.organizationId]) {
      const refused = await send(officer, 'POST', `/cases/${caseId}/consents`, {
        givenBy: 'child_assent',
        scopes: ['services'],
        withheld: [{ section: 'custody', fromOrganizationId: target }],
      })
      t.equal(refused.statusCode, 422, refused.body)
    }
  })

  await t.test('withdrawing the consent lifts its withholdings', async (t) => {
    const withdrawn = await send(
      ngo,
      'PATCH',
      `/cases/${caseId}/consents/${withhold.json().id}`,
      { withdrawnAt: new Date().toISOString() },
      '"1"',
    )
    t.equal(withdrawn.statusCode, 200, withdrawn.body)
    t.same(await alertRules(officer), ['asylum_claim_not_filed', 'in_migration_station', 'turning_18'])
    t.ok('identity' in (await send(officer, 'GET', `/cases/${caseId}`)).json())
  })
})

t.test(
  'a route that declares no contract keeps the service from starting; one that promised an audit event and wrote none answers nothing',
  async (t) => {
    const fastify = (await import('fastify')).default
    const { MissingRouteContractError, routeContracts } = await import('../../src/access/route-contract.js')
    const bare = fastify()
    await bare.register(routeContracts)
    await t.rejects(async () => {
      await bare.register(async (scope) => {
        scope.get('/cases/:id/secrets', async () => ({ secret: true }))
      })
      await bare.ready()
    }, MissingRouteContractError)
    const declared = fastify({ logger: false })
    await declared.register(routeContracts)
    await declared.register(async (scope) => {
      scope.get('/cases/:id/secrets', { config: { contract: { audit: 'secret.read', changes: false } } }, async () => ({ secret: true }))
    })
    await declared.ready()
    const answer = await declared.inject({ method: 'GET', url: '/cases/1/secrets' })
    t.equal(answer.statusCode, 500)
    t.notMatch(answer.body, /secret"?:/)
    await bare.close().catch(() => undefined)
    await declared.close()
  },
)

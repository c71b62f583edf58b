// The side doors found open before the access rule lived in one place (issue "One door…"), each as a
// test: a consent that withholds a section from the Procuraduría, tried as its protection officer.
// Calls go through the client generated from openapi.yaml (build's `api`): a drift from the document
// fails tsc or the test.
import { sql } from 'kysely'
import t from 'tap'
import type { paths } from '../helpers/api-types.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString()

t.test('one door: a withheld section stays behind its wall at every door', async (t) => {
  const { database, api } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
  const officer = await createUser(database, 'protection_officer', await createOrganization(database, 'child_protection_authority'))
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const auditor = await createUser(database, 'oversight_auditor', await createOrganization(database, 'oversight_body'))
  const readCase = (user: TestUser) => api(user).GET('/cases/{id}', { params: { path: { id: caseId } } })
  const patchCase = (user: TestUser, body: paths['/cases/{id}']['patch']['requestBody']['content']['application/json'], ifMatch: string) =>
    api(user).PATCH('/cases/{id}', { params: { path: { id: caseId }, header: { 'if-match': ifMatch } }, body })

  // A girl who turns 18 in a month, held in a migration station, with an asylum claim intended.
  const birth = new Date(Date.now() - (18 * 365.25 - 30) * 86_400_000).toISOString().slice(0, 10)
  const created = await api(ngo).POST('/cases', {
    body: {
      riskLevel: 'high',
      identity: { givenName: 'Dulce', dateOfBirth: birth },
      protection: { notes: 'first disclosure' },
    },
  })
  t.equal(created.response.status, 201, JSON.stringify(created.error))
  if (!created.data?.id) throw new Error('POST /cases answered no id')
  const caseId = created.data.id
  await database.db
    .updateTable('cases')
    .set({
      opened_at: daysFromNow(-40),
      // Entered 45 days ago: past the 25th of the 30 working days the claim is due in.
      legal_status: JSON.stringify({ asylumClaimStatus: 'intended', entryDate: daysFromNow(-45).slice(0, 10) }),
      custody: JSON.stringify({ procuraduriaNotifiedAt: daysFromNow(-39) }),
    })
    .where('id', '=', caseId)
    .execute()
  const consent = await api(ngo).POST('/cases/{id}/consents', {
    params: { path: { id: caseId } },
    body: { givenBy: 'child_and_guardian', scopes: ['share_with_organizations'] },
  })
  const consentId = consent.data?.id ?? 'no consent'
  for (const user of [officer, migration]) {
    t.equal(
      (
        await api(ngo).POST('/cases/{id}/participants', {
          params: { path: { id: caseId } },
          body: { organizationId: user.organizationId, consentId },
        })
      ).response.status,
      201,
    )
  }
  t.equal(
    (
      await api(ngo).POST('/cases/{id}/placements', {
        params: { path: { id: caseId } },
        body: { type: 'migration_station', startedAt: daysFromNow(-2) },
      })
    ).response.status,
    201,
  )

  const alertRules = async (user: TestUser) =>
    ((await api(user).GET('/alerts', { params: { query: { limit: 100 } } })).data?.items ?? [])
      .filter((item) => item.caseId === caseId)
      .map((item) => item.rule)
      .sort()
  const listed = async (user: TestUser, query: paths['/cases']['get']['parameters']['query']) =>
    ((await api(user).GET('/cases', { params: { query: { limit: 100, ...query } } })).data?.items ?? []).some((item) => item.id === caseId)

  await t.test('before any withholding the Procuraduría sees the alerts and filters on custody', async (t) => {
    t.same(await alertRules(officer), ['asylum_claim_not_filed', 'in_migration_station', 'turning_18'])
    t.ok(await listed(officer, { inDetention: 'true' }))
  })

  const withhold = await api(ngo).POST('/cases/{id}/consents', {
    params: { path: { id: caseId } },
    body: {
      givenBy: 'child_and_guardian',
      scopes: ['services'],
      withheld: (['custody', 'identity', 'legalStatus', 'protection'] as const).map((section) => ({
        section,
        fromOrganizationId: officer.organizationId,
      })),
    },
  })
  t.equal(withhold.response.status, 201, JSON.stringify(withhold.error))

  await t.test('alerts built on a withheld section are not shown: no birthday, no asylum status, no detention', async (t) => {
    t.same(await alertRules(officer), [])
    t.same(await alertRules(ngo), ['asylum_claim_not_filed', 'in_migration_station', 'turning_18'], 'the lead is never withheld from')
    t.ok((await alertRules(auditor)).includes('in_migration_station'), 'nor is oversight: it must see that no child is detained')
  })

  await t.test('a filter on a withheld field answers no yes/no about it', async (t) => {
    t.notOk(await listed(officer, { inDetention: 'true' }))
    t.notOk(await listed(officer, { inDetention: 'false' }))
    t.ok(await listed(officer, {}), 'the case itself is still listed')
    t.ok(await listed(ngo, { inDetention: 'true' }))
  })

  await t.test('a write to a withheld section is refused and changes nothing, not even the ETag', async (t) => {
    const read = await readCase(officer)
    t.equal(read.response.status, 200, JSON.stringify(read.error))
    const etag = read.response.headers.get('etag') ?? 'no etag'
    t.notOk('custody' in (read.data ?? {}) || 'identity' in (read.data ?? {}), 'withheld sections are absent')
    const before = await database.db
      .selectFrom('cases')
      .select(sql<string>`cases::text`.as('row'))
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow()
    const refused = await patchCase(officer, { identity: { givenName: 'Guess' } }, etag)
    t.equal(refused.response.status, 403)
    t.same(refused.error?.deniedFields, ['identity.givenName'])
    const after = await database.db
      .selectFrom('cases')
      .select(sql<string>`cases::text`.as('row'))
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow()
    t.equal(after.row, before.row)
    t.equal((await readCase(officer)).response.headers.get('etag'), etag)
  })

  await t.test('a change behind a wall moves nobody else’s ETag, version or updatedAt', async (t) => {
    const seen = (await readCase(migration)).data
    const ngoRead = await readCase(ngo)
    const ngoEtag = ngoRead.response.headers.get('etag') ?? 'no etag'
    const changed = await patchCase(ngo, { protection: { notes: 'a later disclosure' } }, ngoEtag)
    t.equal(changed.response.status, 200, JSON.stringify(changed.error))
    t.not(changed.response.headers.get('etag'), ngoEtag, 'the writer’s own version moves')
    const again = await readCase(migration)
    t.equal(again.data?.version, seen?.version, 'the migration officer reads no protection: its version stays')
    t.equal(again.data?.updatedAt, seen?.updatedAt)
    const stillFresh = await patchCase(migration, { riskLevel: 'critical' }, `"${seen?.version}"`)
    t.not(stillFresh.response.status, 412, 'its If-Match is not stale')
  })

  await t.test('a note from the NGO does not make the migration officer’s If-Match stale', async (t) => {
    const seen = await readCase(migration)
    t.equal(
      (await api(ngo).POST('/cases/{id}/notes', { params: { path: { id: caseId } }, body: { body: 'home visit' } })).response.status,
      201,
    )
    const patch = await patchCase(migration, { demographics: { nationality: 'HN' } }, seen.response.headers.get('etag') ?? 'no etag')
    t.equal(patch.response.status, 200, JSON.stringify(patch.error))
  })

  await t.test('only the lead or a protection officer withholds; never from the lead or oversight', async (t) => {
    const participant = await api(migration).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: {
        givenBy: 'child_assent',
        scopes: ['services'],
        withheld: [{ section: 'identity', fromOrganizationId: officer.organizationId }],
      },
    })
    t.equal(participant.response.status, 403, JSON.stringify(participant.error))
    for (const target of [ngo.organizationId, auditor.organizationId]) {
      const refused = await api(officer).POST('/cases/{id}/consents', {
        params: { path: { id: caseId } },
        body: {
          givenBy: 'child_assent',
          scopes: ['services'],
          withheld: [{ section: 'custody', fromOrganizationId: target }],
        },
      })
      t.equal(refused.response.status, 422, JSON.stringify(refused.error))
    }
  })

  await t.test('withdrawing the consent lifts its withholdings', async (t) => {
    const withdrawn = await api(ngo).PATCH('/cases/{id}/consents/{consentId}', {
      params: { path: { id: caseId, consentId: withhold.data?.id ?? 'no consent' }, header: { 'if-match': '"1"' } },
      body: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(withdrawn.response.status, 200, JSON.stringify(withdrawn.error))
    t.same(await alertRules(officer), ['asylum_claim_not_filed', 'in_migration_station', 'turning_18'])
    t.ok('identity' in ((await readCase(officer)).data ?? {}))
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

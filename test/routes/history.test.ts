import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { build, createCast, type TestUser } from '../helpers/build.js'

const marker = (label: string) => `HIST${randomBytes(6).toString('hex')}${label}`

t.test('the change history shows each reader only the fields they may read', async (t) => {
  const { app, api, database } = await build(t)
  const { ngo, attorney, migration, auditor, admin, outsider } = await createCast(database)
  const legalAid = attorney.organizationId
  const migrationAuthority = migration.organizationId

  const markers = {
    givenName: marker('given'),
    newGivenName: marker('newgiven'),
    healthNotes: marker('health'),
    newHealthNotes: marker('newhealth'),
    protectionNotes: marker('protection'),
    newProtectionNotes: marker('newprotection'),
    riskOnReturn: marker('risk'),
  }
  const created = await api(ngo).POST('/cases', {
    body: {
      riskLevel: 'high',
      identity: { givenName: markers.givenName },
      health: { notes: markers.healthNotes },
      protection: { notes: markers.protectionNotes },
    },
  })
  t.equal(created.response.status, 201, JSON.stringify(created.error))
  const caseId = created.data?.id ?? ''
  const patched = await api(ngo).PATCH('/cases/{id}', {
    params: { path: { id: caseId }, header: { 'if-match': created.response.headers.get('etag') ?? '' } },
    body: {
      riskLevel: 'critical',
      identity: { givenName: markers.newGivenName },
      health: { notes: markers.newHealthNotes },
      protection: { notes: markers.newProtectionNotes, riskOnReturn: markers.riskOnReturn },
    },
  })
  t.equal(patched.response.status, 200, JSON.stringify(patched.error))
  const consent = await api(ngo).POST('/cases/{id}/consents', {
    params: { path: { id: caseId } },
    body: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
  })
  for (const organizationId of [legalAid, migrationAuthority]) {
    const shared = await api(ngo).POST('/cases/{id}/participants', {
      params: { path: { id: caseId } },
      body: { organizationId, consentId: consent.data?.id ?? '' },
    })
    t.equal(shared.response.status, 201, JSON.stringify(shared.error))
  }

  /** The history as the given user reads it; `body` is the whole answer as text, for the marker checks. */
  const history = async (user: TestUser, query: { limit?: number; cursor?: string } = { limit: 100 }, id = caseId) => {
    const answer = await api(user).GET('/cases/{id}/history', { params: { path: { id }, query } })
    return { ...answer, items: answer.data?.items ?? [], body: JSON.stringify(answer.data ?? answer.error) }
  }
  const fieldsIn = (entries: readonly { field: string }[]) => [...new Set(entries.map((entry) => entry.field))].sort()
  const absent = (t: Test, body: string, names: (keyof typeof markers)[]) => {
    for (const name of names) t.notOk(body.includes(markers[name]), `${name} marker is absent`)
  }

  await t.test('the creator sees every change with old and new values, who and when', async (t) => {
    const response = await history(ngo)
    t.equal(response.response.status, 200, response.body)
    const entries = response.items
    t.same(fieldsIn(entries), [
      'case.leadOrganizationId',
      'case.riskLevel',
      'consent.consents',
      'health.notes',
      'identity.givenName',
      'protection.notes',
      'protection.riskOnReturn',
    ])
    const rename = entries.find((entry) => entry.field === 'identity.givenName' && entry.oldValue === markers.givenName)
    t.match(rename, { newValue: markers.newGivenName, actorId: ngo.id })
    t.ok(rename && !Number.isNaN(Date.parse(rename.changedAt)))
    const creation = entries.find((entry) => entry.field === 'case.riskLevel' && entry.oldValue === null)
    t.equal(creation?.newValue, 'high')
  })

  await t.test('an attorney sees identity and protection, nothing of health', async (t) => {
    const response = await history(attorney)
    t.equal(response.response.status, 200)
    t.same(fieldsIn(response.items), [
      'case.leadOrganizationId',
      'case.riskLevel',
      'consent.consents',
      'identity.givenName',
      'protection.notes',
      'protection.riskOnReturn',
    ])
    t.ok(response.body.includes(markers.newProtectionNotes))
    absent(t, response.body, ['healthNotes', 'newHealthNotes'])
    t.notOk(response.body.includes('health.'))
  })

  await t.test('a migration officer sees identity entries, nothing of health or protection', async (t) => {
    const response = await history(migration)
    t.equal(response.response.status, 200)
    t.same(fieldsIn(response.items), ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents', 'identity.givenName'])
    t.ok(response.body.includes(markers.newGivenName))
    absent(t, response.body, ['healthNotes', 'newHealthNotes', 'protectionNotes', 'newProtectionNotes', 'riskOnReturn'])
    t.notOk(/health\.|protection\./.test(response.body))
  })

  await t.test('a migration officer never reads back the protection data they reported', async (t) => {
    const reported = marker('reported')
    const own = await api(migration).POST('/cases', { body: { riskLevel: 'high', protection: { notes: reported } } })
    t.equal(own.response.status, 201, JSON.stringify(own.error))
    const response = await history(migration, {}, own.data?.id ?? '')
    t.equal(response.response.status, 200)
    t.same(fieldsIn(response.items), ['case.riskLevel'])
    t.notOk(response.body.includes(reported))
  })

  await t.test('an oversight auditor sees the pseudonymised fields only', async (t) => {
    const response = await history(auditor)
    t.equal(response.response.status, 200)
    t.same(fieldsIn(response.items), ['case.leadOrganizationId', 'case.riskLevel'])
    absent(t, response.body, Object.keys(markers) as (keyof typeof markers)[])
  })

  await t.test('those who do not reach the case get 404', async (t) => {
    for (const user of [admin, outsider]) {
      const response = await history(user)
      t.equal(response.response.status, 404, user.role)
      absent(t, response.body, Object.keys(markers) as (keyof typeof markers)[])
    }
  })

  await t.test('the audit event names the fields disclosed, never their values', async (t) => {
    const events = await database.db
      .selectFrom('audit_events')
      .select(['actor_id', 'fields', 'outcome'])
      .where('action', '=', 'case.history.read')
      .where('actor_id', '=', migration.id)
      .where('outcome', '=', 'allowed')
      .execute()
    t.ok(events.length >= 1)
    t.same(events[0]!.fields, ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents', 'identity.givenName'])
  })

  await t.test('paging by cursor walks the same entries, in order, once each', async (t) => {
    const all = (await history(attorney)).items.map((entry) => entry.id)
    const seen: string[] = []
    let cursor: string | null | undefined = null
    do {
      const page = await history(attorney, cursor ? { limit: 2, cursor } : { limit: 2 })
      t.ok(page.items.length <= 2)
      seen.push(...page.items.map((entry) => entry.id))
      cursor = page.data?.nextCursor
    } while (cursor)
    t.same(seen, all)
    t.same(
      all,
      [...all].sort((a, b) => Number(a) - Number(b)),
    )
    t.equal((await history(attorney, { cursor: 'not-a-cursor' })).response.status, 400)
    t.equal((await history(attorney, { limit: 0 })).response.status, 400)
    // A query parameter the document does not have cannot be typed: sent raw.
    const unknownParameter = await app.inject({
      method: 'GET',
      url: `/cases/${caseId}/history?field=health.notes`,
      headers: attorney.headers,
    })
    t.equal(unknownParameter.statusCode, 400)
  })

  await t.test('sections a consent withholds from an organisation vanish from its history', async (t) => {
    const withholding = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: {
        givenBy: 'child_and_guardian',
        scopes: ['services'],
        withheld: [{ section: 'identity', fromOrganizationId: legalAid }, { section: 'protection' }],
      },
    })
    t.equal(withholding.response.status, 201, JSON.stringify(withholding.error))
    const forAttorney = await history(attorney)
    t.same(fieldsIn(forAttorney.items), ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents'])
    absent(t, forAttorney.body, ['givenName', 'newGivenName', 'protectionNotes', 'newProtectionNotes', 'riskOnReturn'])
    const forMigration = await history(migration)
    t.same(
      fieldsIn(forMigration.items),
      ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents', 'identity.givenName'],
      'withheld from legal aid only',
    )
    const forLead = await history(ngo)
    t.ok(fieldsIn(forLead.items).includes('protection.notes'), 'the lead keeps what is withheld from everyone else')
  })
})

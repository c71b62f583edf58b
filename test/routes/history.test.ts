import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { build, createCast, type TestUser } from '../helpers/build.js'

const marker = (label: string) => `HIST${randomBytes(6).toString('hex')}${label}`

interface Entry {
  id: string
  field: string
  oldValue: unknown
  newValue: unknown
  actorId: string
  changedAt: string
  requestId: string
}

t.test('the change history shows each reader only the fields they may read', async (t) => {
  const { app, database } = await build(t)
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
  const created = await app.inject({
    method: 'POST',
    url: '/cases',
    headers: ngo.headers,
    payload: {
      riskLevel: 'high',
      identity: { givenName: markers.givenName },
      health: { notes: markers.healthNotes },
      protection: { notes: markers.protectionNotes },
    },
  })
  t.equal(created.statusCode, 201, created.body)
  const caseId = created.json().id as string
  const patched = await app.inject({
    method: 'PATCH',
    url: `/cases/${caseId}`,
    headers: { ...ngo.headers, 'if-match': created.headers.etag as string },
    payload: {
      riskLevel: 'critical',
      identity: { givenName: markers.newGivenName },
      health: { notes: markers.newHealthNotes },
      protection: { notes: markers.newProtectionNotes, riskOnReturn: markers.riskOnReturn },
    },
  })
  t.equal(patched.statusCode, 200, patched.body)
  const consent = await app.inject({
    method: 'POST',
    url: `/cases/${caseId}/consents`,
    headers: ngo.headers,
    payload: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
  })
  for (const organizationId of [legalAid, migrationAuthority]) {
    const shared = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/participants`,
      headers: ngo.headers,
      payload: { organizationId, consentId: consent.json().id },
    })
    t.equal(shared.statusCode, 201, shared.body)
  }

  const history = (user: TestUser, query = 'limit=100') =>
    app.inject({ method: 'GET', url: `/cases/${caseId}/history?${query}`, headers: user.headers })
  const fieldsIn = (entries: Entry[]) => [...new Set(entries.map((entry) => entry.field))].sort()
  const absent = (t: Test, body: string, names: (keyof typeof markers)[]) => {
    for (const name of names) t.notOk(body.includes(markers[name]), `${name} marker is absent`)
  }

  await t.test('the creator sees every change with old and new values, who and when', async (t) => {
    const response = await history(ngo)
    t.equal(response.statusCode, 200, response.body)
    const entries = response.json().items as Entry[]
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
    t.equal(response.statusCode, 200)
    t.same(fieldsIn(response.json().items), [
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
    t.equal(response.statusCode, 200)
    t.same(fieldsIn(response.json().items), ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents', 'identity.givenName'])
    t.ok(response.body.includes(markers.newGivenName))
    absent(t, response.body, ['healthNotes', 'newHealthNotes', 'protectionNotes', 'newProtectionNotes', 'riskOnReturn'])
    t.notOk(/health\.|protection\./.test(response.body))
  })

  await t.test('a migration officer never reads back the protection data they reported', async (t) => {
    const reported = marker('reported')
    const own = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: migration.headers,
      payload: { riskLevel: 'high', protection: { notes: reported } },
    })
    t.equal(own.statusCode, 201, own.body)
    const response = await app.inject({ method: 'GET', url: `/cases/${own.json().id}/history`, headers: migration.headers })
    t.equal(response.statusCode, 200)
    t.same(fieldsIn(response.json().items), ['case.riskLevel'])
    t.notOk(response.body.includes(reported))
  })

  await t.test('an oversight auditor sees the pseudonymised fields only', async (t) => {
    const response = await history(auditor)
    t.equal(response.statusCode, 200)
    t.same(fieldsIn(response.json().items), ['case.leadOrganizationId', 'case.riskLevel'])
    absent(t, response.body, Object.keys(markers) as (keyof typeof markers)[])
  })

  await t.test('those who do not reach the case get 404', async (t) => {
    for (const user of [admin, outsider]) {
      const response = await history(user)
      t.equal(response.statusCode, 404, user.role)
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
    const all = ((await history(attorney)).json().items as Entry[]).map((entry) => entry.id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: Entry[]; nextCursor: string | null } = (
        await history(attorney, `limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()
      t.ok(page.items.length <= 2)
      seen.push(...page.items.map((entry) => entry.id))
      cursor = page.nextCursor
    } while (cursor)
    t.same(seen, all)
    t.same(
      all,
      [...all].sort((a, b) => Number(a) - Number(b)),
    )
    t.equal((await history(attorney, 'cursor=not-a-cursor')).statusCode, 400)
    t.equal((await history(attorney, 'limit=0')).statusCode, 400)
    t.equal((await history(attorney, 'field=health.notes')).statusCode, 400)
  })

  await t.test('sections a consent withholds from an organisation vanish from its history', async (t) => {
    const withholding = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/consents`,
      headers: ngo.headers,
      payload: {
        givenBy: 'child_and_guardian',
        scopes: ['services'],
        withheld: [{ section: 'identity', fromOrganizationId: legalAid }, { section: 'protection' }],
      },
    })
    t.equal(withholding.statusCode, 201, withholding.body)
    const forAttorney = await history(attorney)
    t.same(fieldsIn(forAttorney.json().items), ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents'])
    absent(t, forAttorney.body, ['givenName', 'newGivenName', 'protectionNotes', 'newProtectionNotes', 'riskOnReturn'])
    const forMigration = await history(migration)
    t.same(
      fieldsIn(forMigration.json().items),
      ['case.leadOrganizationId', 'case.riskLevel', 'consent.consents', 'identity.givenName'],
      'withheld from legal aid only',
    )
    const forLead = await history(ngo)
    t.ok(fieldsIn(forLead.json().items).includes('protection.notes'), 'the lead keeps what is withheld from everyone else')
  })
})

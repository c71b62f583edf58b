import t from 'tap'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

t.test('sharing a case with another organisation', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const legalAid = await createOrganization(database, 'legal_aid')
  const attorney = await createUser(database, 'attorney', legalAid)
  const shelter = await createOrganization(database, 'civil_society')
  const shelterWorker = await createUser(database, 'ngo_caseworker', shelter)
  const outsider = await createUser(database, 'ngo_caseworker')
  const migration = await createUser(database, 'migration_officer')

  const openCase = async (user: TestUser) => {
    const response = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: user.headers,
      payload: { riskLevel: 'high', identity: { givenName: 'Lucía' } },
    })
    t.equal(response.statusCode, 201, response.body)
    return response.json().id as string
  }
  const recordConsent = async (user: TestUser, caseId: string, scopes: string[]) => {
    const response = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/consents`,
      headers: user.headers,
      payload: { givenBy: 'child_and_guardian', scopes },
    })
    t.equal(response.statusCode, 201, response.body)
    return response.json().id as string
  }
  const share = (user: TestUser, caseId: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/cases/${caseId}/participants`, headers: user.headers, payload })
  const listedIds = async (user: TestUser) => {
    const response = await app.inject({ method: 'GET', url: '/cases?limit=100', headers: user.headers })
    t.equal(response.statusCode, 200, response.body)
    return (response.json().items as { id: string }[]).map((item) => item.id)
  }

  const caseId = await openCase(ngo)
  const sharingConsent = await recordConsent(ngo, caseId, ['share_with_organizations', 'services'])

  await t.test('the creating organisation is the lead participant', async (t) => {
    const response = await app.inject({ method: 'GET', url: `/cases/${caseId}/participants`, headers: ngo.headers })
    t.equal(response.statusCode, 200, response.body)
    t.match(response.json(), {
      items: [{ organizationId: ngo.organizationId, basis: 'lead', consentId: null, legalBasis: null, sections: null, endedAt: null }],
      nextCursor: null,
    })
  })

  await t.test('before a share, the other organisation cannot reach the case', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: attorney.headers })).statusCode, 404)
    t.notOk((await listedIds(attorney)).includes(caseId))
  })

  await t.test('a share with neither consent nor legal basis is refused (422) with the reason', async (t) => {
    const response = await share(ngo, caseId, { organizationId: legalAid })
    t.equal(response.statusCode, 422, response.body)
    t.equal(response.json().reason, 'consent_required')
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  })

  await t.test('a share on a consent covering sharing lets the organisation in', async (t) => {
    const response = await share(ngo, caseId, { organizationId: legalAid, consentId: sharingConsent })
    t.equal(response.statusCode, 201, response.body)
    t.match(response.json(), {
      organizationId: legalAid,
      basis: 'consent',
      consentId: sharingConsent,
      legalBasis: null,
      grantedBy: ngo.id,
      endedAt: null,
    })
    t.equal(
      response.headers.location,
      `/cases/${caseId}/participants/${legalAid}`,
      'the Location names the participation by its organisation',
    )
    const one = await app.inject({ method: 'GET', url: response.headers.location as string, headers: attorney.headers })
    t.equal(one.statusCode, 200, one.body)
    t.same(one.json(), response.json(), 'the new participant reads its participation')

    const read = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: attorney.headers })
    t.equal(read.statusCode, 200, read.body)
    t.equal(read.json().identity.givenName, 'Lucía')
    t.ok((await listedIds(attorney)).includes(caseId), 'the case is in the new participant’s list')

    const participants = await app.inject({ method: 'GET', url: `/cases/${caseId}/participants`, headers: attorney.headers })
    t.same(
      (participants.json().items as { organizationId: string }[]).map((item) => item.organizationId).sort(),
      [ngo.organizationId, legalAid].sort(),
    )

    const audit = await database.db
      .selectFrom('audit_events')
      .select(['actor_id', 'case_ids', 'outcome', 'target_organization_id', 'fields'])
      .where('action', '=', 'case.share')
      .where('outcome', '=', 'allowed')
      .execute()
    t.equal(audit.length, 1)
    t.match(audit[0], {
      actor_id: ngo.id,
      case_ids: [caseId],
      target_organization_id: legalAid,
      fields: ['case.leadOrganizationId', 'consent.consents'],
    })
  })

  await t.test('an organisation already participating cannot be added again', async (t) => {
    const response = await share(ngo, caseId, { organizationId: legalAid, consentId: sharingConsent })
    t.equal(response.statusCode, 409)
    t.equal(response.json().reason, 'already_participant')
  })

  await t.test('a consent without the sharing scope is refused', async (t) => {
    const tracingOnly = await recordConsent(ngo, caseId, ['tracing'])
    const response = await share(ngo, caseId, { organizationId: shelter, consentId: tracingOnly })
    t.equal(response.statusCode, 422)
    t.equal(response.json().reason, 'consent_scope_missing')
  })

  await t.test('a withdrawn consent no longer allows sharing', async (t) => {
    const consentId = await recordConsent(ngo, caseId, ['share_with_organizations'])
    const withdrawn = await app.inject({
      method: 'PATCH',
      url: `/cases/${caseId}/consents/${consentId}`,
      headers: { ...ngo.headers, 'if-match': '"1"' },
      payload: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(withdrawn.statusCode, 200, withdrawn.body)
    const response = await share(ngo, caseId, { organizationId: shelter, consentId })
    t.equal(response.statusCode, 422)
    t.equal(response.json().reason, 'consent_withdrawn')
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: shelterWorker.headers })).statusCode, 404)
  })

  await t.test('a consent of another case is not a ground for this one', async (t) => {
    const otherCase = await openCase(ngo)
    const otherConsent = await recordConsent(ngo, otherCase, ['share_with_organizations'])
    const response = await share(ngo, caseId, { organizationId: shelter, consentId: otherConsent })
    t.equal(response.statusCode, 422)
    t.equal(response.json().reason, 'consent_not_found')
  })

  await t.test('a caseworker cannot share on a legal basis', async (t) => {
    const response = await share(ngo, caseId, {
      organizationId: shelter,
      legalBasis: { code: 'protection_measure', citation: 'Artículo 122 LGDNNA, medida urgente de protección' },
    })
    t.equal(response.statusCode, 403)
    t.equal(response.json().reason, 'legal_basis_requires_protection_officer')
  })

  await t.test('a protection officer shares on a legal basis; the shelter then reaches and lists the case', async (t) => {
    const ownCase = await openCase(protection)
    t.notOk((await listedIds(shelterWorker)).includes(ownCase))
    const legalBasis = { code: 'protection_measure', citation: 'Artículo 122 LGDNNA, medida urgente de protección' }
    const response = await share(protection, ownCase, { organizationId: shelter, legalBasis })
    t.equal(response.statusCode, 201, response.body)
    t.match(response.json(), { organizationId: shelter, basis: 'legal_basis', consentId: null, legalBasis })
    t.equal((await app.inject({ method: 'GET', url: `/cases/${ownCase}`, headers: shelterWorker.headers })).statusCode, 200)
    t.ok((await listedIds(shelterWorker)).includes(ownCase))
    const audit = await database.db
      .selectFrom('audit_events')
      .select('target_organization_id')
      .where('action', '=', 'case.share')
      .where('outcome', '=', 'allowed')
      .execute()
    t.ok(audit.some((event) => event.target_organization_id === shelter))
  })

  await t.test('bad bodies are 400: both grounds at once, a legal basis without a known code, unknown fields', async (t) => {
    const both = await share(protection, caseId, {
      organizationId: shelter,
      consentId: sharingConsent,
      legalBasis: { code: 'court_order' },
    })
    t.equal(both.statusCode, 400)
    const ownCase = await openCase(protection)
    t.equal(
      (await share(protection, ownCase, { organizationId: shelter, legalBasis: 'Artículo 122 LGDNNA' })).statusCode,
      400,
      'free text is no code',
    )
    t.equal((await share(protection, ownCase, { organizationId: shelter, legalBasis: { code: 'because' } })).statusCode, 400)
    t.equal((await share(protection, ownCase, { organizationId: shelter, legalBasis: { code: 'court_order' }, extra: 1 })).statusCode, 400)
  })

  await t.test('organisations that cannot participate are 422', async (t) => {
    const unknown = await share(ngo, caseId, { organizationId: '0190a0b0-0000-7000-8000-000000000000', consentId: sharingConsent })
    t.equal(unknown.statusCode, 422)
    t.equal(unknown.json().reason, 'unknown_organization')
    for (const kind of ['oversight_body', 'platform'] as const) {
      const organizationId = await createOrganization(database, kind)
      const response = await share(ngo, caseId, { organizationId, consentId: sharingConsent })
      t.equal(response.statusCode, 422, kind)
      t.equal(response.json().reason, 'organization_cannot_participate')
    }
  })

  await t.test('a role without the share action gets 403 on a case it reaches', async (t) => {
    const ownCase = await openCase(migration)
    const response = await share(migration, ownCase, { organizationId: shelter, legalBasis: { code: 'protection_measure' } })
    t.equal(response.statusCode, 403)
    const denied = await database.db
      .selectFrom('audit_events')
      .select(['outcome', 'case_ids'])
      .where('action', '=', 'case.share')
      .where('actor_id', '=', migration.id)
      .execute()
    t.match(denied, [{ outcome: 'denied', case_ids: [ownCase] }])
  })

  await t.test('another organisation gets 404 for read, update and share, and never sees the case listed', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: outsider.headers })).statusCode, 404)
    const patch = await app.inject({
      method: 'PATCH',
      url: `/cases/${caseId}`,
      headers: { ...outsider.headers, 'if-match': '"1"' },
      payload: { riskLevel: 'low' },
    })
    t.equal(patch.statusCode, 404)
    const sharing = await share(outsider, caseId, { organizationId: outsider.organizationId, consentId: sharingConsent })
    t.equal(sharing.statusCode, 404)
    t.notMatch(sharing.body, sharingConsent)
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}/participants`, headers: outsider.headers })).statusCode, 404)
    t.equal(
      (await app.inject({ method: 'GET', url: `/cases/${caseId}/participants/${ngo.organizationId}`, headers: outsider.headers }))
        .statusCode,
      404,
    )
    t.notOk((await listedIds(outsider)).includes(caseId))
    const stillOut = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: outsider.headers })
    t.equal(stillOut.statusCode, 404, 'a refused share lets nobody in')
  })

  await t.test('of concurrent shares of the same organisation exactly one wins', async (t) => {
    const organizationId = await createOrganization(database, 'civil_society')
    const responses = await Promise.all([1, 2, 3].map(() => share(ngo, caseId, { organizationId, consentId: sharingConsent })))
    t.same(responses.map((response) => response.statusCode).sort(), [201, 409, 409])
    const rows = await database.db
      .selectFrom('case_participants')
      .select('organization_id')
      .where('case_id', '=', caseId)
      .where('organization_id', '=', organizationId)
      .execute()
    t.equal(rows.length, 1)
  })

  await t.test('participants page by cursor', async (t) => {
    const all = (await app.inject({ method: 'GET', url: `/cases/${caseId}/participants?limit=100`, headers: ngo.headers })).json()
      .items as { organizationId: string }[]
    t.ok(all.length >= 3)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { organizationId: string }[]; nextCursor: string | null } = (
        await app.inject({
          method: 'GET',
          url: `/cases/${caseId}/participants?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          headers: ngo.headers,
        })
      ).json()
      t.equal(page.items.length, 1)
      seen.push(page.items[0]!.organizationId)
      cursor = page.nextCursor
    } while (cursor)
    t.same(
      seen,
      all.map((item) => item.organizationId),
    )
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}/participants?cursor=bad`, headers: ngo.headers })).statusCode, 400)
  })

  await t.test('withdrawing the consent a share rests on ends that participation at once, and the history keeps it', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: attorney.headers })).statusCode, 200)
    const consent = (await app.inject({ method: 'GET', url: `/cases/${caseId}/consents/${sharingConsent}`, headers: ngo.headers })).json()
    const withdrawn = await app.inject({
      method: 'PATCH',
      url: `/cases/${caseId}/consents/${sharingConsent}`,
      headers: { ...ngo.headers, 'if-match': `"${consent.version}"` },
      payload: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(withdrawn.statusCode, 200, withdrawn.body)
    t.equal(
      (await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: attorney.headers })).statusCode,
      404,
      'access ended with the consent',
    )
    t.notOk((await listedIds(attorney)).includes(caseId))
    const participations = (
      await app.inject({ method: 'GET', url: `/cases/${caseId}/participants?limit=100`, headers: ngo.headers })
    ).json().items as {
      organizationId: string
      endedAt: string | null
      endReason?: string
    }[]
    const ended = participations.find((item) => item.organizationId === legalAid)
    t.ok(ended?.endedAt, 'the participation is kept, ended')
    t.equal(ended?.endReason, 'consent_withdrawn')
    const one = await app.inject({ method: 'GET', url: `/cases/${caseId}/participants/${legalAid}`, headers: ngo.headers })
    t.equal(one.statusCode, 200, one.body)
    t.same(one.json(), ended, 'the ended participation is read by its organisation')
    const never = await app.inject({ method: 'GET', url: `/cases/${caseId}/participants/${outsider.organizationId}`, headers: ngo.headers })
    t.equal(never.statusCode, 404, 'an organisation that never took part is a 404')
  })
})

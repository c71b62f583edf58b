// Calls go through the client generated from openapi.yaml (build's `api`), so a drift between the
// document and the service fails tsc or the test; app.inject only where a call breaks the document on purpose.
import t from 'tap'
import type { components } from '../helpers/api-types.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

type ConsentScope = components['schemas']['NewConsent']['scopes'][number]

t.test('sharing a case with another organisation', async (t) => {
  const { app, database, api } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const legalAid = await createOrganization(database, 'legal_aid')
  const attorney = await createUser(database, 'attorney', legalAid)
  const shelter = await createOrganization(database, 'civil_society')
  const shelterWorker = await createUser(database, 'ngo_caseworker', shelter)
  const outsider = await createUser(database, 'ngo_caseworker')
  const migration = await createUser(database, 'migration_officer')

  const openCase = async (user: TestUser) => {
    const { data, error, response } = await api(user).POST('/cases', {
      body: { riskLevel: 'high', identity: { givenName: 'Lucía' } },
    })
    t.equal(response.status, 201, JSON.stringify(error))
    if (!data?.id) throw new Error('POST /cases answered no id')
    return data.id
  }
  const recordConsent = async (user: TestUser, caseId: string, scopes: ConsentScope[]) => {
    const { data, error, response } = await api(user).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: { givenBy: 'child_and_guardian', scopes },
    })
    t.equal(response.status, 201, JSON.stringify(error))
    if (!data) throw new Error('POST /cases/{id}/consents answered no consent')
    return data.id
  }
  const share = (user: TestUser, caseId: string, body: components['schemas']['ShareCase']) =>
    api(user).POST('/cases/{id}/participants', { params: { path: { id: caseId } }, body })
  // A share the document forbids (a malformed body), sent raw to see the service refuse it.
  const shareRaw = (user: TestUser, caseId: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/cases/${caseId}/participants`, headers: user.headers, payload })
  const readCase = (user: TestUser, caseId: string) => api(user).GET('/cases/{id}', { params: { path: { id: caseId } } })
  const listedIds = async (user: TestUser) => {
    const { data, error, response } = await api(user).GET('/cases', { params: { query: { limit: 100 } } })
    t.equal(response.status, 200, JSON.stringify(error))
    return (data?.items ?? []).map((item) => item.id)
  }

  const caseId = await openCase(ngo)
  const sharingConsent = await recordConsent(ngo, caseId, ['share_with_organizations', 'services'])

  await t.test('the creating organisation is the lead participant', async (t) => {
    const { data, error, response } = await api(ngo).GET('/cases/{id}/participants', { params: { path: { id: caseId } } })
    t.equal(response.status, 200, JSON.stringify(error))
    t.match(data, {
      items: [{ organizationId: ngo.organizationId, basis: 'lead', consentId: null, legalBasis: null, sections: null, endedAt: null }],
      nextCursor: null,
    })
  })

  await t.test('before a share, the other organisation cannot reach the case', async (t) => {
    t.equal((await readCase(attorney, caseId)).response.status, 404)
    t.notOk((await listedIds(attorney)).includes(caseId))
  })

  await t.test('a share with neither consent nor legal basis is refused (422) with the reason', async (t) => {
    const { error, response } = await share(ngo, caseId, { organizationId: legalAid })
    t.equal(response.status, 422, JSON.stringify(error))
    t.equal(error?.reason, 'consent_required')
    t.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8')
  })

  await t.test('a share on a consent covering sharing lets the organisation in', async (t) => {
    const { data, error, response } = await share(ngo, caseId, { organizationId: legalAid, consentId: sharingConsent })
    t.equal(response.status, 201, JSON.stringify(error))
    t.match(data, {
      organizationId: legalAid,
      basis: 'consent',
      consentId: sharingConsent,
      legalBasis: null,
      grantedBy: ngo.id,
      endedAt: null,
    })
    t.equal(
      response.headers.get('location'),
      `/cases/${caseId}/participants/${legalAid}`,
      'the Location names the participation by its organisation',
    )
    // The Location is that path (asserted above): read it through its documented template.
    const one = await api(attorney).GET('/cases/{id}/participants/{organizationId}', {
      params: { path: { id: caseId, organizationId: legalAid } },
    })
    t.equal(one.response.status, 200, JSON.stringify(one.error))
    t.same(one.data, data, 'the new participant reads its participation')

    const read = await readCase(attorney, caseId)
    t.equal(read.response.status, 200, JSON.stringify(read.error))
    t.equal(read.data?.identity?.givenName, 'Lucía')
    t.ok((await listedIds(attorney)).includes(caseId), 'the case is in the new participant’s list')

    const participants = await api(attorney).GET('/cases/{id}/participants', { params: { path: { id: caseId } } })
    t.same((participants.data?.items ?? []).map((item) => item.organizationId).sort(), [ngo.organizationId, legalAid].sort())

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
    const { error, response } = await share(ngo, caseId, { organizationId: legalAid, consentId: sharingConsent })
    t.equal(response.status, 409)
    t.equal(error?.reason, 'already_participant')
  })

  await t.test('a consent without the sharing scope is refused', async (t) => {
    const tracingOnly = await recordConsent(ngo, caseId, ['tracing'])
    const { error, response } = await share(ngo, caseId, { organizationId: shelter, consentId: tracingOnly })
    t.equal(response.status, 422)
    t.equal(error?.reason, 'consent_scope_missing')
  })

  await t.test('a withdrawn consent no longer allows sharing', async (t) => {
    const consentId = await recordConsent(ngo, caseId, ['share_with_organizations'])
    const withdrawn = await api(ngo).PATCH('/cases/{id}/consents/{consentId}', {
      params: { path: { id: caseId, consentId }, header: { 'if-match': '"1"' } },
      body: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(withdrawn.response.status, 200, JSON.stringify(withdrawn.error))
    const { error, response } = await share(ngo, caseId, { organizationId: shelter, consentId })
    t.equal(response.status, 422)
    t.equal(error?.reason, 'consent_withdrawn')
    t.equal((await readCase(shelterWorker, caseId)).response.status, 404)
  })

  await t.test('a consent of another case is not a ground for this one', async (t) => {
    const otherCase = await openCase(ngo)
    const otherConsent = await recordConsent(ngo, otherCase, ['share_with_organizations'])
    const { error, response } = await share(ngo, caseId, { organizationId: shelter, consentId: otherConsent })
    t.equal(response.status, 422)
    t.equal(error?.reason, 'consent_not_found')
  })

  await t.test('a caseworker cannot share on a legal basis', async (t) => {
    const { error, response } = await share(ngo, caseId, {
      organizationId: shelter,
      legalBasis: { code: 'protection_measure', citation: 'Artículo 122 LGDNNA, medida urgente de protección' },
    })
    t.equal(response.status, 403)
    t.equal(error?.reason, 'legal_basis_requires_protection_officer')
  })

  await t.test('a protection officer shares on a legal basis; the shelter then reaches and lists the case', async (t) => {
    const ownCase = await openCase(protection)
    t.notOk((await listedIds(shelterWorker)).includes(ownCase))
    const legalBasis = { code: 'protection_measure', citation: 'Artículo 122 LGDNNA, medida urgente de protección' } as const
    const { data, error, response } = await share(protection, ownCase, { organizationId: shelter, legalBasis })
    t.equal(response.status, 201, JSON.stringify(error))
    t.match(data, { organizationId: shelter, basis: 'legal_basis', consentId: null, legalBasis })
    t.equal((await readCase(shelterWorker, ownCase)).response.status, 200)
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
    t.equal(both.response.status, 400)
    const ownCase = await openCase(protection)
    // The rest break the document (a string, an unknown code, an unknown field): only a raw call can send them.
    t.equal(
      (await shareRaw(protection, ownCase, { organizationId: shelter, legalBasis: 'Artículo 122 LGDNNA' })).statusCode,
      400,
      'free text is no code',
    )
    t.equal((await shareRaw(protection, ownCase, { organizationId: shelter, legalBasis: { code: 'because' } })).statusCode, 400)
    t.equal(
      (await shareRaw(protection, ownCase, { organizationId: shelter, legalBasis: { code: 'court_order' }, extra: 1 })).statusCode,
      400,
    )
  })

  await t.test('organisations that cannot participate are 422', async (t) => {
    const unknown = await share(ngo, caseId, { organizationId: '0190a0b0-0000-7000-8000-000000000000', consentId: sharingConsent })
    t.equal(unknown.response.status, 422)
    t.equal(unknown.error?.reason, 'unknown_organization')
    for (const kind of ['oversight_body', 'platform'] as const) {
      const organizationId = await createOrganization(database, kind)
      const { error, response } = await share(ngo, caseId, { organizationId, consentId: sharingConsent })
      t.equal(response.status, 422, kind)
      t.equal(error?.reason, 'organization_cannot_participate')
    }
  })

  await t.test('a role without the share action gets 403 on a case it reaches', async (t) => {
    const ownCase = await openCase(migration)
    const { response } = await share(migration, ownCase, { organizationId: shelter, legalBasis: { code: 'protection_measure' } })
    t.equal(response.status, 403)
    const denied = await database.db
      .selectFrom('audit_events')
      .select(['outcome', 'case_ids'])
      .where('action', '=', 'case.share')
      .where('actor_id', '=', migration.id)
      .execute()
    t.match(denied, [{ outcome: 'denied', case_ids: [ownCase] }])
  })

  await t.test('another organisation gets 404 for read, update and share, and never sees the case listed', async (t) => {
    t.equal((await readCase(outsider, caseId)).response.status, 404)
    const patch = await api(outsider).PATCH('/cases/{id}', {
      params: { path: { id: caseId }, header: { 'if-match': '"1"' } },
      body: { riskLevel: 'low' },
    })
    t.equal(patch.response.status, 404)
    const sharing = await share(outsider, caseId, { organizationId: outsider.organizationId, consentId: sharingConsent })
    t.equal(sharing.response.status, 404)
    t.notMatch(JSON.stringify(sharing.error), sharingConsent)
    t.equal((await api(outsider).GET('/cases/{id}/participants', { params: { path: { id: caseId } } })).response.status, 404)
    t.equal(
      (
        await api(outsider).GET('/cases/{id}/participants/{organizationId}', {
          params: { path: { id: caseId, organizationId: ngo.organizationId } },
        })
      ).response.status,
      404,
    )
    t.notOk((await listedIds(outsider)).includes(caseId))
    const stillOut = await readCase(outsider, caseId)
    t.equal(stillOut.response.status, 404, 'a refused share lets nobody in')
  })

  await t.test('of concurrent shares of the same organisation exactly one wins', async (t) => {
    const organizationId = await createOrganization(database, 'civil_society')
    const responses = await Promise.all([1, 2, 3].map(() => share(ngo, caseId, { organizationId, consentId: sharingConsent })))
    t.same(responses.map(({ response }) => response.status).sort(), [201, 409, 409])
    const rows = await database.db
      .selectFrom('case_participants')
      .select('organization_id')
      .where('case_id', '=', caseId)
      .where('organization_id', '=', organizationId)
      .execute()
    t.equal(rows.length, 1)
  })

  const participantsOf = (user: TestUser, query: { limit?: number; cursor?: string }) =>
    api(user).GET('/cases/{id}/participants', { params: { path: { id: caseId }, query } })

  await t.test('participants page by cursor', async (t) => {
    const all = (await participantsOf(ngo, { limit: 100 })).data?.items ?? []
    t.ok(all.length >= 3)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const { data: page } = await participantsOf(ngo, { limit: 1, ...(cursor ? { cursor } : {}) })
      t.equal(page?.items.length, 1)
      seen.push(page?.items[0]?.organizationId ?? 'no item')
      cursor = page?.nextCursor ?? null
    } while (cursor)
    t.same(
      seen,
      all.map((item) => item.organizationId),
    )
    t.equal((await participantsOf(ngo, { cursor: 'bad' })).response.status, 400)
  })

  await t.test('withdrawing the consent a share rests on ends that participation at once, and the history keeps it', async (t) => {
    t.equal((await readCase(attorney, caseId)).response.status, 200)
    const consent = await api(ngo).GET('/cases/{id}/consents/{consentId}', { params: { path: { id: caseId, consentId: sharingConsent } } })
    const withdrawn = await api(ngo).PATCH('/cases/{id}/consents/{consentId}', {
      params: { path: { id: caseId, consentId: sharingConsent }, header: { 'if-match': `"${consent.data?.version}"` } },
      body: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(withdrawn.response.status, 200, JSON.stringify(withdrawn.error))
    t.equal((await readCase(attorney, caseId)).response.status, 404, 'access ended with the consent')
    t.notOk((await listedIds(attorney)).includes(caseId))
    const participations = (await participantsOf(ngo, { limit: 100 })).data?.items ?? []
    const ended = participations.find((item) => item.organizationId === legalAid)
    t.ok(ended?.endedAt, 'the participation is kept, ended')
    t.equal(ended?.endReason, 'consent_withdrawn')
    const one = await api(ngo).GET('/cases/{id}/participants/{organizationId}', {
      params: { path: { id: caseId, organizationId: legalAid } },
    })
    t.equal(one.response.status, 200, JSON.stringify(one.error))
    t.same(one.data, ended, 'the ended participation is read by its organisation')
    const never = await api(ngo).GET('/cases/{id}/participants/{organizationId}', {
      params: { path: { id: caseId, organizationId: outsider.organizationId } },
    })
    t.equal(never.response.status, 404, 'an organisation that never took part is a 404')
  })
})

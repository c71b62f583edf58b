// Calls go through the client generated from openapi.yaml (build's `api`): a drift from the document
// fails tsc or the test; app.inject only where a call breaks the document on purpose, and for the
// walk over every GET door of the document.
import t from 'tap'
import type { paths } from '../helpers/api-types.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { fullCaseInput, newMarker } from '../helpers/case-samples.js'

const inDays = (days: number) => {
  const date = new Date()
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}

/** Markers of every section of the case but the listed ones. */
const markersOutside = (markers: Map<string, string>, sections: readonly string[]) =>
  [...markers].filter(([field]) => !sections.includes(field.slice(0, field.indexOf('.')))).map(([field, marker]) => ({ field, marker }))

type ReferralRequest = paths['/cases/{id}/referrals']['post']['requestBody']['content']['application/json']
type CompletionRequest = paths['/referrals/{rid}/complete']['post']['requestBody']['content']['application/json']

t.test('referrals for a service', async (t) => {
  const { app, database, api } = await build(t)
  const lead = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'protection_officer')
  const psychosocial = await createOrganization(database, 'civil_society', 'Apoyo psicosocial')
  const psychologist = await createUser(database, 'ngo_caseworker', psychosocial)
  const legalAid = await createOrganization(database, 'legal_aid', 'Clínica jurídica')
  const attorney = await createUser(database, 'attorney', legalAid)
  const shelter = await createOrganization(database, 'civil_society', 'Albergue')
  const shelterWorker = await createUser(database, 'ngo_caseworker', shelter)
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'ngo_caseworker')

  const refer = (user: TestUser, caseId: string, body: ReferralRequest, headers: { 'idempotency-key'?: string } = {}) =>
    api(user).POST('/cases/{id}/referrals', { params: { path: { id: caseId }, header: headers }, body })
  const accept = (user: TestUser, rid: string) => api(user).POST('/referrals/{rid}/accept', { params: { path: { rid } } })
  const decline = (user: TestUser, rid: string, body: { reason?: string }) =>
    api(user).POST('/referrals/{rid}/decline', { params: { path: { rid } }, body })
  const complete = (user: TestUser, rid: string, body: CompletionRequest) =>
    api(user).POST('/referrals/{rid}/complete', { params: { path: { rid } }, body })
  const readCase = (user: TestUser, id: string) => api(user).GET('/cases/{id}', { params: { path: { id } } })
  const inbox = (user: TestUser, query: paths['/referrals']['get']['parameters']['query'] = {}) =>
    api(user).GET('/referrals', { params: { query } })
  const caseReferral = (user: TestUser, id: string, rid: string) =>
    api(user).GET('/cases/{id}/referrals/{rid}', { params: { path: { id, rid } } })
  const caseReferrals = (user: TestUser, id: string) => api(user).GET('/cases/{id}/referrals', { params: { path: { id } } })
  const idOf = (result: { data?: { id?: string }; response: Response }) => {
    if (!result.data?.id) throw new Error(`no record in an answer ${result.response.status}`)
    return result.data.id
  }

  const { input, markers } = fullCaseInput()
  const { legalStatus: _legalStatus, legal: _legal, ...creatable } = input
  const createdCase = await api(lead).POST('/cases', { body: creatable })
  t.equal(createdCase.response.status, 201, JSON.stringify(createdCase.error))
  const caseId = idOf(createdCase)
  const caseNumber = createdCase.data?.caseNumber
  const childRef = createdCase.data?.childRef
  const noteMarker = newMarker('referral note')
  t.equal(
    (await api(lead).POST('/cases/{id}/notes', { params: { path: { id: caseId } }, body: { body: noteMarker } })).response.status,
    201,
  )
  markers.set('notes.body', noteMarker)
  const consentResponse = await api(lead).POST('/cases/{id}/consents', {
    params: { path: { id: caseId } },
    body: { givenBy: 'child_and_guardian', scopes: ['share_with_organizations', 'services'] },
  })
  t.equal(consentResponse.response.status, 201, JSON.stringify(consentResponse.error))
  if (!consentResponse.data) throw new Error('POST /cases/{id}/consents answered no consent')
  const consent = consentResponse.data

  const referral = await refer(lead, caseId, {
    toOrganizationId: psychosocial,
    service: 'psychosocial',
    sections: ['demographics', 'health'],
    consentId: consent.id,
    respondBy: inDays(7),
  })
  t.equal(referral.response.status, 201, JSON.stringify(referral.error))
  const referralId = idOf(referral)

  await t.test('a referral answers 201 with a Location that reads it', async (t) => {
    t.equal(referral.response.headers.get('location'), `/cases/${caseId}/referrals/${referralId}`)
    t.match(referral.data, {
      caseId,
      caseNumber,
      childRef,
      fromOrganizationId: lead.organizationId,
      toOrganizationId: psychosocial,
      toOrganizationName: 'Apoyo psicosocial',
      service: 'psychosocial',
      sections: ['demographics', 'health'],
      consentId: consent.id,
      legalBasis: null,
      respondBy: inDays(7),
      status: 'pending',
      requestedBy: lead.id,
      decidedAt: null,
    })
    // The Location is that path (asserted above): read it through its documented template.
    const read = await caseReferral(lead, caseId, referralId)
    t.equal(read.response.status, 200, JSON.stringify(read.error))
    t.same(read.data, referral.data)
    const audit = await database.db
      .selectFrom('audit_events')
      .select(['actor_id', 'case_ids', 'target_organization_id'])
      .where('action', '=', 'referral.create')
      .where('outcome', '=', 'allowed')
      .execute()
    t.match(audit, [{ actor_id: lead.id, case_ids: [caseId], target_organization_id: psychosocial }])
    const history = await database.db
      .selectFrom('case_history')
      .select(['field', 'new_value'])
      .where('case_id', '=', caseId)
      .where('field', '=', 'case.leadOrganizationId')
      .execute()
    t.ok(
      history.some((entry) => (entry.new_value as { referralId?: string }).referralId === referralId),
      'the referral is in the case history',
    )
  })

  await t.test('before it accepts, the receiver sees a stub and nothing of the case', async (t) => {
    const path = { path: { id: caseId } }
    for (const [url, answer] of [
      [`/cases/${caseId}`, await readCase(psychologist, caseId)],
      [`/cases/${caseId}/referrals`, await caseReferrals(psychologist, caseId)],
      [`/cases/${caseId}/referrals/${referralId}`, await caseReferral(psychologist, caseId, referralId)],
      [`/cases/${caseId}/history`, await api(psychologist).GET('/cases/{id}/history', { params: path })],
      [`/cases/${caseId}/notes`, await api(psychologist).GET('/cases/{id}/notes', { params: path })],
    ] as const) {
      t.equal(answer.response.status, 404, url)
    }
    const cases = await api(psychologist).GET('/cases', { params: { query: { limit: 100 } } })
    t.notOk(
      (cases.data?.items ?? []).some((item) => item.id === caseId),
      'not in its case list',
    )
    const pending = await inbox(psychologist, { direction: 'incoming', status: 'pending' })
    t.equal(pending.response.status, 200, JSON.stringify(pending.error))
    const items = pending.data?.items ?? []
    t.equal(items.length, 1)
    t.same(Object.keys(items[0]!).sort(), [
      'caseId',
      'caseNumber',
      'childRef',
      'completedAt',
      'decidedAt',
      'endReason',
      'endedAt',
      'fromOrganizationId',
      'fromOrganizationName',
      'id',
      'outcome',
      'requestedAt',
      'respondBy',
      'sections',
      'service',
      'status',
      'toOrganizationId',
      'toOrganizationName',
    ])
    t.match(items[0], {
      id: referralId,
      caseNumber,
      childRef,
      service: 'psychosocial',
      sections: ['demographics', 'health'],
      fromOrganizationId: lead.organizationId,
      respondBy: inDays(7),
      status: 'pending',
    })
    const stub = await api(psychologist).GET('/referrals/{rid}', { params: { path: { rid: referralId } } })
    t.equal(stub.response.status, 200, JSON.stringify(stub.error))
    t.same(stub.data, items[0])
    const stubText = `${JSON.stringify(pending.data)}\n${JSON.stringify(stub.data)}`
    for (const { field, marker } of markersOutside(markers, [])) {
      t.notOk(stubText.includes(marker), `the stub carries nothing of ${field}`)
    }
    t.same((await inbox(psychologist, { direction: 'outgoing' })).data?.items, [], 'nothing outgoing')
    const outgoing = (await inbox(lead, { direction: 'outgoing' })).data?.items ?? []
    t.same(
      outgoing.map((item) => item.id),
      [referralId],
      'the sender’s outbox',
    )
  })

  await t.test('organisations neither sending nor receiving get 404, and no inbox entry', async (t) => {
    t.equal((await api(outsider).GET('/referrals/{rid}', { params: { path: { rid: referralId } } })).response.status, 404)
    t.same((await inbox(outsider)).data?.items, [])
    t.equal((await accept(outsider, referralId)).response.status, 404)
    t.equal((await decline(outsider, referralId, { reason: 'no' })).response.status, 404)
    t.equal((await caseReferrals(outsider, caseId)).response.status, 404)
    t.equal(
      (
        await refer(outsider, caseId, {
          toOrganizationId: shelter,
          service: 'shelter',
          sections: ['custody'],
          consentId: consent.id,
          respondBy: inDays(3),
        })
      ).response.status,
      404,
    )
  })

  await t.test('the sender may not answer its own referral', async (t) => {
    const { error, response } = await accept(lead, referralId)
    t.equal(response.status, 403, JSON.stringify(error))
    t.equal(error?.reason, 'not_receiver')
  })

  await t.test('after accepting, the receiver reads only the referred sections', async (t) => {
    const accepted = await accept(psychologist, referralId)
    t.equal(accepted.response.status, 200, JSON.stringify(accepted.error))
    t.match(accepted.data, { id: referralId, status: 'accepted', decidedBy: psychologist.id })
    const participationId = accepted.data?.participationId
    t.ok(participationId)
    const read = await readCase(psychologist, caseId)
    t.equal(read.response.status, 200, JSON.stringify(read.error))
    const body = read.data ?? {}
    const readText = JSON.stringify(read.data)
    t.ok(body.demographics && body.health, 'demographics and health are there')
    for (const section of ['identity', 'contact', 'protection', 'custody', 'legalStatus', 'legal'])
      t.notOk(section in body, `${section} is absent`)
    for (const { field, marker } of markersOutside(markers, ['demographics', 'health']))
      t.notOk(readText.includes(marker), `${field} is absent`)
    t.ok(readText.includes(markers.get('health.notes') ?? 'no marker'), 'the referred free text is there')
    t.equal(
      (await api(psychologist).GET('/cases/{id}/notes', { params: { path: { id: caseId } } })).response.status,
      403,
      'notes were not referred',
    )
    const history = await api(psychologist).GET('/cases/{id}/history', { params: { path: { id: caseId }, query: { limit: 100 } } })
    t.equal(history.response.status, 200)
    const historyText = JSON.stringify(history.data)
    for (const { field, marker } of markersOutside(markers, ['demographics', 'health']))
      t.notOk(historyText.includes(marker), `history: ${field} is absent`)
    const participants = (await api(lead).GET('/cases/{id}/participants', { params: { path: { id: caseId } } })).data?.items ?? []
    t.match(
      participants.find((item) => item.organizationId === psychosocial),
      { id: participationId, basis: 'consent', consentId: consent.id, sections: ['demographics', 'health'] },
    )
    const listed = await caseReferrals(psychologist, caseId)
    t.equal(listed.response.status, 200, JSON.stringify(listed.error))
    t.same(
      listed.data?.items.map((item) => item.id),
      [referralId],
    )
    const audit = await database.db
      .selectFrom('audit_events')
      .select(['actor_id', 'target_organization_id'])
      .where('action', '=', 'referral.accept')
      .where('outcome', '=', 'allowed')
      .execute()
    t.match(audit, [{ actor_id: psychologist.id, target_organization_id: psychosocial }])
  })

  await t.test('at every door of the case, the receiver meets only the referred sections', async (t) => {
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
    const urls = Object.entries(document.paths)
      .filter(
        ([path, operations]) =>
          'get' in operations &&
          (/^\/cases\/\{id\}(\/[a-z-]+)*$/.test(path) || ['/cases', '/referrals', '/alerts', '/tasks'].includes(path)),
      )
      .map(([path]) => path.replace('{id}', caseId))
    t.ok(urls.includes(`/cases/${caseId}/referrals`) && urls.includes(`/cases/${caseId}/history`), `${urls.length} doors`)
    const hidden = markersOutside(markers, ['demographics', 'health'])
    // Every GET door the document has, walked by URL: raw calls, as the paths are only known at run time.
    for (const url of urls) {
      const response = await app.inject({
        method: 'GET',
        url: url.includes('?') || !url.startsWith('/cases') ? url : `${url}?limit=100`,
        headers: psychologist.headers,
      })
      const text = `${JSON.stringify(response.headers)}\n${response.body}`
      const found = hidden.filter(({ marker }) => text.includes(marker)).map(({ field }) => field)
      t.same(found, [], `${url} (${response.statusCode})`)
    }
  })

  await t.test('a decided referral cannot be answered again', async (t) => {
    for (const [action, answer] of [
      ['accept', await accept(psychologist, referralId)],
      ['decline', await decline(psychologist, referralId, { reason: 'Sin cupo' })],
    ] as const) {
      t.equal(answer.response.status, 409, `${action}: ${JSON.stringify(answer.error)}`)
      t.equal(answer.error?.reason, 'referral_already_decided')
    }
  })

  await t.test('the receiver completes the service with an outcome', async (t) => {
    const completed = await complete(psychologist, referralId, { outcome: 'partially_provided' })
    t.equal(completed.response.status, 200, JSON.stringify(completed.error))
    t.match(completed.data, { status: 'completed', outcome: 'partially_provided', completedBy: psychologist.id })
    const notesRefused = await complete(psychologist, referralId, { outcome: 'provided' })
    t.equal(notesRefused.response.status, 409, 'completed once')
    t.equal(notesRefused.error?.reason, 'referral_not_accepted')
    t.equal((await readCase(psychologist, caseId)).response.status, 200, 'the participation lasts until it is ended')
  })

  await t.test('a referral not yet accepted cannot be completed; completion notes need section notes', async (t) => {
    const pending = await refer(lead, caseId, {
      toOrganizationId: shelter,
      service: 'shelter',
      sections: ['custody', 'contact'],
      consentId: consent.id,
      respondBy: inDays(2),
    })
    t.equal(pending.response.status, 201, JSON.stringify(pending.error))
    const pendingId = idOf(pending)
    const early = await complete(shelterWorker, pendingId, { outcome: 'provided' })
    t.equal(early.response.status, 409)
    t.equal(early.error?.reason, 'referral_not_accepted')
    t.equal((await accept(shelterWorker, pendingId)).response.status, 200)
    const withNotes = await complete(shelterWorker, pendingId, { outcome: 'provided', notes: 'Alojada tres semanas' })
    t.equal(withNotes.response.status, 403, JSON.stringify(withNotes.error))
    t.same(withNotes.error?.deniedFields, ['notes.notes'])
    const row = await database.db
      .selectFrom('referrals')
      .select(['status', 'completion_notes'])
      .where('id', '=', pendingId)
      .executeTakeFirstOrThrow()
    t.same(row, { status: 'accepted', completion_notes: null }, 'nothing changed')
  })

  await t.test('a decline needs a reason, and leaves the receiver outside the case', async (t) => {
    const response = await refer(lead, caseId, {
      toOrganizationId: legalAid,
      service: 'legal_representation',
      sections: ['identity', 'protection', 'notes'],
      consentId: consent.id,
      respondBy: inDays(5),
    })
    t.equal(response.response.status, 201, JSON.stringify(response.error))
    const id = idOf(response)
    for (const payload of [{}, { reason: '   ' }]) {
      const missing = await decline(attorney, id, payload)
      t.equal(missing.response.status, 422, JSON.stringify(missing.error))
      t.equal(missing.error?.reason, 'reason_required')
    }
    const reason = newMarker('decline reason')
    const declined = await decline(attorney, id, { reason })
    t.equal(declined.response.status, 200, JSON.stringify(declined.error))
    t.match(declined.data, { status: 'declined' })
    t.notOk(JSON.stringify(declined.data).includes(reason), 'the stub carries no free text')
    t.equal((await readCase(attorney, caseId)).response.status, 404)
    t.equal((await accept(attorney, id)).response.status, 409)
    const asLead = await caseReferral(lead, caseId, id)
    t.match(asLead.data, { status: 'declined', declineReason: reason, decidedBy: attorney.id })
    const declinedInbox = (await inbox(attorney, { status: 'declined' })).data?.items ?? []
    t.same(
      declinedInbox.map((item) => item.id),
      [id],
    )
    t.same((await inbox(attorney, { status: 'pending' })).data?.items, [])
  })

  await t.test('wrong requests are 422, roles that may not are 403, bad bodies 400', async (t) => {
    const base: ReferralRequest = {
      toOrganizationId: legalAid,
      service: 'legal_representation',
      sections: ['identity'],
      consentId: consent.id,
      respondBy: inDays(5),
    }
    const cases: [Partial<ReferralRequest>, string][] = [
      [{ sections: [] }, 'sections_required'],
      [{ sections: ['identity', 'case'] }, 'unknown_section'],
      [{ sections: ['secrets'] }, 'unknown_section'],
      [{ sections: ['identity', 'identity'] }, 'duplicate_section'],
      [{ respondBy: '2020-01-01' }, 'respond_by_in_past'],
      [{ respondBy: inDays(800) }, 'respond_by_too_far'],
      [{ consentId: undefined }, 'consent_required'],
      [{ toOrganizationId: lead.organizationId }, 'referral_to_self'],
      [{ toOrganizationId: migration.organizationId }, 'organization_cannot_receive_referrals'],
      [{ toOrganizationId: auditor.organizationId }, 'organization_cannot_participate'],
      [{ toOrganizationId: '0190a0b0-0000-7000-8000-000000000000' }, 'unknown_organization'],
    ]
    for (const [change, reason] of cases) {
      const response = await refer(lead, caseId, { ...base, ...change })
      t.equal(response.response.status, 422, `${reason}: ${JSON.stringify(response.error)}`)
      t.equal(response.error?.reason, reason)
    }
    const tracingOnly = await api(lead).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: { givenBy: 'child_assent', scopes: ['tracing'] },
    })
    const scope = await refer(lead, caseId, { ...base, consentId: idOf(tracingOnly) })
    t.equal(scope.response.status, 422)
    t.equal(scope.error?.reason, 'consent_scope_missing')
    const legalBasis = await refer(lead, caseId, { ...base, consentId: undefined, legalBasis: { code: 'protection_measure' } })
    t.equal(legalBasis.response.status, 403)
    t.equal(legalBasis.error?.reason, 'legal_basis_requires_protection_officer')
    const migrationCase = idOf(await api(migration).POST('/cases', { body: { riskLevel: 'low' } }))
    const migrationRefers = await refer(migration, migrationCase, {
      ...base,
      consentId: undefined,
      legalBasis: { code: 'migration_law_handover' },
    })
    t.equal(migrationRefers.response.status, 403, JSON.stringify(migrationRefers.error))
    t.equal((await refer(auditor, caseId, base)).response.status, 403, 'oversight reaches the case but refers nothing')
    const already = await refer(lead, caseId, { ...base, toOrganizationId: psychosocial, service: 'health' })
    t.equal(already.response.status, 409)
    t.equal(already.error?.reason, 'already_participant')
    // What the document forbids (an unknown service, an unknown field, an unknown outcome or direction):
    // only raw calls can send it.
    const raw = (method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: lead.headers, ...(payload ? { payload } : {}) })
    t.equal((await raw('POST', `/cases/${caseId}/referrals`, { ...base, service: 'haircut' })).statusCode, 400)
    t.equal((await refer(lead, caseId, { ...base, respondBy: '99999-01-01' })).response.status, 400)
    t.equal((await refer(lead, caseId, { ...base, legalBasis: { code: 'court_order' } })).response.status, 400, 'both grounds')
    t.equal((await raw('POST', `/cases/${caseId}/referrals`, { ...base, extra: true })).statusCode, 400)
    const maybe = await app.inject({
      method: 'POST',
      url: `/referrals/${referralId}/complete`,
      headers: attorney.headers,
      payload: { outcome: 'maybe' },
    })
    t.equal(maybe.statusCode, 400)
    t.equal((await raw('GET', '/referrals?direction=sideways')).statusCode, 400)
    t.equal((await inbox(lead, { cursor: 'bad' })).response.status, 400)
    const denied = await database.db
      .selectFrom('audit_events')
      .select('reason')
      .where('action', '=', 'referral.create')
      .where('outcome', '=', 'denied')
      .execute()
    t.ok(
      denied.some((event) => event.reason === 'respond_by_in_past'),
      'refusals are in the audit trail',
    )
  })

  await t.test('a sender may only pass on sections its organisation may read', async (t) => {
    // The psychosocial organisation takes part with demographics and health only.
    const psychConsent = consent.id
    const response = await refer(psychologist, caseId, {
      toOrganizationId: shelter,
      service: 'shelter',
      sections: ['health', 'identity'],
      consentId: psychConsent,
      respondBy: inDays(5),
    })
    t.equal(response.response.status, 422, JSON.stringify(response.error))
    t.equal(response.error?.reason, 'section_not_covered')
    t.same(response.error?.sections, ['identity'])
  })

  await t.test('a protection officer refers on a legal basis; the citation is for readers of legal only', async (t) => {
    const ownCase = idOf(await api(officer).POST('/cases', { body: { riskLevel: 'high', identity: { givenName: 'Ana' } } }))
    t.equal(
      (
        await api(officer).POST('/cases/{id}/participants', {
          params: { path: { id: ownCase } },
          body: { organizationId: migration.organizationId, legalBasis: { code: 'migration_law_handover' } },
        })
      ).response.status,
      201,
    )
    const citation = newMarker('referral citation')
    const response = await refer(officer, ownCase, {
      toOrganizationId: legalAid,
      service: 'legal_representation',
      sections: ['identity', 'legal'],
      legalBasis: { code: 'protection_measure', citation },
      respondBy: inDays(1),
    })
    t.equal(response.response.status, 201, JSON.stringify(response.error))
    t.match(response.data, { consentId: null, legalBasis: { code: 'protection_measure', citation } })
    const asMigration = await caseReferrals(migration, ownCase)
    t.equal(asMigration.response.status, 200, JSON.stringify(asMigration.error))
    t.match(asMigration.data?.items, [{ legalBasis: { code: 'protection_measure' } }])
    t.notOk(JSON.stringify(asMigration.data).includes(citation), 'no citation for the migration officer')
    const asAuditor = await caseReferrals(auditor, ownCase)
    t.equal(asAuditor.response.status, 200)
    t.notOk(JSON.stringify(asAuditor.data).includes(citation), 'no citation for oversight')
    const stub = await api(attorney).GET('/referrals/{rid}', { params: { path: { rid: idOf(response) } } })
    t.notOk(JSON.stringify(stub.data ?? stub.error).includes(citation), 'no citation in the stub')
    const accepted = await accept(attorney, idOf(response))
    t.equal(accepted.response.status, 200, JSON.stringify(accepted.error))
    t.match(accepted.data, { legalBasis: { code: 'protection_measure', citation } }, 'the receiver reads legal now')
    const participants = (await api(officer).GET('/cases/{id}/participants', { params: { path: { id: ownCase } } })).data?.items ?? []
    t.match(
      participants.find((item) => item.organizationId === legalAid),
      { basis: 'legal_basis', legalBasis: { code: 'protection_measure', citation }, sections: ['identity', 'legal'] },
    )
  })

  await t.test('of concurrent answers to one referral exactly one wins', async (t) => {
    const raceOrganization = await createOrganization(database, 'civil_society')
    const workers = [
      await createUser(database, 'ngo_caseworker', raceOrganization),
      await createUser(database, 'ngo_caseworker', raceOrganization),
    ]
    const response = await refer(lead, caseId, {
      toOrganizationId: raceOrganization,
      service: 'education',
      sections: ['demographics'],
      consentId: consent.id,
      respondBy: inDays(4),
    })
    t.equal(response.response.status, 201)
    const id = idOf(response)
    const results = await Promise.all([
      accept(workers[0]!, id),
      accept(workers[1]!, id),
      decline(workers[0]!, id, { reason: 'Sin cupo' }),
      accept(workers[1]!, id),
    ])
    const codes = results.map((result) => result.response.status)
    t.equal(codes.filter((code) => code === 200).length, 1, `one wins: ${codes.join(',')}`)
    t.equal(codes.filter((code) => code === 409).length, 3)
    const participations = await database.db
      .selectFrom('case_participants')
      .select('id')
      .where('case_id', '=', caseId)
      .where('organization_id', '=', raceOrganization)
      .execute()
    const status = (await database.db.selectFrom('referrals').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
    t.equal(participations.length, status === 'accepted' ? 1 : 0, `${status}: participations match`)

    const clinic = await createOrganization(database, 'civil_society')
    const twice = await Promise.all(
      [1, 2].map(() =>
        refer(lead, caseId, {
          toOrganizationId: clinic,
          service: 'health',
          sections: ['health'],
          consentId: consent.id,
          respondBy: inDays(4),
        }),
      ),
    )
    t.same(twice.map((result) => result.response.status).sort(), [201, 409], 'one pending referral per receiver')
    t.equal(twice.find((result) => result.response.status === 409)?.error?.reason, 'referral_pending')
  })

  await t.test('a retried referral with the same Idempotency-Key is made once', async (t) => {
    const interpreters = await createOrganization(database, 'civil_society', 'Intérpretes')
    const payload: ReferralRequest = {
      toOrganizationId: interpreters,
      service: 'interpretation',
      sections: ['demographics'],
      consentId: consent.id,
      respondBy: inDays(3),
    }
    const headers = { 'idempotency-key': 'referral-retry-0001' }
    const first = await refer(lead, caseId, payload, headers)
    const second = await refer(lead, caseId, payload, headers)
    t.equal(first.response.status, 201, JSON.stringify(first.error))
    t.equal(second.response.status, 201, JSON.stringify(second.error))
    t.equal(second.response.headers.get('idempotent-replayed'), 'true')
    t.equal(second.data?.id, first.data?.id)
    t.equal(second.response.headers.get('location'), first.response.headers.get('location'))
    const rows = await database.db.selectFrom('referrals').select('id').where('to_organization_id', '=', interpreters).execute()
    t.equal(rows.length, 1)
  })

  await t.test('withdrawing the consent ends the pending referrals and the participations resting on it', async (t) => {
    const family = await createOrganization(database, 'civil_society', 'Restablecimiento de contacto')
    const tracer = await createUser(database, 'ngo_caseworker', family)
    const pending = await refer(lead, caseId, {
      toOrganizationId: family,
      service: 'family_tracing',
      sections: ['contact'],
      consentId: consent.id,
      respondBy: inDays(6),
    })
    t.equal(pending.response.status, 201, JSON.stringify(pending.error))
    const pendingId = idOf(pending)
    const current = await api(lead).GET('/cases/{id}/consents/{consentId}', { params: { path: { id: caseId, consentId: consent.id } } })
    const withdrawn = await api(lead).PATCH('/cases/{id}/consents/{consentId}', {
      params: { path: { id: caseId, consentId: consent.id }, header: { 'if-match': `"${current.data?.version}"` } },
      body: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(withdrawn.response.status, 200, JSON.stringify(withdrawn.error))

    const ended = await caseReferral(lead, caseId, pendingId)
    t.match(ended.data, { status: 'ended', endReason: 'consent_withdrawn' })
    const accepted = await accept(tracer, pendingId)
    t.equal(accepted.response.status, 409, JSON.stringify(accepted.error))
    const tracerInbox = (await inbox(tracer)).data?.items
    t.match(tracerInbox, [{ status: 'ended', endReason: 'consent_withdrawn' }])

    const first = await caseReferral(lead, caseId, referralId)
    t.match(first.data, { status: 'completed' }, 'a completed referral stays completed')
    t.equal((await readCase(psychologist, caseId)).response.status, 404, 'its participation ended with the consent')
    const shelterReferral = (await caseReferrals(lead, caseId)).data?.items.find((item) => item.toOrganizationId === shelter)
    t.match(shelterReferral, { status: 'ended', endReason: 'participation_ended' }, 'an accepted referral ends with its participation')
    t.equal((await readCase(shelterWorker, caseId)).response.status, 404)
    t.equal((await complete(shelterWorker, shelterReferral?.id ?? 'no referral', { outcome: 'provided' })).response.status, 409)

    const again = await refer(lead, caseId, {
      toOrganizationId: family,
      service: 'family_tracing',
      sections: ['contact'],
      consentId: consent.id,
      respondBy: inDays(6),
    })
    t.equal(again.response.status, 422)
    t.equal(again.error?.reason, 'consent_withdrawn')
    const history = await database.db
      .selectFrom('case_history')
      .select('new_value')
      .where('case_id', '=', caseId)
      .where('field', '=', 'case.leadOrganizationId')
      .execute()
    t.ok(
      history.some(
        (entry) =>
          (entry.new_value as { referralId?: string; status?: string }).referralId === pendingId &&
          (entry.new_value as { status: string }).status === 'ended',
      ),
    )
  })

  await t.test('inboxes page by cursor', async (t) => {
    const all = (await inbox(lead, { direction: 'outgoing', limit: 100 })).data?.items ?? []
    t.ok(all.length >= 4)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const { data: page } = await inbox(lead, { direction: 'outgoing', limit: 2, ...(cursor ? { cursor } : {}) })
      seen.push(...(page?.items ?? []).map((item) => item.id))
      cursor = page?.nextCursor ?? null
    } while (cursor)
    t.same(
      seen,
      all.map((item) => item.id),
    )
  })
})

import t from 'tap'
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

t.test('referrals for a service', async (t) => {
  const { app, database } = await build(t)
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

  const send = (user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload ? { payload } : {}) })
  const refer = (user: TestUser, caseId: string, payload: Record<string, unknown>) =>
    send(user, 'POST', `/cases/${caseId}/referrals`, payload)
  const answer = (user: TestUser, referralId: string, action: 'accept' | 'decline' | 'complete', payload?: object) =>
    send(user, 'POST', `/referrals/${referralId}/${action}`, payload)

  const { input, markers } = fullCaseInput()
  const { legalStatus: _legalStatus, legal: _legal, ...creatable } = input
  const createdCase = await send(lead, 'POST', '/cases', creatable)
  t.equal(createdCase.statusCode, 201, createdCase.body)
  const caseId = createdCase.json().id as string
  const caseNumber = createdCase.json().caseNumber as string
  const childRef = createdCase.json().childRef as string
  const noteMarker = newMarker('referral note')
  t.equal((await send(lead, 'POST', `/cases/${caseId}/notes`, { body: noteMarker })).statusCode, 201)
  markers.set('notes.body', noteMarker)
  const consentResponse = await send(lead, 'POST', `/cases/${caseId}/consents`, {
    givenBy: 'child_and_guardian',
    scopes: ['share_with_organizations', 'services'],
  })
  t.equal(consentResponse.statusCode, 201, consentResponse.body)
  const consent = consentResponse.json() as { id: string; version: number }

  const referral = await refer(lead, caseId, {
    toOrganizationId: psychosocial,
    service: 'psychosocial',
    sections: ['demographics', 'health'],
    consentId: consent.id,
    respondBy: inDays(7),
  })
  t.equal(referral.statusCode, 201, referral.body)
  const referralId = referral.json().id as string

  await t.test('a referral answers 201 with a Location that reads it', async (t) => {
    t.equal(referral.headers.location, `/cases/${caseId}/referrals/${referralId}`)
    t.match(referral.json(), {
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
    const read = await send(lead, 'GET', referral.headers.location as string)
    t.equal(read.statusCode, 200, read.body)
    t.same(read.json(), referral.json())
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
    for (const url of [
      `/cases/${caseId}`,
      `/cases/${caseId}/referrals`,
      `/cases/${caseId}/referrals/${referralId}`,
      `/cases/${caseId}/history`,
      `/cases/${caseId}/notes`,
    ]) {
      t.equal((await send(psychologist, 'GET', url)).statusCode, 404, url)
    }
    const cases = await send(psychologist, 'GET', '/cases?limit=100')
    t.notOk(
      (cases.json().items as { id: string }[]).some((item) => item.id === caseId),
      'not in its case list',
    )
    const inbox = await send(psychologist, 'GET', '/referrals?direction=incoming&status=pending')
    t.equal(inbox.statusCode, 200, inbox.body)
    const items = inbox.json().items as Record<string, unknown>[]
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
    const stub = await send(psychologist, 'GET', `/referrals/${referralId}`)
    t.equal(stub.statusCode, 200, stub.body)
    t.same(stub.json(), items[0])
    for (const { field, marker } of markersOutside(markers, [])) {
      t.notOk(inbox.body.includes(marker) || stub.body.includes(marker), `the stub carries nothing of ${field}`)
    }
    t.same((await send(psychologist, 'GET', '/referrals?direction=outgoing')).json().items, [], 'nothing outgoing')
    const outgoing = (await send(lead, 'GET', '/referrals?direction=outgoing')).json().items as { id: string }[]
    t.same(
      outgoing.map((item) => item.id),
      [referralId],
      'the sender’s outbox',
    )
  })

  await t.test('organisations neither sending nor receiving get 404, and no inbox entry', async (t) => {
    t.equal((await send(outsider, 'GET', `/referrals/${referralId}`)).statusCode, 404)
    t.same((await send(outsider, 'GET', '/referrals')).json().items, [])
    t.equal((await answer(outsider, referralId, 'accept')).statusCode, 404)
    t.equal((await answer(outsider, referralId, 'decline', { reason: 'no' })).statusCode, 404)
    t.equal((await send(outsider, 'GET', `/cases/${caseId}/referrals`)).statusCode, 404)
    t.equal(
      (
        await refer(outsider, caseId, {
          toOrganizationId: shelter,
          service: 'shelter',
          sections: ['custody'],
          consentId: consent.id,
          respondBy: inDays(3),
        })
      ).statusCode,
      404,
    )
  })

  await t.test('the sender may not answer its own referral', async (t) => {
    const response = await answer(lead, referralId, 'accept')
    t.equal(response.statusCode, 403, response.body)
    t.equal(response.json().reason, 'not_receiver')
  })

  await t.test('after accepting, the receiver reads only the referred sections', async (t) => {
    const accepted = await answer(psychologist, referralId, 'accept')
    t.equal(accepted.statusCode, 200, accepted.body)
    t.match(accepted.json(), { id: referralId, status: 'accepted', decidedBy: psychologist.id })
    const participationId = accepted.json().participationId as string
    t.ok(participationId)
    const read = await send(psychologist, 'GET', `/cases/${caseId}`)
    t.equal(read.statusCode, 200, read.body)
    const body = read.json()
    t.ok(body.demographics && body.health, 'demographics and health are there')
    for (const section of ['identity', 'contact', 'protection', 'custody', 'legalStatus', 'legal'])
      t.notOk(section in body, `${section} is absent`)
    for (const { field, marker } of markersOutside(markers, ['demographics', 'health']))
      t.notOk(read.body.includes(marker), `${field} is absent`)
    t.ok(read.body.includes(markers.get('health.notes') as string), 'the referred free text is there')
    t.equal((await send(psychologist, 'GET', `/cases/${caseId}/notes`)).statusCode, 403, 'notes were not referred')
    const history = await send(psychologist, 'GET', `/cases/${caseId}/history?limit=100`)
    t.equal(history.statusCode, 200)
    for (const { field, marker } of markersOutside(markers, ['demographics', 'health']))
      t.notOk(history.body.includes(marker), `history: ${field} is absent`)
    const participants = (await send(lead, 'GET', `/cases/${caseId}/participants`)).json().items as {
      id: string
      organizationId: string
      basis: string
      sections: string[] | null
      consentId: string | null
    }[]
    t.match(
      participants.find((item) => item.organizationId === psychosocial),
      { id: participationId, basis: 'consent', consentId: consent.id, sections: ['demographics', 'health'] },
    )
    const caseReferrals = await send(psychologist, 'GET', `/cases/${caseId}/referrals`)
    t.equal(caseReferrals.statusCode, 200, caseReferrals.body)
    t.same(
      (caseReferrals.json().items as { id: string }[]).map((item) => item.id),
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
    for (const url of urls) {
      const response = await send(psychologist, 'GET', url.includes('?') || !url.startsWith('/cases') ? url : `${url}?limit=100`)
      const text = `${JSON.stringify(response.headers)}\n${response.body}`
      const found = hidden.filter(({ marker }) => text.includes(marker)).map(({ field }) => field)
      t.same(found, [], `${url} (${response.statusCode})`)
    }
  })

  await t.test('a decided referral cannot be answered again', async (t) => {
    for (const [action, payload] of [
      ['accept', undefined],
      ['decline', { reason: 'Sin cupo' }],
    ] as const) {
      const response = await answer(psychologist, referralId, action, payload)
      t.equal(response.statusCode, 409, response.body)
      t.equal(response.json().reason, 'referral_already_decided')
    }
  })

  await t.test('the receiver completes the service with an outcome', async (t) => {
    const completed = await answer(psychologist, referralId, 'complete', { outcome: 'partially_provided' })
    t.equal(completed.statusCode, 200, completed.body)
    t.match(completed.json(), { status: 'completed', outcome: 'partially_provided', completedBy: psychologist.id })
    const notesRefused = await answer(psychologist, referralId, 'complete', { outcome: 'provided' })
    t.equal(notesRefused.statusCode, 409, 'completed once')
    t.equal(notesRefused.json().reason, 'referral_not_accepted')
    t.equal((await send(psychologist, 'GET', `/cases/${caseId}`)).statusCode, 200, 'the participation lasts until it is ended')
  })

  await t.test('a referral not yet accepted cannot be completed; completion notes need section notes', async (t) => {
    const pending = await refer(lead, caseId, {
      toOrganizationId: shelter,
      service: 'shelter',
      sections: ['custody', 'contact'],
      consentId: consent.id,
      respondBy: inDays(2),
    })
    t.equal(pending.statusCode, 201, pending.body)
    const early = await answer(shelterWorker, pending.json().id, 'complete', { outcome: 'provided' })
    t.equal(early.statusCode, 409)
    t.equal(early.json().reason, 'referral_not_accepted')
    t.equal((await answer(shelterWorker, pending.json().id, 'accept')).statusCode, 200)
    const withNotes = await answer(shelterWorker, pending.json().id, 'complete', { outcome: 'provided', notes: 'Alojada tres semanas' })
    t.equal(withNotes.statusCode, 403, withNotes.body)
    t.same(withNotes.json().deniedFields, ['notes.notes'])
    const row = await database.db
      .selectFrom('referrals')
      .select(['status', 'completion_notes'])
      .where('id', '=', pending.json().id)
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
    t.equal(response.statusCode, 201, response.body)
    const id = response.json().id as string
    for (const payload of [{}, { reason: '   ' }]) {
      const missing = await answer(attorney, id, 'decline', payload)
      t.equal(missing.statusCode, 422, missing.body)
      t.equal(missing.json().reason, 'reason_required')
    }
    const reason = newMarker('decline reason')
    const declined = await answer(attorney, id, 'decline', { reason })
    t.equal(declined.statusCode, 200, declined.body)
    t.match(declined.json(), { status: 'declined' })
    t.notOk(declined.body.includes(reason), 'the stub carries no free text')
    t.equal((await send(attorney, 'GET', `/cases/${caseId}`)).statusCode, 404)
    t.equal((await answer(attorney, id, 'accept')).statusCode, 409)
    const asLead = await send(lead, 'GET', `/cases/${caseId}/referrals/${id}`)
    t.match(asLead.json(), { status: 'declined', declineReason: reason, decidedBy: attorney.id })
    const declinedInbox = (await send(attorney, 'GET', '/referrals?status=declined')).json().items as { id: string }[]
    t.same(
      declinedInbox.map((item) => item.id),
      [id],
    )
    t.same((await send(attorney, 'GET', '/referrals?status=pending')).json().items, [])
  })

  await t.test('wrong requests are 422, roles that may not are 403, bad bodies 400', async (t) => {
    const base = {
      toOrganizationId: legalAid,
      service: 'legal_representation',
      sections: ['identity'],
      consentId: consent.id,
      respondBy: inDays(5),
    }
    const cases: [Record<string, unknown>, string][] = [
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
      t.equal(response.statusCode, 422, `${reason}: ${response.body}`)
      t.equal(response.json().reason, reason)
    }
    const tracingOnly = (await send(lead, 'POST', `/cases/${caseId}/consents`, { givenBy: 'child_assent', scopes: ['tracing'] })).json().id
    const scope = await refer(lead, caseId, { ...base, consentId: tracingOnly })
    t.equal(scope.statusCode, 422)
    t.equal(scope.json().reason, 'consent_scope_missing')
    const legalBasis = await refer(lead, caseId, { ...base, consentId: undefined, legalBasis: { code: 'protection_measure' } })
    t.equal(legalBasis.statusCode, 403)
    t.equal(legalBasis.json().reason, 'legal_basis_requires_protection_officer')
    const migrationCase = (await send(migration, 'POST', '/cases', { riskLevel: 'low' })).json().id as string
    const migrationRefers = await refer(migration, migrationCase, {
      ...base,
      consentId: undefined,
      legalBasis: { code: 'migration_law_handover' },
    })
    t.equal(migrationRefers.statusCode, 403, migrationRefers.body)
    t.equal((await refer(auditor, caseId, base)).statusCode, 403, 'oversight reaches the case but refers nothing')
    const already = await refer(lead, caseId, { ...base, toOrganizationId: psychosocial, service: 'health' })
    t.equal(already.statusCode, 409)
    t.equal(already.json().reason, 'already_participant')
    t.equal((await refer(lead, caseId, { ...base, service: 'haircut' })).statusCode, 400)
    t.equal((await refer(lead, caseId, { ...base, respondBy: '99999-01-01' })).statusCode, 400)
    t.equal((await refer(lead, caseId, { ...base, legalBasis: { code: 'court_order' } })).statusCode, 400, 'both grounds')
    t.equal((await refer(lead, caseId, { ...base, extra: true })).statusCode, 400)
    t.equal((await answer(attorney, referralId, 'complete', { outcome: 'maybe' })).statusCode, 400)
    t.equal((await send(lead, 'GET', '/referrals?direction=sideways')).statusCode, 400)
    t.equal((await send(lead, 'GET', '/referrals?cursor=bad')).statusCode, 400)
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
    t.equal(response.statusCode, 422, response.body)
    t.equal(response.json().reason, 'section_not_covered')
    t.same(response.json().sections, ['identity'])
  })

  await t.test('a protection officer refers on a legal basis; the citation is for readers of legal only', async (t) => {
    const ownCase = (await send(officer, 'POST', '/cases', { riskLevel: 'high', identity: { givenName: 'Ana' } })).json().id as string
    t.equal(
      (
        await send(officer, 'POST', `/cases/${ownCase}/participants`, {
          organizationId: migration.organizationId,
          legalBasis: { code: 'migration_law_handover' },
        })
      ).statusCode,
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
    t.equal(response.statusCode, 201, response.body)
    t.match(response.json(), { consentId: null, legalBasis: { code: 'protection_measure', citation } })
    const asMigration = await send(migration, 'GET', `/cases/${ownCase}/referrals`)
    t.equal(asMigration.statusCode, 200, asMigration.body)
    t.match(asMigration.json().items, [{ legalBasis: { code: 'protection_measure' } }])
    t.notOk(asMigration.body.includes(citation), 'no citation for the migration officer')
    const asAuditor = await send(auditor, 'GET', `/cases/${ownCase}/referrals`)
    t.equal(asAuditor.statusCode, 200)
    t.notOk(asAuditor.body.includes(citation), 'no citation for oversight')
    const stub = await send(attorney, 'GET', `/referrals/${response.json().id}`)
    t.notOk(stub.body.includes(citation), 'no citation in the stub')
    const accepted = await answer(attorney, response.json().id, 'accept')
    t.equal(accepted.statusCode, 200, accepted.body)
    t.match(accepted.json(), { legalBasis: { code: 'protection_measure', citation } }, 'the receiver reads legal now')
    const participants = (await send(officer, 'GET', `/cases/${ownCase}/participants`)).json().items as {
      organizationId: string
      basis: string
      legalBasis: unknown
      sections: string[]
    }[]
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
    t.equal(response.statusCode, 201)
    const id = response.json().id as string
    const results = await Promise.all([
      answer(workers[0]!, id, 'accept'),
      answer(workers[1]!, id, 'accept'),
      answer(workers[0]!, id, 'decline', { reason: 'Sin cupo' }),
      answer(workers[1]!, id, 'accept'),
    ])
    const codes = results.map((result) => result.statusCode)
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
    t.same(twice.map((result) => result.statusCode).sort(), [201, 409], 'one pending referral per receiver')
    t.equal(twice.find((result) => result.statusCode === 409)?.json().reason, 'referral_pending')
  })

  await t.test('a retried referral with the same Idempotency-Key is made once', async (t) => {
    const interpreters = await createOrganization(database, 'civil_society', 'Intérpretes')
    const payload = {
      toOrganizationId: interpreters,
      service: 'interpretation',
      sections: ['demographics'],
      consentId: consent.id,
      respondBy: inDays(3),
    }
    const headers = { 'idempotency-key': 'referral-retry-0001' }
    const first = await send(lead, 'POST', `/cases/${caseId}/referrals`, payload, headers)
    const second = await send(lead, 'POST', `/cases/${caseId}/referrals`, payload, headers)
    t.equal(first.statusCode, 201, first.body)
    t.equal(second.statusCode, 201, second.body)
    t.equal(second.headers['idempotent-replayed'], 'true')
    t.equal(second.json().id, first.json().id)
    t.equal(second.headers.location, first.headers.location)
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
    t.equal(pending.statusCode, 201, pending.body)
    const current = (await send(lead, 'GET', `/cases/${caseId}/consents/${consent.id}`)).json() as { version: number }
    const withdrawn = await send(
      lead,
      'PATCH',
      `/cases/${caseId}/consents/${consent.id}`,
      { withdrawnAt: new Date().toISOString() },
      { 'if-match': `"${current.version}"` },
    )
    t.equal(withdrawn.statusCode, 200, withdrawn.body)

    const ended = await send(lead, 'GET', `/cases/${caseId}/referrals/${pending.json().id}`)
    t.match(ended.json(), { status: 'ended', endReason: 'consent_withdrawn' })
    const accept = await answer(tracer, pending.json().id, 'accept')
    t.equal(accept.statusCode, 409, accept.body)
    const inbox = (await send(tracer, 'GET', '/referrals')).json().items as { status: string }[]
    t.match(inbox, [{ status: 'ended', endReason: 'consent_withdrawn' }])

    const first = await send(lead, 'GET', `/cases/${caseId}/referrals/${referralId}`)
    t.match(first.json(), { status: 'completed' }, 'a completed referral stays completed')
    t.equal((await send(psychologist, 'GET', `/cases/${caseId}`)).statusCode, 404, 'its participation ended with the consent')
    const shelterReferral = (await send(lead, 'GET', `/cases/${caseId}/referrals`))
      .json()
      .items.find((item: { toOrganizationId: string }) => item.toOrganizationId === shelter)
    t.match(shelterReferral, { status: 'ended', endReason: 'participation_ended' }, 'an accepted referral ends with its participation')
    t.equal((await send(shelterWorker, 'GET', `/cases/${caseId}`)).statusCode, 404)
    t.equal((await answer(shelterWorker, shelterReferral.id, 'complete', { outcome: 'provided' })).statusCode, 409)

    const again = await refer(lead, caseId, {
      toOrganizationId: family,
      service: 'family_tracing',
      sections: ['contact'],
      consentId: consent.id,
      respondBy: inDays(6),
    })
    t.equal(again.statusCode, 422)
    t.equal(again.json().reason, 'consent_withdrawn')
    const history = await database.db
      .selectFrom('case_history')
      .select('new_value')
      .where('case_id', '=', caseId)
      .where('field', '=', 'case.leadOrganizationId')
      .execute()
    t.ok(
      history.some(
        (entry) =>
          (entry.new_value as { referralId?: string; status?: string }).referralId === pending.json().id &&
          (entry.new_value as { status: string }).status === 'ended',
      ),
    )
  })

  await t.test('inboxes page by cursor', async (t) => {
    const all = (await send(lead, 'GET', '/referrals?direction=outgoing&limit=100')).json().items as { id: string }[]
    t.ok(all.length >= 4)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await send(lead, 'GET', `/referrals?direction=outgoing&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
    } while (cursor)
    t.same(
      seen,
      all.map((item) => item.id),
    )
  })
})

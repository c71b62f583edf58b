// Transfers (PRODUCT.md, "Object scope, and how a case moves between agencies"): the migration
// officer's hand-over to child protection, transfers of responsibility, accept and decline (one
// wins of two concurrent decisions), the receiver's reads from the request on, the end of a
// participation, and what a withdrawn consent ends. Runs on PGlite and on PostgreSQL. Calls go
// through the client generated from openapi.yaml (build's `api`): a drift from the document fails
// tsc or the test; app.inject only where a call breaks the document on purpose.
import t from 'tap'
import type { components, paths } from '../helpers/api-types.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

type NewCase = components['schemas']['NewCase']
type TransferRequest = paths['/cases/{id}/transfers']['post']['requestBody']['content']['application/json']
type ConsentScope = components['schemas']['NewConsent']['scopes'][number]
type Participant = components['schemas']['Participant']
type Problem = components['schemas']['Problem']

t.test('transfers between agencies', async (t) => {
  const { app, database, api } = await build(t)
  const inm = await createOrganization(database, 'migration_authority', 'INM (transfers)')
  const migration = await createUser(database, 'migration_officer', inm)
  const migrationColleague = await createUser(database, 'migration_officer', inm)
  const procuraduria = await createOrganization(database, 'child_protection_authority', 'Procuraduría (transfers)')
  const officer = await createUser(database, 'protection_officer', procuraduria)
  const otherProcuraduria = await createUser(
    database,
    'protection_officer',
    await createOrganization(database, 'child_protection_authority'),
  )
  const ngoOrganization = await createOrganization(database, 'civil_society', 'NGO (transfers)')
  const ngo = await createUser(database, 'ngo_caseworker', ngoOrganization)
  const shelter = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society', 'Shelter (transfers)'))
  const attorney = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid'))
  const outsider = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')
  const admin = await createUser(database, 'system_admin')

  const openCase = async (user: TestUser, extra: Partial<NewCase> = {}) => {
    const { data, error, response } = await api(user).POST('/cases', {
      body: {
        riskLevel: 'high',
        demographics: { sex: 'female', nationality: 'HN', separationStatus: 'unaccompanied' },
        identity: { givenName: 'Daniela' },
        ...extra,
      },
    })
    t.equal(response.status, 201, JSON.stringify(error))
    if (!data?.id) throw new Error('POST /cases answered no id')
    return data.id
  }
  const transfer = (user: TestUser, caseId: string, body: TransferRequest) =>
    api(user).POST('/cases/{id}/transfers', { params: { path: { id: caseId } }, body })
  const accept = (user: TestUser, tid: string) => api(user).POST('/transfers/{tid}/accept', { params: { path: { tid } } })
  const decline = (user: TestUser, tid: string, body: { reason?: string }) =>
    api(user).POST('/transfers/{tid}/decline', { params: { path: { tid } }, body })
  const readCase = (user: TestUser, caseId: string) => api(user).GET('/cases/{id}', { params: { path: { id: caseId } } })
  const readStatus = async (user: TestUser, caseId: string) => (await readCase(user, caseId)).response.status
  const inbox = (user: TestUser, query: paths['/transfers']['get']['parameters']['query']) =>
    api(user).GET('/transfers', { params: { query } })
  const consentOf = async (user: TestUser, caseId: string, scopes: ConsentScope[] = ['share_with_organizations']) => {
    const { data, error, response } = await api(user).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: { givenBy: 'child_and_guardian', scopes },
    })
    t.equal(response.status, 201, JSON.stringify(error))
    if (!data) throw new Error('POST /cases/{id}/consents answered no consent')
    return data
  }
  const withdraw = async (user: TestUser, caseId: string, consent: { id: string; version: number }) => {
    const { error, response } = await api(user).PATCH('/cases/{id}/consents/{consentId}', {
      params: { path: { id: caseId, consentId: consent.id }, header: { 'if-match': `"${consent.version}"` } },
      body: { withdrawnAt: new Date().toISOString() },
    })
    t.equal(response.status, 200, JSON.stringify(error))
  }
  const participants = async (user: TestUser, caseId: string) => {
    const { data, error, response } = await api(user).GET('/cases/{id}/participants', {
      params: { path: { id: caseId }, query: { limit: 100 } },
    })
    t.equal(response.status, 200, JSON.stringify(error))
    return data?.items ?? []
  }
  const live = (items: Participant[], organizationId: string) =>
    items.filter((item) => item.organizationId === organizationId && item.endedAt === null)
  const expectRefusal = (result: { error?: Problem; response: Response }, status: number, reason?: string) => {
    t.equal(result.response.status, status, JSON.stringify(result.error))
    t.equal(result.error?.type?.startsWith('urn:atd:problem:'), true)
    if (reason) t.equal(result.error?.reason, reason)
  }
  const idOf = (result: { data?: { id: string } }) => {
    if (!result.data) throw new Error('no record in the answer')
    return result.data.id
  }

  const handed = await openCase(migration)
  let handover: NonNullable<Awaited<ReturnType<typeof transfer>>['data']> | undefined
  let handoverId = ''

  await t.test('before the hand-over the Procuraduría cannot reach the case', async (t) => {
    t.equal(await readStatus(officer, handed), 404)
  })

  await t.test('a migration officer hands over only to a child-protection authority, on the law', async (t) => {
    expectRefusal(
      await transfer(migration, handed, { toOrganizationId: ngoOrganization }),
      422,
      'handover_requires_child_protection_authority',
    )
    const consent = await transfer(migration, handed, { toOrganizationId: procuraduria, consentId: '0190a0b0-0000-7000-8000-000000000000' })
    expectRefusal(consent, 422, 'handover_rests_on_law')
    expectRefusal(
      await transfer(migration, handed, { toOrganizationId: procuraduria, legalBasis: { code: 'court_order' } }),
      422,
      'handover_rests_on_law',
    )
    expectRefusal(await transfer(migration, handed, { toOrganizationId: inm }), 422, 'transfer_to_self')
    const citation = await transfer(migration, handed, {
      toOrganizationId: procuraduria,
      legalBasis: { code: 'migration_law_handover', citation: 'art. 112' },
    })
    expectRefusal(citation, 403)
    t.same(
      citation.error?.deniedFields,
      ['legal.notes'],
      'a citation is free text of section legal, which the migration officer may not write',
    )
    t.equal(await readStatus(officer, handed), 404, 'no refused request lets the receiver in')
  })

  await t.test(
    'the hand-over: 201 with its Location; the Procuraduría reads the case at once; procuraduriaNotifiedAt is set',
    async (t) => {
      const response = await transfer(migration, handed, { toOrganizationId: procuraduria })
      t.equal(response.response.status, 201, JSON.stringify(response.error))
      handover = response.data
      handoverId = idOf(response)
      t.match(handover, {
        caseId: handed,
        kind: 'handover',
        fromOrganizationId: inm,
        toOrganizationId: procuraduria,
        consentId: null,
        legalBasis: { code: 'migration_law_handover' },
        status: 'pending',
        requestedBy: migration.id,
        decidedAt: null,
      })
      t.equal(response.response.headers.get('location'), `/cases/${handed}/transfers/${handoverId}`)
      // The Location is that path (asserted above): read it through its documented template.
      const located = await api(migration).GET('/cases/{id}/transfers/{tid}', { params: { path: { id: handed, tid: handoverId } } })
      t.equal(located.response.status, 200, JSON.stringify(located.error))
      t.equal(located.data?.id, handoverId)

      const read = await readCase(officer, handed)
      t.equal(read.response.status, 200, JSON.stringify(read.error))
      t.equal(read.data?.identity?.givenName, 'Daniela')
      t.equal(read.data?.leadOrganizationId, inm, 'the migration authority leads until acceptance')
      const custody = (await readCase(migration, handed)).data?.custody
      t.ok(custody?.procuraduriaNotifiedAt, 'custody.procuraduriaNotifiedAt is set')
      t.ok(Math.abs(Date.parse(custody?.procuraduriaNotifiedAt ?? '') - Date.now()) < 120_000)

      const receiver = live(await participants(officer, handed), procuraduria)
      t.match(receiver, [{ basis: 'legal_basis', legalBasis: { code: 'migration_law_handover' }, grantedBy: migration.id }])
      const audit = await database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'case.transfer')
        .where('outcome', '=', 'allowed')
        .execute()
      t.match(audit, [{ actor_id: migration.id, case_ids: [handed], target_organization_id: procuraduria }])
      t.ok((audit[0]!.fields as string[]).includes('custody.procuraduriaNotifiedAt'))
      const history = await database.db
        .selectFrom('case_history')
        .select(['field', 'new_value'])
        .where('case_id', '=', handed)
        .where('request_id', '=', audit[0]!.request_id)
        .execute()
      t.ok(
        history.some((entry) => entry.field === 'custody.procuraduriaNotifiedAt'),
        'history says when the Procuraduría was notified',
      )
      t.ok(
        history.some(
          (entry) => entry.field === 'case.leadOrganizationId' && (entry.new_value as { transferId?: string }).transferId === handoverId,
        ),
        'history names the transfer',
      )
    },
  )

  await t.test('a hand-over keeps a procuraduriaNotifiedAt already recorded', async (t) => {
    // Notified as the case is opened (a notification cannot precede the case).
    const notifiedAt = new Date().toISOString()
    const caseId = await openCase(migration, { custody: { procuraduriaNotifiedAt: notifiedAt } })
    t.equal((await transfer(migration, caseId, { toOrganizationId: procuraduria })).response.status, 201)
    t.equal((await readCase(migration, caseId)).data?.custody?.procuraduriaNotifiedAt, notifiedAt)
  })

  await t.test('one pending transfer per case: a second request is 409', async () => {
    expectRefusal(
      await transfer(migrationColleague, handed, { toOrganizationId: otherProcuraduria.organizationId }),
      409,
      'transfer_pending',
    )
  })

  await t.test('the inbox: incoming for the receiver, outgoing for the sender, filtered by status', async (t) => {
    const pending = await inbox(officer, { direction: 'incoming', status: 'pending' })
    t.equal(pending.response.status, 200, JSON.stringify(pending.error))
    t.ok(pending.data?.items.some((item) => item.id === handoverId))
    t.notOk((await inbox(officer, { direction: 'outgoing' })).data?.items.some((item) => item.id === handoverId))
    t.ok((await inbox(migration, { direction: 'outgoing', status: 'pending' })).data?.items.some((item) => item.id === handoverId))
    t.notOk((await inbox(officer, { direction: 'incoming', status: 'accepted' })).data?.items.some((item) => item.id === handoverId))
    t.same((await inbox(outsider, { direction: 'incoming' })).data?.items, [])
    // A direction the document does not allow: only a raw call can send it.
    t.equal((await app.inject({ method: 'GET', url: '/transfers?direction=sideways', headers: officer.headers })).statusCode, 400)
    t.equal((await inbox(officer, { cursor: 'bad' })).response.status, 400)
    t.equal((await inbox(admin, {})).response.status, 403)
    const listed = await api(officer).GET('/cases/{id}/transfers', { params: { path: { id: handed } } })
    t.equal(listed.response.status, 200)
    t.same(
      listed.data?.items.map((item) => item.id),
      [handoverId],
    )
    t.equal((await api(outsider).GET('/cases/{id}/transfers', { params: { path: { id: handed } } })).response.status, 404)
    t.equal(
      (await api(outsider).GET('/cases/{id}/transfers/{tid}', { params: { path: { id: handed, tid: handoverId } } })).response.status,
      404,
    )
  })

  await t.test('only the receiver decides: the sender 403, anyone else 404; a decline needs a reason (422)', async (t) => {
    expectRefusal(await accept(migration, handoverId), 403, 'not_receiver')
    expectRefusal(await accept(outsider, handoverId), 404)
    expectRefusal(await accept(auditor, handoverId), 404)
    expectRefusal(await decline(officer, handoverId, {}), 422, 'reason_required')
    expectRefusal(await decline(officer, handoverId, { reason: '   ' }), 422, 'reason_required')
    // A field the document does not allow: only a raw call can send it.
    const extra = await app.inject({
      method: 'POST',
      url: `/transfers/${handoverId}/decline`,
      headers: officer.headers,
      payload: { reason: 'x', extra: 1 },
    })
    t.equal(extra.statusCode, 400)
  })

  await t.test('of two concurrent accepts exactly one wins; the other is 409', async (t) => {
    const [first, second] = await Promise.all([accept(officer, handoverId), accept(officer, handoverId)])
    t.same([first.response.status, second.response.status].sort(), [200, 409])
    const loser = first.response.status === 409 ? first : second
    t.equal(loser.error?.reason, 'transfer_already_decided')
    const winner = first.response.status === 200 ? first : second
    t.match(winner.data, { id: handoverId, status: 'accepted', decidedBy: officer.id })
    expectRefusal(await accept(officer, handoverId), 409, 'transfer_already_decided')
    expectRefusal(await decline(officer, handoverId, { reason: 'too late' }), 409, 'transfer_already_decided')
  })

  await t.test('on acceptance the Procuraduría leads; the migration authority stays a participant on the law', async (t) => {
    const read = await readCase(officer, handed)
    t.equal(read.data?.leadOrganizationId, procuraduria)
    const items = await participants(officer, handed)
    t.match(live(items, procuraduria), [{ basis: 'lead' }])
    t.match(live(items, inm), [{ basis: 'legal_basis', legalBasis: { code: 'migration_law_handover' } }])
    t.ok(
      items.some((item) => item.organizationId === inm && item.basis === 'lead' && item.endedAt !== null),
      'the former lead participation is in the history, ended',
    )
    t.equal(await readStatus(migration, handed), 200, 'the migration officer still reads its minimal view')
    t.equal(
      (await database.db.selectFrom('transfers').select('status').where('id', '=', handoverId).executeTakeFirstOrThrow()).status,
      'accepted',
    )
    const events = await database.db
      .selectFrom('audit_events')
      .select(['outcome', 'target_organization_id'])
      .where('action', '=', 'transfer.accept')
      .execute()
    t.equal(events.filter((event) => event.outcome === 'allowed').length, 1)
    t.ok(
      events.some((event) => event.outcome === 'denied'),
      'refused decisions are recorded',
    )
  })

  await t.test('the migration officer may make no transfer of responsibility, nor one once it no longer leads', async () => {
    expectRefusal(await transfer(migration, handed, { toOrganizationId: otherProcuraduria.organizationId }), 403, 'not_lead')
  })

  await t.test('roles that may not transfer: 403; out of scope: 404', async () => {
    expectRefusal(await transfer(auditor, handed, { toOrganizationId: ngoOrganization }), 403, 'role')
    expectRefusal(await transfer(admin, handed, { toOrganizationId: ngoOrganization }), 404)
    expectRefusal(await transfer(outsider, handed, { toOrganizationId: ngoOrganization }), 404)
  })

  let consent: { id: string; version: number } = { id: '', version: 0 }
  await t.test('a transfer of responsibility needs a live consent covering sharing or a legal basis; wrong kinds are 422', async (t) => {
    consent = await consentOf(officer, handed)
    const tracing = await consentOf(officer, handed, ['tracing'])
    const gone = await consentOf(officer, handed)
    await withdraw(officer, handed, gone)
    expectRefusal(await transfer(officer, handed, { toOrganizationId: ngoOrganization }), 422, 'consent_required')
    expectRefusal(
      await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: tracing.id }),
      422,
      'consent_scope_missing',
    )
    expectRefusal(await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: gone.id }), 422, 'consent_withdrawn')
    expectRefusal(await transfer(officer, handed, { toOrganizationId: inm, consentId: consent.id }), 422, 'organization_kind_not_allowed')
    expectRefusal(
      await transfer(officer, handed, { toOrganizationId: await createOrganization(database, 'oversight_body'), consentId: consent.id }),
      422,
      'organization_cannot_participate',
    )
    expectRefusal(
      await transfer(officer, handed, { toOrganizationId: ngoOrganization, legalBasis: { code: 'migration_law_handover' } }),
      422,
      'handover_rests_on_law',
    )
    t.equal(await readStatus(ngo, handed), 404)
  })

  await t.test('declined: the receiver read from the request on, and its participation ends with the decline', async (t) => {
    const requested = await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: consent.id })
    t.equal(requested.response.status, 201, JSON.stringify(requested.error))
    t.equal(requested.data?.kind, 'responsibility')
    t.equal(await readStatus(ngo, handed), 200, 'the receiver reads from the request on')
    const declined = await decline(ngo, idOf(requested), { reason: 'No capacity in our shelter this month' })
    t.equal(declined.response.status, 200, JSON.stringify(declined.error))
    t.match(declined.data, { status: 'declined', decidedBy: ngo.id, declineReason: 'No capacity in our shelter this month' })
    t.equal(await readStatus(ngo, handed), 404, 'access ends with the decline')
    const items = await participants(officer, handed)
    t.same(live(items, ngoOrganization), [])
    t.ok(items.some((item) => item.organizationId === ngoOrganization && item.endedAt !== null && item.endReason === 'transfer_declined'))
    t.equal((await readCase(officer, handed)).data?.leadOrganizationId, procuraduria, 'the lead is unchanged')
    const migrationView = await api(migration).GET('/cases/{id}/transfers/{tid}', {
      params: { path: { id: handed, tid: idOf(requested) } },
    })
    t.equal(migrationView.response.status, 200)
    t.notOk('declineReason' in (migrationView.data ?? {}), 'a decline reason is free text the migration officer may not read')
  })

  await t.test('declined by an organisation that took part before: it keeps its participation', async (t) => {
    const shared = await api(officer).POST('/cases/{id}/participants', {
      params: { path: { id: handed } },
      body: { organizationId: attorney.organizationId, consentId: consent.id },
    })
    t.equal(shared.response.status, 201, JSON.stringify(shared.error))
    const requested = await transfer(officer, handed, {
      toOrganizationId: attorney.organizationId,
      legalBasis: { code: 'protection_measure', citation: 'LGDNNA art. 122' },
    })
    t.equal(requested.response.status, 201, JSON.stringify(requested.error))
    t.equal((await decline(attorney, idOf(requested), { reason: 'We represent the child, we do not lead' })).response.status, 200)
    t.equal(await readStatus(attorney, handed), 200)
    t.match(live(await participants(officer, handed), attorney.organizationId), [{ basis: 'consent', consentId: consent.id }])
  })

  await t.test('a concurrent accept and decline: exactly one wins', async (t) => {
    const requested = await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: consent.id })
    t.equal(requested.response.status, 201, JSON.stringify(requested.error))
    const tid = idOf(requested)
    const responses = await Promise.all([accept(ngo, tid), decline(ngo, tid, { reason: 'changed our mind' })])
    t.same(responses.map(({ response }) => response.status).sort(), [200, 409])
    const status = (await database.db.selectFrom('transfers').select('status').where('id', '=', tid).executeTakeFirstOrThrow()).status
    const winner = responses.find(({ response }) => response.status === 200)
    t.equal(winner?.data?.status, status)
    if (status === 'declined') {
      // Let the NGO lead for the rest of the story.
      const again = await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: consent.id })
      t.equal((await accept(ngo, idOf(again))).response.status, 200)
    }
  })

  await t.test('accepted: the receiver leads, the former lead stays on the transfer’s basis; a non-lead may not transfer', async (t) => {
    t.equal((await readCase(ngo, handed)).data?.leadOrganizationId, ngoOrganization)
    const items = await participants(ngo, handed)
    t.match(live(items, ngoOrganization), [{ basis: 'lead' }])
    t.match(live(items, procuraduria), [{ basis: 'consent', consentId: consent.id }])
    expectRefusal(await transfer(officer, handed, { toOrganizationId: shelter.organizationId, consentId: consent.id }), 403, 'not_lead')
  })

  await t.test('ending a participation: by the lead or a protection officer, with a reason; never the lead', async (t) => {
    const end = (user: TestUser, organizationId: string, body: { reason?: string }) =>
      api(user).POST('/cases/{id}/participants/{organizationId}/end', { params: { path: { id: handed, organizationId } }, body })
    expectRefusal(await end(ngo, ngoOrganization, { reason: 'leaving' }), 409, 'lead_cannot_be_ended')
    expectRefusal(await end(ngo, attorney.organizationId, {}), 422, 'reason_required')
    expectRefusal(await end(migration, attorney.organizationId, { reason: 'x' }), 403, 'role')
    expectRefusal(await end(attorney, inm, { reason: 'x' }), 403, 'not_lead')
    expectRefusal(await end(outsider, attorney.organizationId, { reason: 'x' }), 404)
    expectRefusal(await end(ngo, outsider.organizationId, { reason: 'x' }), 404)
    const ended = await end(ngo, attorney.organizationId, { reason: 'Representation moved to another clinic' })
    t.equal(ended.response.status, 200, JSON.stringify(ended.error))
    t.match(ended.data, { organizationId: attorney.organizationId, endedBy: ngo.id, endReason: 'Representation moved to another clinic' })
    t.ok(ended.data?.endedAt)
    t.equal(await readStatus(attorney, handed), 404, 'access ends on the next request')
    expectRefusal(await end(ngo, attorney.organizationId, { reason: 'again' }), 404)
    // A protection officer (not the lead) ends on the Procuraduría's legal authority.
    const byOfficer = await end(officer, inm, { reason: 'The migration authority no longer holds the child' })
    t.equal(byOfficer.response.status, 200, JSON.stringify(byOfficer.error))
    t.equal(await readStatus(migration, handed), 404)
    const items = await participants(ngo, handed)
    t.ok(
      items.some((item) => item.organizationId === attorney.organizationId && item.endedAt !== null),
      'the history keeps ended participations',
    )
    const audit = await database.db
      .selectFrom('audit_events')
      .select(['target_organization_id', 'outcome'])
      .where('action', '=', 'participant.end')
      .where('outcome', '=', 'allowed')
      .execute()
    t.same(audit.map((event) => event.target_organization_id).sort(), [attorney.organizationId, inm].sort())
  })

  await t.test('withdrawing a consent ends the participations resting on it alone and declines pending transfers on it', async (t) => {
    const requested = await transfer(ngo, handed, { toOrganizationId: shelter.organizationId, consentId: consent.id })
    t.equal(requested.response.status, 201, JSON.stringify(requested.error))
    t.equal(await readStatus(shelter, handed), 200)
    t.equal(await readStatus(officer, handed), 200)
    const current = (await api(ngo).GET('/cases/{id}/consents/{consentId}', { params: { path: { id: handed, consentId: consent.id } } }))
      .data
    if (!current) throw new Error('the consent cannot be read')
    await withdraw(ngo, handed, current)
    t.equal(await readStatus(shelter, handed), 404, 'the receiver of the pending transfer loses the case')
    t.equal(await readStatus(officer, handed), 404, 'the former lead, on that consent alone, loses the case')
    const transferRow = await database.db.selectFrom('transfers').selectAll().where('id', '=', idOf(requested)).executeTakeFirstOrThrow()
    t.match(transferRow, { status: 'declined', decline_reason: 'consent_withdrawn' })
    expectRefusal(await accept(shelter, idOf(requested)), 409, 'transfer_already_decided')
  })
})

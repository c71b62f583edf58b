// Transfers (PRODUCT.md, "Object scope, and how a case moves between agencies"): the migration
// officer's hand-over to child protection, transfers of responsibility, accept and decline (one
// wins of two concurrent decisions), the receiver's reads from the request on, the end of a
// participation, and what a withdrawn consent ends. Runs on PGlite and on PostgreSQL.
import t from 'tap'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

t.test('transfers between agencies', async (t) => {
  const { app, database } = await build(t)
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

  type Json = Record<string, any>
  const send = (user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) })
  const openCase = async (user: TestUser, extra: Json = {}) => {
    const response = await send(user, 'POST', '/cases', {
      riskLevel: 'high',
      demographics: { sex: 'female', nationality: 'HN', separationStatus: 'unaccompanied' },
      identity: { givenName: 'Daniela' },
      ...extra,
    })
    t.equal(response.statusCode, 201, response.body)
    return response.json().id as string
  }
  const transfer = (user: TestUser, caseId: string, payload: Json) => send(user, 'POST', `/cases/${caseId}/transfers`, payload)
  const accept = (user: TestUser, tid: string) => send(user, 'POST', `/transfers/${tid}/accept`)
  const decline = (user: TestUser, tid: string, payload: Json) => send(user, 'POST', `/transfers/${tid}/decline`, payload)
  const readStatus = async (user: TestUser, caseId: string) => (await send(user, 'GET', `/cases/${caseId}`)).statusCode
  const consentOf = async (user: TestUser, caseId: string, scopes = ['share_with_organizations']) => {
    const response = await send(user, 'POST', `/cases/${caseId}/consents`, { givenBy: 'child_and_guardian', scopes })
    t.equal(response.statusCode, 201, response.body)
    return response.json() as { id: string; version: number }
  }
  const withdraw = async (user: TestUser, caseId: string, consent: { id: string; version: number }) => {
    const response = await send(
      user,
      'PATCH',
      `/cases/${caseId}/consents/${consent.id}`,
      { withdrawnAt: new Date().toISOString() },
      { 'if-match': `"${consent.version}"` },
    )
    t.equal(response.statusCode, 200, response.body)
  }
  const participants = async (user: TestUser, caseId: string) => {
    const response = await send(user, 'GET', `/cases/${caseId}/participants?limit=100`)
    t.equal(response.statusCode, 200, response.body)
    return response.json().items as Json[]
  }
  const live = (items: Json[], organizationId: string) =>
    items.filter((item) => item.organizationId === organizationId && item.endedAt === null)
  const expectRefusal = (response: { statusCode: number; body: string; json: () => Json }, status: number, reason?: string) => {
    t.equal(response.statusCode, status, response.body)
    t.equal(response.json().type?.startsWith('urn:atd:problem:'), true)
    if (reason) t.equal(response.json().reason, reason)
  }

  const handed = await openCase(migration)
  let handover: Json = {}

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
      citation.json().deniedFields,
      ['legal.notes'],
      'a citation is free text of section legal, which the migration officer may not write',
    )
    t.equal(await readStatus(officer, handed), 404, 'no refused request lets the receiver in')
  })

  await t.test(
    'the hand-over: 201 with its Location; the Procuraduría reads the case at once; procuraduriaNotifiedAt is set',
    async (t) => {
      const response = await transfer(migration, handed, { toOrganizationId: procuraduria })
      t.equal(response.statusCode, 201, response.body)
      handover = response.json()
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
      t.equal(response.headers.location, `/cases/${handed}/transfers/${handover.id}`)
      const located = await send(migration, 'GET', response.headers.location as string)
      t.equal(located.statusCode, 200, located.body)
      t.equal(located.json().id, handover.id)

      const read = await send(officer, 'GET', `/cases/${handed}`)
      t.equal(read.statusCode, 200, read.body)
      t.equal(read.json().identity.givenName, 'Daniela')
      t.equal(read.json().leadOrganizationId, inm, 'the migration authority leads until acceptance')
      const custody = (await send(migration, 'GET', `/cases/${handed}`)).json().custody
      t.ok(custody?.procuraduriaNotifiedAt, 'custody.procuraduriaNotifiedAt is set')
      t.ok(Math.abs(Date.parse(custody.procuraduriaNotifiedAt) - Date.now()) < 120_000)

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
        history.some((entry) => entry.field === 'case.leadOrganizationId' && (entry.new_value as Json).transferId === handover.id),
        'history names the transfer',
      )
    },
  )

  await t.test('a hand-over keeps a procuraduriaNotifiedAt already recorded', async (t) => {
    // Notified as the case is opened (a notification cannot precede the case).
    const notifiedAt = new Date().toISOString()
    const caseId = await openCase(migration, { custody: { procuraduriaNotifiedAt: notifiedAt } })
    t.equal((await transfer(migration, caseId, { toOrganizationId: procuraduria })).statusCode, 201)
    t.equal((await send(migration, 'GET', `/cases/${caseId}`)).json().custody.procuraduriaNotifiedAt, notifiedAt)
  })

  await t.test('one pending transfer per case: a second request is 409', async () => {
    expectRefusal(
      await transfer(migrationColleague, handed, { toOrganizationId: otherProcuraduria.organizationId }),
      409,
      'transfer_pending',
    )
  })

  await t.test('the inbox: incoming for the receiver, outgoing for the sender, filtered by status', async (t) => {
    const inbox = await send(officer, 'GET', '/transfers?direction=incoming&status=pending')
    t.equal(inbox.statusCode, 200, inbox.body)
    t.ok((inbox.json().items as Json[]).some((item) => item.id === handover.id))
    t.notOk((await send(officer, 'GET', '/transfers?direction=outgoing')).json().items.some((item: Json) => item.id === handover.id))
    t.ok(
      (await send(migration, 'GET', '/transfers?direction=outgoing&status=pending'))
        .json()
        .items.some((item: Json) => item.id === handover.id),
    )
    t.notOk(
      (await send(officer, 'GET', '/transfers?direction=incoming&status=accepted'))
        .json()
        .items.some((item: Json) => item.id === handover.id),
    )
    t.same((await send(outsider, 'GET', '/transfers?direction=incoming')).json().items, [])
    t.equal((await send(officer, 'GET', '/transfers?direction=sideways')).statusCode, 400)
    t.equal((await send(officer, 'GET', '/transfers?cursor=bad')).statusCode, 400)
    t.equal((await send(admin, 'GET', '/transfers')).statusCode, 403)
    const listed = await send(officer, 'GET', `/cases/${handed}/transfers`)
    t.equal(listed.statusCode, 200)
    t.same(
      (listed.json().items as Json[]).map((item) => item.id),
      [handover.id],
    )
    t.equal((await send(outsider, 'GET', `/cases/${handed}/transfers`)).statusCode, 404)
    t.equal((await send(outsider, 'GET', `/cases/${handed}/transfers/${handover.id}`)).statusCode, 404)
  })

  await t.test('only the receiver decides: the sender 403, anyone else 404; a decline needs a reason (422)', async (t) => {
    expectRefusal(await accept(migration, handover.id), 403, 'not_receiver')
    expectRefusal(await accept(outsider, handover.id), 404)
    expectRefusal(await accept(auditor, handover.id), 404)
    expectRefusal(await decline(officer, handover.id, {}), 422, 'reason_required')
    expectRefusal(await decline(officer, handover.id, { reason: '   ' }), 422, 'reason_required')
    t.equal((await decline(officer, handover.id, { reason: 'x', extra: 1 })).statusCode, 400)
  })

  await t.test('of two concurrent accepts exactly one wins; the other is 409', async (t) => {
    const [first, second] = await Promise.all([accept(officer, handover.id), accept(officer, handover.id)])
    t.same([first!.statusCode, second!.statusCode].sort(), [200, 409])
    const loser = first!.statusCode === 409 ? first! : second!
    t.equal(loser.json().reason, 'transfer_already_decided')
    const winner = first!.statusCode === 200 ? first! : second!
    t.match(winner.json(), { id: handover.id, status: 'accepted', decidedBy: officer.id })
    expectRefusal(await accept(officer, handover.id), 409, 'transfer_already_decided')
    expectRefusal(await decline(officer, handover.id, { reason: 'too late' }), 409, 'transfer_already_decided')
  })

  await t.test('on acceptance the Procuraduría leads; the migration authority stays a participant on the law', async (t) => {
    const read = await send(officer, 'GET', `/cases/${handed}`)
    t.equal(read.json().leadOrganizationId, procuraduria)
    const items = await participants(officer, handed)
    t.match(live(items, procuraduria), [{ basis: 'lead' }])
    t.match(live(items, inm), [{ basis: 'legal_basis', legalBasis: { code: 'migration_law_handover' } }])
    t.ok(
      items.some((item) => item.organizationId === inm && item.basis === 'lead' && item.endedAt !== null),
      'the former lead participation is in the history, ended',
    )
    t.equal(await readStatus(migration, handed), 200, 'the migration officer still reads its minimal view')
    t.equal(
      (await database.db.selectFrom('transfers').select('status').where('id', '=', handover.id).executeTakeFirstOrThrow()).status,
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

  let consent: { id: string; version: number }
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
    t.equal(requested.statusCode, 201, requested.body)
    t.equal(requested.json().kind, 'responsibility')
    t.equal(await readStatus(ngo, handed), 200, 'the receiver reads from the request on')
    const declined = await decline(ngo, requested.json().id, { reason: 'No capacity in our shelter this month' })
    t.equal(declined.statusCode, 200, declined.body)
    t.match(declined.json(), { status: 'declined', decidedBy: ngo.id, declineReason: 'No capacity in our shelter this month' })
    t.equal(await readStatus(ngo, handed), 404, 'access ends with the decline')
    const items = await participants(officer, handed)
    t.same(live(items, ngoOrganization), [])
    t.ok(items.some((item) => item.organizationId === ngoOrganization && item.endedAt !== null && item.endReason === 'transfer_declined'))
    t.equal((await send(officer, 'GET', `/cases/${handed}`)).json().leadOrganizationId, procuraduria, 'the lead is unchanged')
    const migrationView = await send(migration, 'GET', `/cases/${handed}/transfers/${requested.json().id}`)
    t.equal(migrationView.statusCode, 200)
    t.notOk('declineReason' in migrationView.json(), 'a decline reason is free text the migration officer may not read')
  })

  await t.test('declined by an organisation that took part before: it keeps its participation', async (t) => {
    const shared = await send(officer, 'POST', `/cases/${handed}/participants`, {
      organizationId: attorney.organizationId,
      consentId: consent.id,
    })
    t.equal(shared.statusCode, 201, shared.body)
    const requested = await transfer(officer, handed, {
      toOrganizationId: attorney.organizationId,
      legalBasis: { code: 'protection_measure', citation: 'LGDNNA art. 122' },
    })
    t.equal(requested.statusCode, 201, requested.body)
    t.equal((await decline(attorney, requested.json().id, { reason: 'We represent the child, we do not lead' })).statusCode, 200)
    t.equal(await readStatus(attorney, handed), 200)
    t.match(live(await participants(officer, handed), attorney.organizationId), [{ basis: 'consent', consentId: consent.id }])
  })

  await t.test('a concurrent accept and decline: exactly one wins', async (t) => {
    const requested = await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: consent.id })
    t.equal(requested.statusCode, 201, requested.body)
    const tid = requested.json().id as string
    const responses = await Promise.all([accept(ngo, tid), decline(ngo, tid, { reason: 'changed our mind' })])
    t.same(responses.map((response) => response.statusCode).sort(), [200, 409])
    const status = (await database.db.selectFrom('transfers').select('status').where('id', '=', tid).executeTakeFirstOrThrow()).status
    const winner = responses.find((response) => response.statusCode === 200)!
    t.equal(winner.json().status, status)
    if (status === 'declined') {
      // Let the NGO lead for the rest of the story.
      const again = await transfer(officer, handed, { toOrganizationId: ngoOrganization, consentId: consent.id })
      t.equal((await accept(ngo, again.json().id)).statusCode, 200)
    }
  })

  await t.test('accepted: the receiver leads, the former lead stays on the transfer’s basis; a non-lead may not transfer', async (t) => {
    t.equal((await send(ngo, 'GET', `/cases/${handed}`)).json().leadOrganizationId, ngoOrganization)
    const items = await participants(ngo, handed)
    t.match(live(items, ngoOrganization), [{ basis: 'lead' }])
    t.match(live(items, procuraduria), [{ basis: 'consent', consentId: consent.id }])
    expectRefusal(await transfer(officer, handed, { toOrganizationId: shelter.organizationId, consentId: consent.id }), 403, 'not_lead')
  })

  await t.test('ending a participation: by the lead or a protection officer, with a reason; never the lead', async (t) => {
    const end = (user: TestUser, organizationId: string, payload: Json) =>
      send(user, 'POST', `/cases/${handed}/participants/${organizationId}/end`, payload)
    expectRefusal(await end(ngo, ngoOrganization, { reason: 'leaving' }), 409, 'lead_cannot_be_ended')
    expectRefusal(await end(ngo, attorney.organizationId, {}), 422, 'reason_required')
    expectRefusal(await end(migration, attorney.organizationId, { reason: 'x' }), 403, 'role')
    expectRefusal(await end(attorney, inm, { reason: 'x' }), 403, 'not_lead')
    expectRefusal(await end(outsider, attorney.organizationId, { reason: 'x' }), 404)
    expectRefusal(await end(ngo, outsider.organizationId, { reason: 'x' }), 404)
    const ended = await end(ngo, attorney.organizationId, { reason: 'Representation moved to another clinic' })
    t.equal(ended.statusCode, 200, ended.body)
    t.match(ended.json(), { organizationId: attorney.organizationId, endedBy: ngo.id, endReason: 'Representation moved to another clinic' })
    t.ok(ended.json().endedAt)
    t.equal(await readStatus(attorney, handed), 404, 'access ends on the next request')
    expectRefusal(await end(ngo, attorney.organizationId, { reason: 'again' }), 404)
    // A protection officer (not the lead) ends on the Procuraduría's legal authority.
    const byOfficer = await end(officer, inm, { reason: 'The migration authority no longer holds the child' })
    t.equal(byOfficer.statusCode, 200, byOfficer.body)
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
    t.equal(requested.statusCode, 201, requested.body)
    t.equal(await readStatus(shelter, handed), 200)
    t.equal(await readStatus(officer, handed), 200)
    const current = (await send(ngo, 'GET', `/cases/${handed}/consents/${consent.id}`)).json()
    await withdraw(ngo, handed, current)
    t.equal(await readStatus(shelter, handed), 404, 'the receiver of the pending transfer loses the case')
    t.equal(await readStatus(officer, handed), 404, 'the former lead, on that consent alone, loses the case')
    const transferRow = await database.db
      .selectFrom('transfers')
      .selectAll()
      .where('id', '=', requested.json().id)
      .executeTakeFirstOrThrow()
    t.match(transferRow, { status: 'declined', decline_reason: 'consent_withdrawn' })
    expectRefusal(await accept(shelter, requested.json().id), 409, 'transfer_already_decided')
  })
})

// Calls go through the client generated from openapi.yaml (build's `api`), so a drift between the
// document and the service fails tsc or the test; app.inject only where a call breaks the document on purpose.
import t from 'tap'
import { answered, present } from '../helpers/api-client.js'
import type { components } from '../helpers/api-types.js'
import { build, createUser, grantParticipation, type TestUser } from '../helpers/build.js'

type NewPlacement = components['schemas']['NewPlacement']

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()

t.test('placements: the current placement, detention days, and the fields behind contact, legal and notes', async (t) => {
  const { app, api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'migration_officer')
  const attorney = await createUser(database, 'attorney')
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'ngo_caseworker')

  const caseId = present(answered(t, await api(ngo).POST('/cases', { body: { riskLevel: 'high' } }), 201).id, 'id')
  for (const user of [officer, attorney]) {
    await grantParticipation(database.db, user.organizationId, caseId, ngo.id)
  }
  const path = { id: caseId }
  const url = `/cases/${caseId}/placements`
  const place = (user: TestUser, body: NewPlacement, idempotencyKey?: string) =>
    api(user).POST('/cases/{id}/placements', {
      params: { path, ...(idempotencyKey ? { header: { 'idempotency-key': idempotencyKey } } : {}) },
      body,
    })
  const list = (user: TestUser) => api(user).GET('/cases/{id}/placements', { params: { path } })
  const listed = async (user: TestUser) => answered(t, await list(user), 200, `${user.role} lists `).items
  const readCase = async () => answered(t, await api(ngo).GET('/cases/{id}', { params: { path } }), 200, 'GET /cases/{id} ')
  const custody = async () => present((await readCase()).custody, 'custody')

  await t.test(
    'a migration officer records a migration station, but may not write its address (contact) nor a legal citation (legal)',
    async (t) => {
      const attempts: [NewPlacement, string][] = [
        [{ type: 'migration_station', facilityAddress: 'Km 1 carretera Siglo', startedAt: daysAgo(5) }, 'contact.facilityAddress'],
        [{ type: 'migration_station', legalBasis: 'art. 99 LM Siglo', startedAt: daysAgo(5) }, 'legal.legalBasis'],
      ]
      for (const [body, field] of attempts) {
        const denied = await place(officer, body)
        t.equal(denied.response.status, 403, JSON.stringify(denied.error))
        t.equal(denied.error?.type, 'urn:atd:problem:forbidden-fields')
        t.same(denied.error?.deniedFields, [field])
        t.notMatch(JSON.stringify(denied.error), /Siglo/)
      }
      t.equal((await database.db.selectFrom('placements').select('id').execute()).length, 0, 'nothing written')

      const answer = await place(officer, { type: 'migration_station', facilityName: 'Estación Siglo XXI', startedAt: daysAgo(5) })
      const opened = answered(t, answer, 201)
      t.equal(answer.response.headers.get('etag'), '"1"')
      t.equal(opened.current, true)
      t.equal(opened.facilityName, 'Estación Siglo XXI', 'the facility name is custody (the matrix)')
      t.notOk('facilityAddress' in opened || 'legalBasis' in opened || 'endNotes' in opened, 'the officer reads no contact, legal or notes')
      const view = await custody()
      t.equal(view.placementType, 'migration_station')
      t.equal(view.inDetention, true)
      t.equal(view.daysInDetention, 6, 'five days ago to today, both counted')
    },
  )

  await t.test('opening a new placement ends the current one in the same transaction', async (t) => {
    const before = await readCase()
    const early = await place(ngo, { type: 'dif_shelter', startedAt: daysAgo(9) })
    t.equal(early.response.status, 422, 'cannot start before the current placement')
    const future = await place(ngo, { type: 'dif_shelter', startedAt: new Date(Date.now() + 86_400_000).toISOString() })
    t.equal(future.response.status, 422)

    const opened = answered(
      t,
      await place(ngo, {
        type: 'ngo_shelter',
        facilityName: 'Casa Esperanza',
        facilityAddress: 'Calle 5, Tapachula',
        responsibleOrganizationId: ngo.organizationId,
        startedAt: daysAgo(2),
        correctionReason: 'moved two days ago, recorded today',
      }),
      201,
    )
    t.equal(opened.facilityName, 'Casa Esperanza')
    const after = await readCase()
    const view = present(after.custody, 'custody')
    t.equal(view.placementType, 'ngo_shelter')
    t.equal(view.responsibleOrganizationId, ngo.organizationId)
    t.equal(view.inDetention, false)
    t.equal(view.daysInDetention, 4, 'the closed stay still counts: five days ago to two days ago')
    t.ok(present(after.version, 'version') > present(before.version, 'version'), 'the case version moves with its derived fields')

    const items = await listed(ngo)
    t.equal(items.length, 2)
    t.same(
      items.map((item) => item.current),
      [true, false],
      'newest first; one current',
    )
    t.equal(items[1]?.endReasonCode, 'replaced_by_new_placement')
    t.ok(items[0]?.startedAt, 'the current placement has a start')
    t.equal(items[1]?.endedAt, items[0]?.startedAt)

    const history = await database.db
      .selectFrom('case_history')
      .select(['field'])
      .where('case_id', '=', caseId)
      .where('field', 'like', 'custody.%')
      .execute()
    t.ok(
      history.some((entry) => entry.field === 'custody.inDetention'),
      'derived changes leave history',
    )
  })

  await t.test('readers without contact read get placements without the facility address', async (t) => {
    for (const user of [auditor, officer]) {
      const answer = await list(user)
      const items = answered(t, answer, 200).items
      t.equal(items.length, 2)
      for (const item of items) {
        t.notOk('facilityAddress' in item, `${user.role} sees no facility address`)
        t.ok(item.type)
      }
      t.notMatch(JSON.stringify(answer.data), /Tapachula/)
    }
    const attorneyItems = await listed(attorney)
    t.equal(attorneyItems[0]?.facilityAddress, 'Calle 5, Tapachula', 'the attorney reads contact')
  })

  await t.test('roles without custody create get 403; outsiders 404; unknown fields 400', async (t) => {
    for (const user of [attorney, auditor]) {
      const denied = await place(user, { type: 'kinship_care' })
      t.equal(denied.response.status, 403, `${user.role}: ${JSON.stringify(denied.error)}`)
    }
    const attorneyDenied = await place(attorney, { type: 'kinship_care' })
    t.same(attorneyDenied.error?.deniedFields, ['custody.type'])
    t.equal((await place(outsider, { type: 'kinship_care' })).response.status, 404)
    t.equal((await list(outsider)).response.status, 404)
    // An unknown field and a type outside the enum break the document, so they are sent raw.
    t.equal(
      (await app.inject({ method: 'POST', url, headers: ngo.headers, payload: { type: 'kinship_care', inDetention: true } })).statusCode,
      400,
    )
    t.equal((await app.inject({ method: 'POST', url, headers: ngo.headers, payload: { type: 'prison' } })).statusCode, 400)
  })

  await t.test('an Idempotency-Key makes a retried create answer the first placement', async (t) => {
    const key = 'placement-retry-0001'
    const body: NewPlacement = { type: 'foster_family', startedAt: daysAgo(1), correctionReason: 'moved yesterday, recorded today' }
    const first = answered(t, await place(ngo, body, key), 201)
    const retried = await place(ngo, body, key)
    t.equal(answered(t, retried, 201).id, first.id)
    t.equal(retried.response.headers.get('idempotent-replayed'), 'true')
    const different = await place(ngo, { ...body, type: 'kinship_care' }, key)
    t.equal(different.response.status, 422, 'the same key with another body is refused')
    t.equal((await listed(ngo)).length, 3)
  })

  await t.test('two placements opened at once still leave one current placement', async (t) => {
    const [a, b] = await Promise.all((['dif_first_reception', 'dif_shelter'] as const).map((type) => place(ngo, { type })))
    t.same([a?.response.status, b?.response.status], [201, 201], `${JSON.stringify(a?.error)} ${JSON.stringify(b?.error)}`)
    const items = await listed(ngo)
    t.equal(items.filter((item) => item.current).length, 1)
  })

  await t.test('ending the current placement needs If-Match and leaves no current placement', async (t) => {
    const current = present((await listed(ngo))[0], 'the newest placement')
    const change = { endReasonCode: 'family_reunified', endNotes: 'family located' } as const
    const end = (user: TestUser, ifMatch: string) =>
      api(user).PATCH('/cases/{id}/placements/{pid}', {
        params: { path: { id: caseId, pid: current.id }, header: { 'if-match': ifMatch } },
        body: change,
      })
    // The document requires If-Match, so its absence is sent raw.
    t.equal((await app.inject({ method: 'PATCH', url: `${url}/${current.id}`, headers: ngo.headers, payload: change })).statusCode, 428)
    t.equal((await end(ngo, '"7"')).response.status, 412)
    t.equal((await end(auditor, `"${current.version}"`)).response.status, 403)
    const answer = await end(ngo, `"${current.version}"`)
    const ended = answered(t, answer, 200)
    t.equal(ended.current, false)
    t.equal(ended.endReasonCode, 'family_reunified')
    t.equal(ended.endNotes, 'family located')
    const officerView = present(
      (await listed(officer)).find((item) => item.id === current.id),
      'the ended placement in the officer’s list',
    )
    t.equal(officerView.endReasonCode, 'family_reunified', 'the code is custody')
    t.notOk('endNotes' in officerView, 'the story is notes: not for the migration officer')
    const etag = present(answer.response.headers.get('etag'), 'ETag')
    t.equal(etag, `"${current.version + 1}"`)
    const again = await end(ngo, etag)
    t.equal(again.response.status, 409)
    const view = await custody()
    t.equal(view.placementType, null)
    t.equal(view.placementSince, null)
    t.equal(view.daysInDetention, 4)
  })
})

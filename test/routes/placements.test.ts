import t from 'tap'
import { build, createUser, grantParticipation } from '../helpers/build.js'

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()

t.test('placements: the current placement, detention days, and the fields behind contact, legal and notes', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'migration_officer')
  const attorney = await createUser(database, 'attorney')
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'ngo_caseworker')

  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high' } })
  t.equal(created.statusCode, 201, created.body)
  const caseId: string = created.json().id
  for (const user of [officer, attorney]) {
    await grantParticipation(database.db, user.organizationId, caseId, ngo.id)
  }
  const url = `/cases/${caseId}/placements`
  const readCase = async () => (await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: ngo.headers })).json()

  await t.test(
    'a migration officer records a migration station, but may not write its address (contact) nor a legal citation (legal)',
    async (t) => {
      for (const [payload, field] of [
        [{ type: 'migration_station', facilityAddress: 'Km 1 carretera Siglo', startedAt: daysAgo(5) }, 'contact.facilityAddress'],
        [{ type: 'migration_station', legalBasis: 'art. 99 LM Siglo', startedAt: daysAgo(5) }, 'legal.legalBasis'],
      ] as const) {
        const denied = await app.inject({ method: 'POST', url, headers: officer.headers, payload })
        t.equal(denied.statusCode, 403, denied.body)
        t.equal(denied.json().type, 'urn:atd:problem:forbidden-fields')
        t.same(denied.json().deniedFields, [field])
        t.notMatch(denied.body, /Siglo/)
      }
      t.equal((await database.db.selectFrom('placements').select('id').execute()).length, 0, 'nothing written')

      const opened = await app.inject({
        method: 'POST',
        url,
        headers: officer.headers,
        payload: { type: 'migration_station', facilityName: 'Estación Siglo XXI', startedAt: daysAgo(5) },
      })
      t.equal(opened.statusCode, 201, opened.body)
      t.equal(opened.headers.etag, '"1"')
      t.equal(opened.json().current, true)
      t.equal(opened.json().facilityName, 'Estación Siglo XXI', 'the facility name is custody (the matrix)')
      t.notOk(
        'facilityAddress' in opened.json() || 'legalBasis' in opened.json() || 'endNotes' in opened.json(),
        'the officer reads no contact, legal or notes',
      )
      const view = await readCase()
      t.equal(view.custody.placementType, 'migration_station')
      t.equal(view.custody.inDetention, true)
      t.equal(view.custody.daysInDetention, 6, 'five days ago to today, both counted')
    },
  )

  await t.test('opening a new placement ends the current one in the same transaction', async (t) => {
    const before = await readCase()
    const early = await app.inject({ method: 'POST', url, headers: ngo.headers, payload: { type: 'dif_shelter', startedAt: daysAgo(9) } })
    t.equal(early.statusCode, 422, 'cannot start before the current placement')
    const future = await app.inject({
      method: 'POST',
      url,
      headers: ngo.headers,
      payload: { type: 'dif_shelter', startedAt: new Date(Date.now() + 86_400_000).toISOString() },
    })
    t.equal(future.statusCode, 422)

    const opened = await app.inject({
      method: 'POST',
      url,
      headers: ngo.headers,
      payload: {
        type: 'ngo_shelter',
        facilityName: 'Casa Esperanza',
        facilityAddress: 'Calle 5, Tapachula',
        responsibleOrganizationId: ngo.organizationId,
        startedAt: daysAgo(2),
        correctionReason: 'moved two days ago, recorded today',
      },
    })
    t.equal(opened.statusCode, 201, opened.body)
    t.equal(opened.json().facilityName, 'Casa Esperanza')
    const view = await readCase()
    t.equal(view.custody.placementType, 'ngo_shelter')
    t.equal(view.custody.responsibleOrganizationId, ngo.organizationId)
    t.equal(view.custody.inDetention, false)
    t.equal(view.custody.daysInDetention, 4, 'the closed stay still counts: five days ago to two days ago')
    t.ok(view.version > before.version, 'the case version moves with its derived fields')

    const list = await app.inject({ method: 'GET', url, headers: ngo.headers })
    t.equal(list.statusCode, 200)
    const items = list.json().items
    t.equal(items.length, 2)
    t.same(
      items.map((item: { current: boolean }) => item.current),
      [true, false],
      'newest first; one current',
    )
    t.equal(items[1].endReasonCode, 'replaced_by_new_placement')
    t.equal(items[1].endedAt, items[0].startedAt)

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
      const list = await app.inject({ method: 'GET', url, headers: user.headers })
      t.equal(list.statusCode, 200, list.body)
      t.equal(list.json().items.length, 2)
      for (const item of list.json().items) {
        t.notOk('facilityAddress' in item, `${user.role} sees no facility address`)
        t.ok(item.type)
      }
      t.notMatch(list.body, /Tapachula/)
    }
    const attorneyList = await app.inject({ method: 'GET', url, headers: attorney.headers })
    t.equal(attorneyList.json().items[0].facilityAddress, 'Calle 5, Tapachula', 'the attorney reads contact')
  })

  await t.test('roles without custody create get 403; outsiders 404; unknown fields 400', async (t) => {
    for (const user of [attorney, auditor]) {
      const denied = await app.inject({ method: 'POST', url, headers: user.headers, payload: { type: 'kinship_care' } })
      t.equal(denied.statusCode, 403, `${user.role}: ${denied.body}`)
    }
    const attorneyDenied = await app.inject({ method: 'POST', url, headers: attorney.headers, payload: { type: 'kinship_care' } })
    t.same(attorneyDenied.json().deniedFields, ['custody.type'])
    t.equal((await app.inject({ method: 'POST', url, headers: outsider.headers, payload: { type: 'kinship_care' } })).statusCode, 404)
    t.equal((await app.inject({ method: 'GET', url, headers: outsider.headers })).statusCode, 404)
    t.equal(
      (await app.inject({ method: 'POST', url, headers: ngo.headers, payload: { type: 'kinship_care', inDetention: true } })).statusCode,
      400,
    )
    t.equal((await app.inject({ method: 'POST', url, headers: ngo.headers, payload: { type: 'prison' } })).statusCode, 400)
  })

  await t.test('an Idempotency-Key makes a retried create answer the first placement', async (t) => {
    const headers = { ...ngo.headers, 'idempotency-key': 'placement-retry-0001' }
    const payload = { type: 'foster_family', startedAt: daysAgo(1), correctionReason: 'moved yesterday, recorded today' }
    const first = await app.inject({ method: 'POST', url, headers, payload })
    t.equal(first.statusCode, 201, first.body)
    const retried = await app.inject({ method: 'POST', url, headers, payload })
    t.equal(retried.statusCode, 201, retried.body)
    t.equal(retried.headers['idempotent-replayed'], 'true')
    t.equal(retried.json().id, first.json().id)
    const different = await app.inject({ method: 'POST', url, headers, payload: { ...payload, type: 'kinship_care' } })
    t.equal(different.statusCode, 422, 'the same key with another body is refused')
    t.equal((await app.inject({ method: 'GET', url, headers: ngo.headers })).json().items.length, 3)
  })

  await t.test('two placements opened at once still leave one current placement', async (t) => {
    const [a, b] = await Promise.all(
      ['dif_first_reception', 'dif_shelter'].map((type) => app.inject({ method: 'POST', url, headers: ngo.headers, payload: { type } })),
    )
    t.same([a!.statusCode, b!.statusCode], [201, 201], `${a!.body} ${b!.body}`)
    const items = (await app.inject({ method: 'GET', url, headers: ngo.headers })).json().items as { current: boolean }[]
    t.equal(items.filter((item) => item.current).length, 1)
  })

  await t.test('ending the current placement needs If-Match and leaves no current placement', async (t) => {
    const current = (await app.inject({ method: 'GET', url, headers: ngo.headers })).json().items[0]
    const patchUrl = `${url}/${current.id}`
    const payload = { endReasonCode: 'family_reunified', endNotes: 'family located' }
    t.equal((await app.inject({ method: 'PATCH', url: patchUrl, headers: ngo.headers, payload })).statusCode, 428)
    t.equal((await app.inject({ method: 'PATCH', url: patchUrl, headers: { ...ngo.headers, 'if-match': '"7"' }, payload })).statusCode, 412)
    t.equal(
      (await app.inject({ method: 'PATCH', url: patchUrl, headers: { ...auditor.headers, 'if-match': `"${current.version}"` }, payload }))
        .statusCode,
      403,
    )
    const ended = await app.inject({
      method: 'PATCH',
      url: patchUrl,
      headers: { ...ngo.headers, 'if-match': `"${current.version}"` },
      payload,
    })
    t.equal(ended.statusCode, 200, ended.body)
    t.equal(ended.json().current, false)
    t.equal(ended.json().endReasonCode, 'family_reunified')
    t.equal(ended.json().endNotes, 'family located')
    const officerView = (await app.inject({ method: 'GET', url, headers: officer.headers }))
      .json()
      .items.find((item: { id: string }) => item.id === current.id)
    t.equal(officerView.endReasonCode, 'family_reunified', 'the code is custody')
    t.notOk('endNotes' in officerView, 'the story is notes: not for the migration officer')
    t.equal(ended.headers.etag, `"${current.version + 1}"`)
    const again = await app.inject({
      method: 'PATCH',
      url: patchUrl,
      headers: { ...ngo.headers, 'if-match': ended.headers.etag as string },
      payload,
    })
    t.equal(again.statusCode, 409)
    const view = await readCase()
    t.equal(view.custody.placementType, null)
    t.equal(view.custody.placementSince, null)
    t.equal(view.custody.daysInDetention, 4)
  })
})

import { sql } from 'kysely'
import t from 'tap'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

// Issue 13, "The record bends": every example is refused with a problem naming the field, and
// nothing changes.
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()
const dateYearsAgo = (years: number, days = 0) => {
  const date = new Date()
  date.setUTCFullYear(date.getUTCFullYear() - years)
  date.setUTCDate(date.getUTCDate() - days)
  return date.toISOString().slice(0, 10)
}

t.test('the record holds', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'migration_officer')
  const protection = await createUser(database, 'protection_officer')
  const auditor = await createUser(database, 'oversight_auditor')

  const openCase = async (payload: Record<string, unknown> = {}) => {
    const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high', ...payload } })
    t.equal(created.statusCode, 201, created.body)
    const id: string = created.json().id
    for (const user of [officer, protection]) {
      await grantParticipation(database.db, user.organizationId, id, ngo.id)
    }
    return id
  }
  const snapshot = async (id: string) =>
    (await sql<{ text: string }>`SELECT cases::text AS text FROM cases WHERE id = ${id}`.execute(database.db)).rows[0]!.text
  const patch = async (user: TestUser, id: string, payload: Record<string, unknown>) => {
    const etag = (await app.inject({ method: 'GET', url: `/cases/${id}`, headers: user.headers })).headers.etag as string
    return app.inject({ method: 'PATCH', url: `/cases/${id}`, headers: { ...user.headers, 'if-match': etag }, payload })
  }
  const problemOf = (response: { statusCode: number; headers: Record<string, unknown>; json: () => Record<string, unknown> }) => {
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    return response.json() as { type: string; detail: string; errors?: { path: string }[]; invalidFields?: string[]; code?: string }
  }
  const namesPath = (body: { errors?: { path: string }[] }, path: string) => (body.errors ?? []).some((error) => error.path === path)

  const caseId = await openCase({ demographics: { nationality: 'GT' }, identity: { dateOfBirth: dateYearsAgo(15) } })

  await t.test('a date of birth in the future, or giving an age over 25, is refused (400 naming the field)', async (t) => {
    for (const dateOfBirth of ['2099-01-01', dateYearsAgo(26, 1), dateYearsAgo(40), '0000-01-01', '1900-02-29']) {
      for (const attempt of [
        () =>
          app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high', identity: { dateOfBirth } } }),
        () => patch(ngo, caseId, { identity: { dateOfBirth } }),
      ]) {
        const before = await snapshot(caseId)
        const response = await attempt()
        t.equal(response.statusCode, 400, `${dateOfBirth}: ${response.body}`)
        t.ok(namesPath(problemOf(response), '/identity/dateOfBirth'), 'names identity.dateOfBirth')
        t.equal(await snapshot(caseId), before, 'nothing changed')
      }
    }
    const created = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: ngo.headers,
      payload: { riskLevel: 'high', identity: { dateOfBirth: '2099-01-01' } },
    })
    t.equal(created.statusCode, 400)
    t.equal(
      (await patch(ngo, caseId, { identity: { dateOfBirth: dateYearsAgo(25) } })).statusCode,
      200,
      'a 25-year-old is still a case this service may hold',
    )
    const child = await patch(ngo, caseId, { identity: { dateOfBirth: dateYearsAgo(16) } })
    t.equal(child.statusCode, 200, child.body)
    t.equal(child.json().demographics.ageBracket, '15-17')
  })

  await t.test('nationality and country codes come from the ISO 3166-1 list kept in the project', async (t) => {
    for (const [payload, path] of [
      [{ demographics: { nationality: 'XX' } }, '/demographics/nationality'],
      [{ demographics: { nationality: 'ZZ' } }, '/demographics/nationality'],
      [{ demographics: { nationality: 'UK' } }, '/demographics/nationality'],
      [{ demographics: { nationality: 'gt' } }, '/demographics/nationality'],
      [{ contact: { family: [{ relationship: 'mother', country: 'XX' }] } }, '/contact/family/0/country'],
      [{ identity: { identityDocuments: [{ type: 'passport', issuingCountry: 'QQ' }] } }, '/identity/identityDocuments/0/issuingCountry'],
    ] as const) {
      const before = await snapshot(caseId)
      const response = await patch(ngo, caseId, payload)
      t.equal(response.statusCode, 400, JSON.stringify(payload))
      t.ok(namesPath(problemOf(response), path), `names ${path}: ${response.body}`)
      t.equal(await snapshot(caseId), before, 'nothing changed')
    }
    for (const nationality of ['HN', 'SV', 'VE', 'HT', 'MX', 'SS']) {
      t.equal((await patch(ngo, caseId, { demographics: { nationality } })).statusCode, 200, nationality)
    }
  })

  await t.test('the Procuraduría notification is not before the case was opened, nor in the future', async (t) => {
    const before = await snapshot(caseId)
    const early = await patch(ngo, caseId, { custody: { procuraduriaNotifiedAt: '2000-01-01T00:00:00Z' } })
    t.equal(early.statusCode, 422, early.body)
    const problem = problemOf(early)
    t.equal(problem.type, 'urn:atd:problem:unprocessable-entity')
    t.same(problem.invalidFields, ['custody.procuraduriaNotifiedAt'])
    t.ok(namesPath(problem, '/custody/procuraduriaNotifiedAt'))
    t.notMatch(early.body, /2000-01-01/, 'the problem does not repeat the value')
    const channelled = await patch(ngo, caseId, { custody: { channelledAt: daysAgo(3) } })
    t.equal(channelled.statusCode, 422, 'channelling before the case was opened')
    const future = await patch(ngo, caseId, { custody: { procuraduriaNotifiedAt: new Date(Date.now() + 86_400_000).toISOString() } })
    t.equal(future.statusCode, 400)
    t.ok(namesPath(problemOf(future), '/custody/procuraduriaNotifiedAt'))
    t.equal(await snapshot(caseId), before, 'nothing changed')
    const onCreate = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: ngo.headers,
      payload: { riskLevel: 'high', custody: { procuraduriaNotifiedAt: '2000-01-01T00:00:00Z' } },
    })
    t.equal(onCreate.statusCode, 422)
    t.equal((await patch(ngo, caseId, { custody: { procuraduriaNotifiedAt: new Date().toISOString() } })).statusCode, 200, 'now is fine')
    for (const [payload, path] of [
      [{ legalStatus: { entryDate: '2099-01-01' } }, '/legalStatus/entryDate'],
      [
        { legal: { guardian: { type: 'procuraduria', representationType: 'suplencia', appointedAt: '2099-01-01' } } },
        '/legal/guardian/appointedAt',
      ],
    ] as const) {
      const response = await patch(protection, caseId, payload)
      t.equal(response.statusCode, 400, JSON.stringify(payload))
      t.ok(namesPath(problemOf(response), path), path)
    }
  })

  await t.test('a migration officer cannot shorten a detention nor rewrite placement dates retroactively', async (t) => {
    const detained = await openCase()
    const url = `/cases/${detained}/placements`
    const readCase = async () => (await app.inject({ method: 'GET', url: `/cases/${detained}`, headers: ngo.headers })).json()
    const tooEarly = await app.inject({
      method: 'POST',
      url,
      headers: officer.headers,
      payload: { type: 'migration_station', startedAt: daysAgo(31) },
    })
    t.equal(tooEarly.statusCode, 422, 'more than 30 days before the case was opened')
    t.same(problemOf(tooEarly).invalidFields, ['startedAt'])
    const placed = await app.inject({
      method: 'POST',
      url,
      headers: officer.headers,
      payload: { type: 'migration_station', startedAt: daysAgo(9.5) },
    })
    t.equal(placed.statusCode, 201, placed.body)
    t.equal(placed.json().backdated, true, 'an earlier placement is recorded as backdated')
    const days = (await readCase()).custody.daysInDetention
    t.ok(days >= 10, `${days} days in detention`)

    const before = await snapshot(detained)
    const placementsBefore = await database.db.selectFrom('placements').selectAll().where('case_id', '=', detained).execute()
    const shortened = await app.inject({
      method: 'PATCH',
      url: `${url}/${placed.json().id}`,
      headers: { ...officer.headers, 'if-match': placed.headers.etag as string },
      payload: { endReasonCode: 'released_from_detention', endedAt: daysAgo(8.5) },
    })
    t.equal(shortened.statusCode, 403, shortened.body)
    t.match(problemOf(shortened), { code: 'retroactive_placement_change', invalidFields: ['endedAt'] })
    const replaced = await app.inject({
      method: 'POST',
      url,
      headers: officer.headers,
      payload: { type: 'dif_shelter', startedAt: daysAgo(8) },
    })
    t.equal(replaced.statusCode, 403, 'a new placement that starts in the past would end the detention in the past')
    t.match(problemOf(replaced), { code: 'retroactive_placement_change', invalidFields: ['startedAt'] })
    const withReason = await app.inject({
      method: 'POST',
      url,
      headers: officer.headers,
      payload: { type: 'dif_shelter', startedAt: daysAgo(8), correctionReason: 'typo' },
    })
    t.equal(withReason.statusCode, 403, 'nor with a reason (free text the officer may not write)')
    t.equal(await snapshot(detained), before, 'the case is unchanged')
    t.same(
      await database.db.selectFrom('placements').selectAll().where('case_id', '=', detained).execute(),
      placementsBefore,
      'the placements are unchanged',
    )
    t.equal((await readCase()).custody.daysInDetention, days, 'detention days unchanged')

    await t.test('the caseworker corrects placement dates only with a reason, and oversight is alerted', async (t) => {
      const current = (await app.inject({ method: 'GET', url, headers: ngo.headers })).json().items[0]
      const noReason = await app.inject({
        method: 'PATCH',
        url: `${url}/${current.id}`,
        headers: { ...ngo.headers, 'if-match': `"${current.version}"` },
        payload: { endReasonCode: 'released_from_detention', endedAt: daysAgo(8.5) },
      })
      t.equal(noReason.statusCode, 422, noReason.body)
      t.same(problemOf(noReason).invalidFields, ['correctionReason'])
      t.equal((await readCase()).custody.daysInDetention, days, 'detention days unchanged')
      const alertsBefore = (await app.inject({ method: 'GET', url: '/alerts', headers: auditor.headers })).json().items as {
        caseId: string
        rule: string
      }[]
      t.notOk(alertsBefore.some((alert) => alert.caseId === detained && alert.rule === 'detention_corrected'))

      const corrected = await app.inject({
        method: 'PATCH',
        url: `${url}/${current.id}`,
        headers: { ...ngo.headers, 'if-match': `"${current.version}"` },
        payload: {
          endReasonCode: 'released_from_detention',
          endedAt: daysAgo(8.5),
          correctionReason: 'released on the 2nd day; the release was recorded late',
        },
      })
      t.equal(corrected.statusCode, 200, corrected.body)
      t.equal(corrected.json().backdated, true)
      t.equal((await readCase()).custody.daysInDetention, 2)
      const corrections = await database.db.selectFrom('placement_corrections').selectAll().where('case_id', '=', detained).execute()
      t.equal(corrections.length, 1)
      t.match(corrections[0], { placement_type: 'migration_station', field: 'endedAt', detention_days_after: 2, corrected_by: ngo.id })
      t.ok(corrections[0]!.detention_days_before >= 10)
      const alerts = (await app.inject({ method: 'GET', url: '/alerts', headers: auditor.headers })).json().items as {
        caseId: string
        rule: string
        severity: string
      }[]
      t.ok(
        alerts.some((alert) => alert.caseId === detained && alert.rule === 'detention_corrected' && alert.severity === 'high'),
        'oversight sees the correction',
      )
      const officerList = (await app.inject({ method: 'GET', url, headers: officer.headers })).json()
      t.notMatch(JSON.stringify(officerList), /recorded late/, 'the reason is notes: not for the migration officer')
    })

    await t.test('ending a placement now is not a correction; a reason there is refused', async (t) => {
      const other = await openCase()
      const placement = await app.inject({
        method: 'POST',
        url: `/cases/${other}/placements`,
        headers: officer.headers,
        payload: { type: 'inm_temporary_custody' },
      })
      t.equal(placement.statusCode, 201, placement.body)
      t.equal(placement.json().backdated, false)
      const stray = await app.inject({
        method: 'POST',
        url: `/cases/${other}/placements`,
        headers: ngo.headers,
        payload: { type: 'dif_shelter', correctionReason: 'none' },
      })
      t.equal(stray.statusCode, 422, 'a reason for nothing retroactive')
      const ended = await app.inject({
        method: 'PATCH',
        url: `/cases/${other}/placements/${placement.json().id}`,
        headers: { ...officer.headers, 'if-match': placement.headers.etag as string },
        payload: { endReasonCode: 'moved_to_other_care' },
      })
      t.equal(ended.statusCode, 200, ended.body)
      t.equal(ended.json().backdated, false)
    })
  })
  await t.test('a determination is decided by distinct members, signed before, dated after its draft, with If-Match, once', async (t) => {
    const bidCase = await openCase()
    const attorney = await createUser(database, 'attorney')
    await grantParticipation(database.db, attorney.organizationId, bidCase, ngo.id)
    const today = new Date().toISOString().slice(0, 10)
    const send = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>, etag?: string) =>
      app.inject({
        method,
        url: `/cases/${bidCase}${url}`,
        headers: etag ? { ...protection.headers, 'if-match': etag } : protection.headers,
        ...(payload ? { payload } : {}),
      })
    const member = (name: string, undertakingSignedAt = '2026-01-15') => ({ name, role: 'panel member', undertakingSignedAt })
    const deliberation = { childViews: 'Wants to stay with her aunt', rationale: 'The aunt is safe and willing' }

    const twice = await send('POST', '/determinations', {
      trigger: 'durable_solution',
      panel: [member('Lic. Laura Pérez'), member('lic. laura  perez')],
      ...deliberation,
    })
    t.equal(twice.statusCode, 422, 'the same person twice on the panel (case, accents and spacing aside)')
    t.same(problemOf(twice).invalidFields, ['panel.1.name'])
    const futureUndertaking = await send('POST', '/determinations', {
      trigger: 'durable_solution',
      panel: [member('A'), member('B', '2099-01-01')],
      ...deliberation,
    })
    t.equal(futureUndertaking.statusCode, 400, 'an undertaking dated 2099')
    t.ok(namesPath(problemOf(futureUndertaking), '/panel/1/undertakingSignedAt'))
    t.equal(
      (await database.db.selectFrom('determinations').select('id').where('case_id', '=', bidCase).execute()).length,
      0,
      'nothing written',
    )

    const draft = await send('POST', '/determinations', {
      trigger: 'durable_solution',
      panel: [member('Lic. Laura Pérez'), member('Psic. Mario Díaz', today)],
      ...deliberation,
    })
    t.equal(draft.statusCode, 201, draft.body)
    const id: string = draft.json().id
    const etag = draft.headers.etag as string
    const decision = { outcome: 'local_integration', decidedAt: today, reviewDueAt: '2027-06-01' }
    const versionOf = async () =>
      await database.db.selectFrom('determinations').select(['version', 'status']).where('id', '=', id).executeTakeFirstOrThrow()
    const before = await versionOf()

    t.equal((await send('POST', `/determinations/${id}/decision`, decision)).statusCode, 428, 'the decision takes If-Match')
    t.equal((await send('POST', `/determinations/${id}/decision`, decision, '"9"')).statusCode, 412, 'a stale If-Match')
    const beforeDraft = await send('POST', `/determinations/${id}/decision`, { ...decision, decidedAt: '2026-01-01' }, etag)
    t.equal(beforeDraft.statusCode, 422, 'a decision dated before its draft')
    t.same(problemOf(beforeDraft).invalidFields, ['decidedAt'])
    const future = await send(
      'POST',
      `/determinations/${id}/decision`,
      { ...decision, decidedAt: '2099-01-01', reviewDueAt: '2099-06-01' },
      etag,
    )
    t.equal(future.statusCode, 422, 'a decision dated 2099')
    t.same(problemOf(future).invalidFields, ['decidedAt'])
    const earlierTime = await send(
      'POST',
      `/determinations/${id}/decision`,
      { ...decision, decidedAt: new Date(Date.now() - 3_600_000).toISOString() },
      etag,
    )
    t.equal(earlierTime.statusCode, 422, 'an instant an hour before the draft was opened')
    t.same(await versionOf(), before, 'nothing changed')

    // A repeated member stored before this rule (straight in the database) still cannot decide.
    await database.db
      .updateTable('determinations')
      .set({ panel: JSON.stringify([member('A'), member('A')]) })
      .where('id', '=', id)
      .execute()
    const repeated = await send('POST', `/determinations/${id}/decision`, decision, etag)
    t.equal(repeated.statusCode, 409, repeated.body)
    t.equal(repeated.json().type, 'urn:atd:problem:guard-failed')
    t.same(repeated.json().unmetConditions, ['panel_undertakings_missing', 'panel_member_repeated'])
    await database.db
      .updateTable('determinations')
      .set({ panel: JSON.stringify([member('Lic. Laura Pérez'), member('Psic. Mario Díaz', today)]) })
      .where('id', '=', id)
      .execute()

    const decided = await send('POST', `/determinations/${id}/decision`, decision, etag)
    t.equal(decided.statusCode, 200, decided.body)

    // A second draft, opened without superseding the first, cannot also be decided.
    const second = await send('POST', '/determinations', { trigger: 'review', panel: [member('A'), member('B')], ...deliberation })
    t.equal(second.statusCode, 201, second.body)
    const another = await send(
      'POST',
      `/determinations/${second.json().id}/decision`,
      { ...decision, outcome: 'resettlement' },
      second.headers.etag as string,
    )
    t.equal(another.statusCode, 409, another.body)
    t.equal(another.json().code, 'decided_determination_exists')
    const decidedRows = await database.db
      .selectFrom('determinations')
      .select('id')
      .where('case_id', '=', bidCase)
      .where('status', '=', 'decided')
      .execute()
    t.same(
      decidedRows.map((row) => row.id),
      [id],
      'one decided determination',
    )

    const late = await send('POST', '/determinations', {
      trigger: 'review',
      supersedesId: id,
      panel: [member('A'), member('B', '2099-01-01')],
      ...deliberation,
    })
    t.equal(late.statusCode, 400)
    const review = await send('POST', '/determinations', {
      trigger: 'review',
      supersedesId: id,
      panel: [member('A'), member('B', today)],
      ...deliberation,
    })
    t.equal(review.statusCode, 201, review.body)
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    await database.db
      .updateTable('determinations')
      .set({ created_at: sql<Date>`now() - interval '3 days'` })
      .where('id', '=', review.json().id)
      .execute()
    const signedAfter = await send(
      'POST',
      `/determinations/${review.json().id}/decision`,
      { ...decision, decidedAt: yesterday },
      review.headers.etag as string,
    )
    t.equal(signedAfter.statusCode, 422, 'an undertaking signed after the decision')
    t.same(problemOf(signedAfter).invalidFields, ['panel.1.undertakingSignedAt'])
    const reviewed = await send(
      'POST',
      `/determinations/${review.json().id}/decision`,
      { ...decision, outcome: 'resettlement' },
      review.headers.etag as string,
    )
    t.equal(reviewed.statusCode, 200, reviewed.body)
    t.equal((await send('GET', `/determinations/${id}`)).json().status, 'superseded')
  })
})

import { sql } from 'kysely'
import t from 'tap'
import { answered, present } from '../helpers/api-client.js'
import type { components, operations } from '../helpers/api-types.js'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

type NewCase = components['schemas']['NewCase']
type CasePatch = components['schemas']['CasePatch']
type NewPlacement = components['schemas']['NewPlacement']
type PlacementEnd = operations['updateCasePlacement']['requestBody']['content']['application/json']
type NewDetermination = components['schemas']['NewDetermination']
type Decision = operations['decisionCaseDetermination']['requestBody']['content']['application/json']
type Problem = components['schemas']['Problem']

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
  const { app, api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'migration_officer')
  const protection = await createUser(database, 'protection_officer')
  const auditor = await createUser(database, 'oversight_auditor')

  const createCase = (body: NewCase) => api(ngo).POST('/cases', { body })
  const openCase = async (body: Partial<NewCase> = {}) => {
    const created = await createCase({ riskLevel: 'high', ...body })
    const id = present(answered(t, created, 201).id, 'the case id')
    for (const user of [officer, protection]) {
      await grantParticipation(database.db, user.organizationId, id, ngo.id)
    }
    return id
  }
  const snapshot = async (id: string) =>
    (await sql<{ text: string }>`SELECT cases::text AS text FROM cases WHERE id = ${id}`.execute(database.db)).rows[0]!.text
  const patch = async (user: TestUser, id: string, body: CasePatch) => {
    const etag = (await api(user).GET('/cases/{id}', { params: { path: { id } } })).response.headers.get('etag') ?? ''
    return api(user).PATCH('/cases/{id}', { params: { path: { id }, header: { 'if-match': etag } }, body })
  }
  const problemOf = (answer: { error?: Problem; response: Response }) => {
    t.match(answer.response.headers.get('content-type'), /^application\/problem\+json/)
    return present(answer.error, 'the problem')
  }
  const namesPath = (body: Problem, path: string) => (body.errors ?? []).some((error) => error.path === path)

  const caseId = await openCase({ demographics: { nationality: 'GT' }, identity: { dateOfBirth: dateYearsAgo(15) } })

  await t.test('a date of birth in the future, or giving an age over 25, is refused (400 naming the field)', async (t) => {
    for (const dateOfBirth of ['2099-01-01', dateYearsAgo(26, 1), dateYearsAgo(40), '0000-01-01', '1900-02-29']) {
      for (const attempt of [
        () => createCase({ riskLevel: 'high', identity: { dateOfBirth } }),
        () => patch(ngo, caseId, { identity: { dateOfBirth } }),
      ]) {
        const before = await snapshot(caseId)
        const response = await attempt()
        t.equal(response.response.status, 400, `${dateOfBirth}: ${JSON.stringify(response.error)}`)
        t.ok(namesPath(problemOf(response), '/identity/dateOfBirth'), 'names identity.dateOfBirth')
        t.equal(await snapshot(caseId), before, 'nothing changed')
      }
    }
    const created = await createCase({ riskLevel: 'high', identity: { dateOfBirth: '2099-01-01' } })
    t.equal(created.response.status, 400)
    t.equal(
      (await patch(ngo, caseId, { identity: { dateOfBirth: dateYearsAgo(25) } })).response.status,
      200,
      'a 25-year-old is still a case this service may hold',
    )
    const child = await patch(ngo, caseId, { identity: { dateOfBirth: dateYearsAgo(16) } })
    t.equal(answered(t, child, 200).demographics?.ageBracket, '15-17')
  })

  await t.test('nationality and country codes come from the ISO 3166-1 list kept in the project', async (t) => {
    const refused: [CasePatch, string][] = [
      [{ demographics: { nationality: 'XX' } }, '/demographics/nationality'],
      [{ demographics: { nationality: 'ZZ' } }, '/demographics/nationality'],
      [{ demographics: { nationality: 'UK' } }, '/demographics/nationality'],
      [{ demographics: { nationality: 'gt' } }, '/demographics/nationality'],
      [{ contact: { family: [{ relationship: 'mother', country: 'XX' }] } }, '/contact/family/0/country'],
      [{ identity: { identityDocuments: [{ type: 'passport', issuingCountry: 'QQ' }] } }, '/identity/identityDocuments/0/issuingCountry'],
    ]
    for (const [body, path] of refused) {
      const before = await snapshot(caseId)
      const response = await patch(ngo, caseId, body)
      t.equal(response.response.status, 400, JSON.stringify(body))
      t.ok(namesPath(problemOf(response), path), `names ${path}: ${JSON.stringify(response.error)}`)
      t.equal(await snapshot(caseId), before, 'nothing changed')
    }
    for (const nationality of ['HN', 'SV', 'VE', 'HT', 'MX', 'SS']) {
      t.equal((await patch(ngo, caseId, { demographics: { nationality } })).response.status, 200, nationality)
    }
  })

  await t.test('the Procuraduría notification is not before the case was opened, nor in the future', async (t) => {
    const before = await snapshot(caseId)
    const early = await patch(ngo, caseId, { custody: { procuraduriaNotifiedAt: '2000-01-01T00:00:00Z' } })
    t.equal(early.response.status, 422, JSON.stringify(early.error))
    const problem = problemOf(early)
    t.equal(problem.type, 'urn:atd:problem:unprocessable-entity')
    t.same(problem.invalidFields, ['custody.procuraduriaNotifiedAt'])
    t.ok(namesPath(problem, '/custody/procuraduriaNotifiedAt'))
    t.notMatch(JSON.stringify(problem), /2000-01-01/, 'the problem does not repeat the value')
    const channelled = await patch(ngo, caseId, { custody: { channelledAt: daysAgo(3) } })
    t.equal(channelled.response.status, 422, 'channelling before the case was opened')
    const future = await patch(ngo, caseId, { custody: { procuraduriaNotifiedAt: new Date(Date.now() + 86_400_000).toISOString() } })
    t.equal(future.response.status, 400)
    t.ok(namesPath(problemOf(future), '/custody/procuraduriaNotifiedAt'))
    t.equal(await snapshot(caseId), before, 'nothing changed')
    const onCreate = await createCase({ riskLevel: 'high', custody: { procuraduriaNotifiedAt: '2000-01-01T00:00:00Z' } })
    t.equal(onCreate.response.status, 422)
    t.equal(
      (await patch(ngo, caseId, { custody: { procuraduriaNotifiedAt: new Date().toISOString() } })).response.status,
      200,
      'now is fine',
    )
    const datedLater: [CasePatch, string][] = [
      [{ legalStatus: { entryDate: '2099-01-01' } }, '/legalStatus/entryDate'],
      [
        { legal: { guardian: { type: 'procuraduria', representationType: 'suplencia', appointedAt: '2099-01-01' } } },
        '/legal/guardian/appointedAt',
      ],
    ]
    for (const [body, path] of datedLater) {
      const response = await patch(protection, caseId, body)
      t.equal(response.response.status, 400, JSON.stringify(body))
      t.ok(namesPath(problemOf(response), path), path)
    }
  })

  await t.test('a migration officer cannot shorten a detention nor rewrite placement dates retroactively', async (t) => {
    const detained = await openCase()
    const place = (user: TestUser, body: NewPlacement, id = detained) =>
      api(user).POST('/cases/{id}/placements', { params: { path: { id } }, body })
    const endPlacement = (user: TestUser, pid: string, ifMatch: string, body: PlacementEnd, id = detained) =>
      api(user).PATCH('/cases/{id}/placements/{pid}', { params: { path: { id, pid }, header: { 'if-match': ifMatch } }, body })
    const listPlacements = (user: TestUser) => api(user).GET('/cases/{id}/placements', { params: { path: { id: detained } } })
    const daysInDetention = async () =>
      answered(t, await api(ngo).GET('/cases/{id}', { params: { path: { id: detained } } }), 200).custody?.daysInDetention
    const tooEarly = await place(officer, { type: 'migration_station', startedAt: daysAgo(31) })
    t.equal(tooEarly.response.status, 422, 'more than 30 days before the case was opened')
    t.same(problemOf(tooEarly).invalidFields, ['startedAt'])
    const placed = await place(officer, { type: 'migration_station', startedAt: daysAgo(9.5) })
    const placement = answered(t, placed, 201)
    t.equal(placement.backdated, true, 'an earlier placement is recorded as backdated')
    const days = present(await daysInDetention(), 'days in detention')
    t.ok(days >= 10, `${days} days in detention`)

    const before = await snapshot(detained)
    const placementsBefore = await database.db.selectFrom('placements').selectAll().where('case_id', '=', detained).execute()
    const shortened = await endPlacement(officer, placement.id, placed.response.headers.get('etag') ?? '', {
      endReasonCode: 'released_from_detention',
      endedAt: daysAgo(8.5),
    })
    t.equal(shortened.response.status, 403, JSON.stringify(shortened.error))
    t.match(problemOf(shortened), { code: 'retroactive_placement_change', invalidFields: ['endedAt'] })
    const replaced = await place(officer, { type: 'dif_shelter', startedAt: daysAgo(8) })
    t.equal(replaced.response.status, 403, 'a new placement that starts in the past would end the detention in the past')
    t.match(problemOf(replaced), { code: 'retroactive_placement_change', invalidFields: ['startedAt'] })
    const withReason = await place(officer, { type: 'dif_shelter', startedAt: daysAgo(8), correctionReason: 'typo' })
    t.equal(withReason.response.status, 403, 'nor with a reason (free text the officer may not write)')
    t.equal(await snapshot(detained), before, 'the case is unchanged')
    t.same(
      await database.db.selectFrom('placements').selectAll().where('case_id', '=', detained).execute(),
      placementsBefore,
      'the placements are unchanged',
    )
    t.equal(await daysInDetention(), days, 'detention days unchanged')

    await t.test('the caseworker corrects placement dates only with a reason, and oversight is alerted', async (t) => {
      const current = present(answered(t, await listPlacements(ngo), 200).items[0], 'the current placement')
      const noReason = await endPlacement(ngo, current.id, `"${current.version}"`, {
        endReasonCode: 'released_from_detention',
        endedAt: daysAgo(8.5),
      })
      t.equal(noReason.response.status, 422, JSON.stringify(noReason.error))
      t.same(problemOf(noReason).invalidFields, ['correctionReason'])
      t.equal(await daysInDetention(), days, 'detention days unchanged')
      const alerts = async () => answered(t, await api(auditor).GET('/alerts'), 200).items
      t.notOk((await alerts()).some((alert) => alert.caseId === detained && alert.rule === 'detention_corrected'))

      const corrected = await endPlacement(ngo, current.id, `"${current.version}"`, {
        endReasonCode: 'released_from_detention',
        endedAt: daysAgo(8.5),
        correctionReason: 'released on the 2nd day; the release was recorded late',
      })
      t.equal(answered(t, corrected, 200).backdated, true)
      t.equal(await daysInDetention(), 2)
      const corrections = await database.db.selectFrom('placement_corrections').selectAll().where('case_id', '=', detained).execute()
      t.equal(corrections.length, 1)
      t.match(corrections[0], { placement_type: 'migration_station', field: 'endedAt', detention_days_after: 2, corrected_by: ngo.id })
      t.ok(corrections[0]!.detention_days_before >= 10)
      t.ok(
        (await alerts()).some((alert) => alert.caseId === detained && alert.rule === 'detention_corrected' && alert.severity === 'high'),
        'oversight sees the correction',
      )
      const officerList = answered(t, await listPlacements(officer), 200)
      t.notMatch(JSON.stringify(officerList), /recorded late/, 'the reason is notes: not for the migration officer')
    })

    await t.test('ending a placement now is not a correction; a reason there is refused', async (t) => {
      const other = await openCase()
      const placed = await place(officer, { type: 'inm_temporary_custody' }, other)
      const placement = answered(t, placed, 201)
      t.equal(placement.backdated, false)
      const stray = await place(ngo, { type: 'dif_shelter', correctionReason: 'none' }, other)
      t.equal(stray.response.status, 422, 'a reason for nothing retroactive')
      const ended = await endPlacement(
        officer,
        placement.id,
        placed.response.headers.get('etag') ?? '',
        { endReasonCode: 'moved_to_other_care' },
        other,
      )
      t.equal(answered(t, ended, 200).backdated, false)
    })
  })
  await t.test('a determination is decided by distinct members, signed before, dated after its draft, with If-Match, once', async (t) => {
    const bidCase = await openCase()
    const attorney = await createUser(database, 'attorney')
    await grantParticipation(database.db, attorney.organizationId, bidCase, ngo.id)
    const today = new Date().toISOString().slice(0, 10)
    const open = (body: NewDetermination) => api(protection).POST('/cases/{id}/determinations', { params: { path: { id: bidCase } }, body })
    const decide = (did: string, ifMatch: string, body: Decision) =>
      api(protection).POST('/cases/{id}/determinations/{did}/decision', {
        params: { path: { id: bidCase, did }, header: { 'if-match': ifMatch } },
        body,
      })
    const etagOf = (answer: { response: Response }) => answer.response.headers.get('etag') ?? ''
    const member = (name: string, undertakingSignedAt = '2026-01-15') => ({ name, role: 'panel member', undertakingSignedAt })
    const deliberation = { childViews: 'Wants to stay with her aunt', rationale: 'The aunt is safe and willing' }

    const twice = await open({
      trigger: 'durable_solution',
      panel: [member('Lic. Laura Pérez'), member('lic. laura  perez')],
      ...deliberation,
    })
    t.equal(twice.response.status, 422, 'the same person twice on the panel (case, accents and spacing aside)')
    t.same(problemOf(twice).invalidFields, ['panel.1.name'])
    const futureUndertaking = await open({
      trigger: 'durable_solution',
      panel: [member('A'), member('B', '2099-01-01')],
      ...deliberation,
    })
    t.equal(futureUndertaking.response.status, 400, 'an undertaking dated 2099')
    t.ok(namesPath(problemOf(futureUndertaking), '/panel/1/undertakingSignedAt'))
    t.equal(
      (await database.db.selectFrom('determinations').select('id').where('case_id', '=', bidCase).execute()).length,
      0,
      'nothing written',
    )

    const draft = await open({
      trigger: 'durable_solution',
      panel: [member('Lic. Laura Pérez'), member('Psic. Mario Díaz', today)],
      ...deliberation,
    })
    const { id } = answered(t, draft, 201)
    const etag = etagOf(draft)
    const decision: Decision = { outcome: 'local_integration', decidedAt: today, reviewDueAt: '2027-06-01' }
    const versionOf = async () =>
      await database.db.selectFrom('determinations').select(['version', 'status']).where('id', '=', id).executeTakeFirstOrThrow()
    const before = await versionOf()

    // The document requires If-Match: its absence is sent raw.
    const withoutIfMatch = await app.inject({
      method: 'POST',
      url: `/cases/${bidCase}/determinations/${id}/decision`,
      headers: protection.headers,
      payload: decision,
    })
    t.equal(withoutIfMatch.statusCode, 428, 'the decision takes If-Match')
    t.equal((await decide(id, '"9"', decision)).response.status, 412, 'a stale If-Match')
    const beforeDraft = await decide(id, etag, { ...decision, decidedAt: '2026-01-01' })
    t.equal(beforeDraft.response.status, 422, 'a decision dated before its draft')
    t.same(problemOf(beforeDraft).invalidFields, ['decidedAt'])
    const future = await decide(id, etag, { ...decision, decidedAt: '2099-01-01', reviewDueAt: '2099-06-01' })
    t.equal(future.response.status, 422, 'a decision dated 2099')
    t.same(problemOf(future).invalidFields, ['decidedAt'])
    const earlierTime = await decide(id, etag, { ...decision, decidedAt: new Date(Date.now() - 3_600_000).toISOString() })
    t.equal(earlierTime.response.status, 422, 'an instant an hour before the draft was opened')
    t.same(await versionOf(), before, 'nothing changed')

    // A repeated member stored before this rule (straight in the database) still cannot decide.
    await database.db
      .updateTable('determinations')
      .set({ panel: JSON.stringify([member('A'), member('A')]) })
      .where('id', '=', id)
      .execute()
    const repeated = await decide(id, etag, decision)
    t.equal(repeated.response.status, 409, JSON.stringify(repeated.error))
    t.equal(repeated.error?.type, 'urn:atd:problem:guard-failed')
    t.same(repeated.error?.unmetConditions, ['panel_undertakings_missing', 'panel_member_repeated'])
    await database.db
      .updateTable('determinations')
      .set({ panel: JSON.stringify([member('Lic. Laura Pérez'), member('Psic. Mario Díaz', today)]) })
      .where('id', '=', id)
      .execute()

    const decided = await decide(id, etag, decision)
    t.equal(decided.response.status, 200, JSON.stringify(decided.error))

    // A second draft, opened without superseding the first, cannot also be decided.
    const second = await open({ trigger: 'review', panel: [member('A'), member('B')], ...deliberation })
    const another = await decide(answered(t, second, 201).id, etagOf(second), { ...decision, outcome: 'resettlement' })
    t.equal(another.response.status, 409, JSON.stringify(another.error))
    t.equal(another.error?.code, 'decided_determination_exists')
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

    const late = await open({
      trigger: 'review',
      supersedesId: id,
      panel: [member('A'), member('B', '2099-01-01')],
      ...deliberation,
    })
    t.equal(late.response.status, 400)
    const review = await open({
      trigger: 'review',
      supersedesId: id,
      panel: [member('A'), member('B', today)],
      ...deliberation,
    })
    const { id: reviewId } = answered(t, review, 201)
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    await database.db
      .updateTable('determinations')
      .set({ created_at: sql<Date>`now() - interval '3 days'` })
      .where('id', '=', reviewId)
      .execute()
    const signedAfter = await decide(reviewId, etagOf(review), { ...decision, decidedAt: yesterday })
    t.equal(signedAfter.response.status, 422, 'an undertaking signed after the decision')
    t.same(problemOf(signedAfter).invalidFields, ['panel.1.undertakingSignedAt'])
    const reviewed = await decide(reviewId, etagOf(review), { ...decision, outcome: 'resettlement' })
    t.equal(reviewed.response.status, 200, JSON.stringify(reviewed.error))
    const first = await api(protection).GET('/cases/{id}/determinations/{did}', { params: { path: { id: bidCase, did: id } } })
    t.equal(answered(t, first, 200).status, 'superseded')
  })
})

import t from 'tap'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

const PANEL = [
  { name: 'Lic. Laura Pérez', role: 'procuraduria lawyer', undertakingSignedAt: '2026-10-01' },
  { name: 'Psic. Mario Díaz', role: 'psychologist', undertakingSignedAt: '2026-10-02' },
]

t.test('a child walks from identification to a closed case through every guard', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const attorney = await createUser(database, 'attorney')
  const officer = await createUser(database, 'migration_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'protection_officer')

  const openCase = async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: ngo.headers,
      payload: { riskLevel: 'high', identity: { givenName: 'Ixchel' } },
    })
    const id: string = created.json().id
    for (const user of [protection, attorney, officer]) {
      await grantParticipation(database.db, user.organizationId, id, ngo.id)
    }
    return id
  }
  const caseId = await openCase()
  /** The ETag this reader holds of the case (a stand-in where it may not read the case at all). */
  const etagFor = async (user: TestUser, id: string) =>
    ((await app.inject({ method: 'GET', url: `/cases/${id}`, headers: user.headers })).headers.etag as string | undefined) ?? '"0"'
  const move = async (user: TestUser, payload: Record<string, unknown>, id = caseId) =>
    app.inject({
      method: 'POST',
      url: `/cases/${id}/transitions`,
      headers: { ...user.headers, 'if-match': await etagFor(user, id) },
      payload,
    })
  const patchCase = async (user: TestUser, payload: Record<string, unknown>) => {
    const etag = (await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: user.headers })).headers.etag as string
    const patched = await app.inject({ method: 'PATCH', url: `/cases/${caseId}`, headers: { ...user.headers, 'if-match': etag }, payload })
    t.equal(patched.statusCode, 200, patched.body)
  }
  const stage = async () => (await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: ngo.headers })).json()
  const expectUnmet = async (user: TestUser, payload: Record<string, unknown>, codes: string[]) => {
    const refused = await move(user, payload)
    t.equal(refused.statusCode, 409, refused.body)
    t.equal(refused.json().type, 'urn:atd:problem:guard-failed')
    t.same(refused.json().unmetConditions, codes)
    return refused
  }
  const decide = async (body: Record<string, unknown>, outcome: string) => {
    const draft = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/determinations`,
      headers: protection.headers,
      payload: { trigger: 'durable_solution', panel: PANEL, childViews: 'Wants to stay with her aunt', rationale: 'Safety first', ...body },
    })
    t.equal(draft.statusCode, 201, draft.body)
    const decided = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/determinations/${draft.json().id}/decision`,
      headers: { ...protection.headers, 'if-match': draft.headers.etag as string },
      payload: { outcome, decidedAt: new Date().toISOString().slice(0, 10), reviewDueAt: '2027-05-01' },
    })
    t.equal(decided.statusCode, 200, decided.body)
    return draft.json().id as string
  }

  await t.test(
    'to custody: a current placement and the Procuraduría notification; a migration officer may make this move only',
    async (t) => {
      const skipByOfficer = await move(officer, { to: 'guardianship' })
      t.equal(skipByOfficer.statusCode, 403, 'a migration officer may only move identification -> custody')
      await expectUnmet(officer, { to: 'custody' }, ['no_current_placement', 'procuraduria_not_notified'])
      const placed = await app.inject({
        method: 'POST',
        url: `/cases/${caseId}/placements`,
        headers: officer.headers,
        payload: { type: 'inm_temporary_custody' },
      })
      t.equal(placed.statusCode, 201, placed.body)
      await expectUnmet(officer, { to: 'custody' }, ['procuraduria_not_notified'])
      await patchCase(ngo, { custody: { procuraduriaNotifiedAt: new Date().toISOString() } })
      const before = (await stage()).version
      const withReason = await move(officer, { to: 'custody', reason: 'channelled to DIF' })
      t.equal(withReason.statusCode, 403, 'a reason is free text (section notes), which the migration officer may not write')
      t.same(withReason.json().deniedFields, ['notes.notes'])
      const moved = await move(officer, { to: 'custody' })
      t.equal(moved.statusCode, 201, moved.body)
      t.match(moved.json(), { from: 'identification', to: 'custody', actorId: officer.id, actorRole: 'migration_officer' })
      t.notOk('reason' in moved.json(), 'nor read one')
      const after = await stage()
      t.equal(after.stage, 'custody')
      t.equal(after.version, before + 1, 'a transition bumps the case version')
      t.equal(moved.headers.etag, `"${after.version}"`)
      const officerAgain = await move(officer, { to: 'guardianship' })
      t.equal(officerAgain.statusCode, 403, 'not from custody')
    },
  )

  await t.test('a transition is an update: 428 without If-Match, 412 when stale, and nothing moves', async (t) => {
    const url = `/cases/${caseId}/transitions`
    const without = await app.inject({ method: 'POST', url, headers: ngo.headers, payload: { to: 'guardianship' } })
    t.equal(without.statusCode, 428, without.body)
    const current = await etagFor(ngo, caseId)
    const stale = `"${Number(JSON.parse(current)) - 1}"`
    const refused = await app.inject({
      method: 'POST',
      url,
      headers: { ...ngo.headers, 'if-match': stale },
      payload: { to: 'guardianship' },
    })
    t.equal(refused.statusCode, 412, refused.body)
    t.equal((await stage()).stage, 'custody', 'nothing moved')
    t.equal(await etagFor(ngo, caseId), current, 'the version is unchanged')
  })

  await t.test('skipping forward is refused; roles without transition are refused', async (t) => {
    const skipped = await move(ngo, { to: 'legal_representation' })
    t.equal(skipped.statusCode, 409, skipped.body)
    t.equal(skipped.json().code, 'stage_skipped')
    t.equal(skipped.json().nextStage, 'guardianship')
    t.equal((await move(auditor, { to: 'guardianship' })).statusCode, 403)
    t.equal((await move(outsider, { to: 'guardianship' })).statusCode, 404, 'out of scope: 404, never 403')
    t.equal((await move(ngo, { to: 'guardianship', closureReason: 'death' })).statusCode, 400)
    t.equal((await move(ngo, { to: 'custody' })).statusCode, 409, 'already there')
    t.equal((await stage()).stage, 'custody', 'nothing moved')
  })

  await t.test('to guardianship, legal representation and best-interest determination', async (t) => {
    await expectUnmet(ngo, { to: 'guardianship' }, ['no_guardian'])
    await patchCase(attorney, {
      legal: {
        guardian: {
          type: 'procuraduria',
          representationType: 'suplencia',
          appointedAt: '2026-11-02',
          organizationId: protection.organizationId,
        },
      },
    })
    t.equal((await move(attorney, { to: 'guardianship' })).statusCode, 201)

    await expectUnmet(ngo, { to: 'legal_representation' }, ['no_legal_representation'])
    await patchCase(attorney, {
      legal: { representation: { attorneyName: 'Lic. Sofía Ruiz', organizationId: attorney.organizationId, since: '2026-11-03' } },
    })
    t.equal((await move(ngo, { to: 'legal_representation' })).statusCode, 201)

    await expectUnmet(ngo, { to: 'best_interest_determination' }, ['no_completed_assessment'])
    const draft = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/assessments`,
      headers: ngo.headers,
      payload: { findings: { family: 'Aunt in Tapachula' } },
    })
    t.equal(draft.statusCode, 201, draft.body)
    await expectUnmet(ngo, { to: 'best_interest_determination' }, ['no_completed_assessment'])
    const completed = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/assessments`,
      headers: ngo.headers,
      payload: { findings: { childViews: 'Wants to stay' }, completedAt: new Date().toISOString() },
    })
    t.equal(completed.statusCode, 201, completed.body)
    t.equal((await move(ngo, { to: 'best_interest_determination' })).statusCode, 201)
  })

  await t.test('to durable solution: a decided determination whose outcome names a solution', async (t) => {
    await expectUnmet(ngo, { to: 'durable_solution' }, ['no_decided_determination'])
    const kept = await decide({}, 'maintain_arrangement')
    await expectUnmet(ngo, { to: 'durable_solution' }, ['no_solution_in_determination'])
    await decide({ trigger: 'review', supersedesId: kept }, 'assisted_return')
    t.equal((await move(ngo, { to: 'durable_solution' })).statusCode, 201)
  })

  await t.test('moving back needs a reason', async (t) => {
    const bare = await move(ngo, { to: 'best_interest_determination' })
    t.equal(bare.statusCode, 422, bare.body)
    t.equal(bare.json().code, 'reason_required')
    const back = await move(ngo, { to: 'best_interest_determination', reason: 'the aunt withdrew' })
    t.equal(back.statusCode, 201, back.body)
    t.equal((await move(ngo, { to: 'durable_solution', reason: 'aunt confirmed again' })).statusCode, 201)
  })

  await t.test('to closed: a closure reason; no assisted return while an asylum claim is pending', async (t) => {
    await expectUnmet(ngo, { to: 'closed' }, ['closure_reason_required'])
    await patchCase(attorney, { legalStatus: { asylumClaimStatus: 'filed' } })
    const pending = await expectUnmet(ngo, { to: 'closed', closureReason: 'solution_achieved' }, ['asylum_claim_pending'])
    t.notMatch(pending.body, /"filed"|Tapachula|Ixchel/, 'codes only, never values')
    await patchCase(attorney, { legalStatus: { asylumClaimStatus: 'withdrawn' } })
    const closed = await move(ngo, { to: 'closed', closureReason: 'solution_achieved', reason: 'returned to family in Guatemala' })
    t.equal(closed.statusCode, 201, closed.body)
    const view = await stage()
    t.match(view, { stage: 'closed', status: 'closed', closureReason: 'solution_achieved' })
    t.ok(view.closedAt)
  })

  await t.test('reopening is a move back: status open, no closure', async (t) => {
    t.equal((await move(ngo, { to: 'durable_solution' })).statusCode, 422)
    const reopened = await move(protection, { to: 'custody', reason: 'return failed; the child is back in Mexico' })
    t.equal(reopened.statusCode, 201, reopened.body)
    const view = await stage()
    t.match(view, { stage: 'custody', status: 'open', closedAt: null, closureReason: null })
  })

  await t.test('the transitions are listed: who, when, from, to, why', async (t) => {
    const list = await app.inject({ method: 'GET', url: `/cases/${caseId}/transitions`, headers: auditor.headers })
    t.equal(list.statusCode, 200, list.body)
    const items = list.json().items
    t.same(
      items.map((item: { from: string; to: string }) => `${item.from}>${item.to}`),
      [
        'identification>custody',
        'custody>guardianship',
        'guardianship>legal_representation',
        'legal_representation>best_interest_determination',
        'best_interest_determination>durable_solution',
        'durable_solution>best_interest_determination',
        'best_interest_determination>durable_solution',
        'durable_solution>closed',
        'closed>custody',
      ],
    )
    t.equal(items[7].closureReason, 'solution_achieved')
    t.equal((await app.inject({ method: 'GET', url: `/cases/${caseId}/transitions`, headers: outsider.headers })).statusCode, 404)
    const history = await database.db
      .selectFrom('case_history')
      .select('field')
      .where('case_id', '=', caseId)
      .where('field', '=', 'case.stage')
      .execute()
    t.equal(history.length, 9, 'every move leaves field-level history')
  })

  await t.test('a case closes early for a reason other than a solution, never skips to an achieved solution', async (t) => {
    const second = await openCase()
    const skipped = await move(ngo, { to: 'closed', closureReason: 'solution_achieved' }, second)
    t.equal(skipped.statusCode, 409)
    t.equal(skipped.json().code, 'stage_skipped')
    t.equal(
      (await move(officer, { to: 'closed', closureReason: 'turned_18' }, second)).statusCode,
      403,
      'not a move the migration officer may make',
    )
    const closed = await move(ngo, { to: 'closed', closureReason: 'turned_18', reason: 'came of age' }, second)
    t.equal(closed.statusCode, 201, closed.body)
  })
})

import t from 'tap'
import { answered, present } from '../helpers/api-client.js'
import type { components, operations } from '../helpers/api-types.js'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

type Move = components['schemas']['TransitionRequest']
type CasePatch = components['schemas']['CasePatch']
type NewDetermination = components['schemas']['NewDetermination']
type Decision = operations['decisionCaseDetermination']['requestBody']['content']['application/json']

const PANEL = [
  { name: 'Lic. Laura Pérez', role: 'procuraduria lawyer', undertakingSignedAt: '2026-10-01' },
  { name: 'Psic. Mario Díaz', role: 'psychologist', undertakingSignedAt: '2026-10-02' },
]

t.test('a child walks from identification to a closed case through every guard', async (t) => {
  const { app, api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const attorney = await createUser(database, 'attorney')
  const officer = await createUser(database, 'migration_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'protection_officer')

  const openCase = async () => {
    const created = await api(ngo).POST('/cases', { body: { riskLevel: 'high', identity: { givenName: 'Ixchel' } } })
    const id = present(answered(t, created, 201, 'a case opens: ').id, 'the case id')
    for (const user of [protection, attorney, officer]) {
      await grantParticipation(database.db, user.organizationId, id, ngo.id)
    }
    return id
  }
  const caseId = await openCase()
  const readCase = (user: TestUser, id = caseId) => api(user).GET('/cases/{id}', { params: { path: { id } } })
  /** The ETag this reader holds of the case (a stand-in where it may not read the case at all). */
  const etagFor = async (user: TestUser, id: string) => (await readCase(user, id)).response.headers.get('etag') ?? '"0"'
  const move = async (user: TestUser, body: Move, id = caseId) =>
    api(user).POST('/cases/{id}/transitions', { params: { path: { id }, header: { 'if-match': await etagFor(user, id) } }, body })
  const patchCase = async (user: TestUser, body: CasePatch) => {
    const etag = (await readCase(user)).response.headers.get('etag') ?? ''
    const patched = await api(user).PATCH('/cases/{id}', { params: { path: { id: caseId }, header: { 'if-match': etag } }, body })
    t.equal(patched.response.status, 200, JSON.stringify(patched.error))
  }
  const stage = async () => answered(t, await readCase(ngo), 200, 'the caseworker reads the case: ')
  const expectUnmet = async (user: TestUser, body: Move, codes: string[]) => {
    const refused = await move(user, body)
    t.equal(refused.response.status, 409, JSON.stringify(refused.error))
    t.equal(refused.error?.type, 'urn:atd:problem:guard-failed')
    t.same(refused.error?.unmetConditions, codes)
    return refused
  }
  const decide = async (body: Partial<NewDetermination>, outcome: Decision['outcome']) => {
    const draft = await api(protection).POST('/cases/{id}/determinations', {
      params: { path: { id: caseId } },
      body: { trigger: 'durable_solution', panel: PANEL, childViews: 'Wants to stay with her aunt', rationale: 'Safety first', ...body },
    })
    const { id: did } = answered(t, draft, 201, 'a determination is drafted: ')
    const decided = await api(protection).POST('/cases/{id}/determinations/{did}/decision', {
      params: { path: { id: caseId, did }, header: { 'if-match': draft.response.headers.get('etag') ?? '' } },
      body: { outcome, decidedAt: new Date().toISOString().slice(0, 10), reviewDueAt: '2027-05-01' },
    })
    t.equal(decided.response.status, 200, JSON.stringify(decided.error))
    return did
  }

  await t.test(
    'to custody: a current placement and the Procuraduría notification; a migration officer may make this move only',
    async (t) => {
      const skipByOfficer = await move(officer, { to: 'guardianship' })
      t.equal(skipByOfficer.response.status, 403, 'a migration officer may only move identification -> custody')
      await expectUnmet(officer, { to: 'custody' }, ['no_current_placement', 'procuraduria_not_notified'])
      const placed = await api(officer).POST('/cases/{id}/placements', {
        params: { path: { id: caseId } },
        body: { type: 'inm_temporary_custody' },
      })
      t.equal(placed.response.status, 201, JSON.stringify(placed.error))
      await expectUnmet(officer, { to: 'custody' }, ['procuraduria_not_notified'])
      await patchCase(ngo, { custody: { procuraduriaNotifiedAt: new Date().toISOString() } })
      const before = present((await stage()).version, 'the case version')
      const withReason = await move(officer, { to: 'custody', reason: 'channelled to DIF' })
      t.equal(withReason.response.status, 403, 'a reason is free text (section notes), which the migration officer may not write')
      t.same(withReason.error?.deniedFields, ['notes.notes'])
      const moved = await move(officer, { to: 'custody' })
      const transition = answered(t, moved, 201)
      t.match(transition, { from: 'identification', to: 'custody', actorId: officer.id, actorRole: 'migration_officer' })
      t.notOk('reason' in transition, 'nor read one')
      const after = await stage()
      t.equal(after.stage, 'custody')
      t.equal(after.version, before + 1, 'a transition bumps the case version')
      t.equal(moved.response.headers.get('etag'), `"${after.version}"`)
      const officerAgain = await move(officer, { to: 'guardianship' })
      t.equal(officerAgain.response.status, 403, 'not from custody')
    },
  )

  await t.test('a transition is an update: 428 without If-Match, 412 when stale, and nothing moves', async (t) => {
    // The document requires If-Match: its absence is sent raw.
    const without = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/transitions`,
      headers: ngo.headers,
      payload: { to: 'guardianship' },
    })
    t.equal(without.statusCode, 428, without.body)
    const current = await etagFor(ngo, caseId)
    const stale = `"${Number(JSON.parse(current)) - 1}"`
    const refused = await api(ngo).POST('/cases/{id}/transitions', {
      params: { path: { id: caseId }, header: { 'if-match': stale } },
      body: { to: 'guardianship' },
    })
    t.equal(refused.response.status, 412, JSON.stringify(refused.error))
    t.equal((await stage()).stage, 'custody', 'nothing moved')
    t.equal(await etagFor(ngo, caseId), current, 'the version is unchanged')
  })

  await t.test('skipping forward is refused; roles without transition are refused', async (t) => {
    const skipped = await move(ngo, { to: 'legal_representation' })
    t.equal(skipped.response.status, 409, JSON.stringify(skipped.error))
    t.equal(skipped.error?.code, 'stage_skipped')
    t.equal(skipped.error?.nextStage, 'guardianship')
    t.equal((await move(auditor, { to: 'guardianship' })).response.status, 403)
    t.equal((await move(outsider, { to: 'guardianship' })).response.status, 404, 'out of scope: 404, never 403')
    t.equal((await move(ngo, { to: 'guardianship', closureReason: 'death' })).response.status, 400)
    t.equal((await move(ngo, { to: 'custody' })).response.status, 409, 'already there')
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
    t.equal((await move(attorney, { to: 'guardianship' })).response.status, 201)

    await expectUnmet(ngo, { to: 'legal_representation' }, ['no_legal_representation'])
    await patchCase(attorney, {
      legal: { representation: { attorneyName: 'Lic. Sofía Ruiz', organizationId: attorney.organizationId, since: '2026-11-03' } },
    })
    t.equal((await move(ngo, { to: 'legal_representation' })).response.status, 201)

    await expectUnmet(ngo, { to: 'best_interest_determination' }, ['no_completed_assessment'])
    const assess = (body: components['schemas']['NewAssessment']) =>
      api(ngo).POST('/cases/{id}/assessments', { params: { path: { id: caseId } }, body })
    const draft = await assess({ findings: { family: 'Aunt in Tapachula' } })
    t.equal(draft.response.status, 201, JSON.stringify(draft.error))
    await expectUnmet(ngo, { to: 'best_interest_determination' }, ['no_completed_assessment'])
    const completed = await assess({ findings: { childViews: 'Wants to stay' }, completedAt: new Date().toISOString() })
    t.equal(completed.response.status, 201, JSON.stringify(completed.error))
    t.equal((await move(ngo, { to: 'best_interest_determination' })).response.status, 201)
  })

  await t.test('to durable solution: a decided determination whose outcome names a solution', async (t) => {
    await expectUnmet(ngo, { to: 'durable_solution' }, ['no_decided_determination'])
    const kept = await decide({}, 'maintain_arrangement')
    await expectUnmet(ngo, { to: 'durable_solution' }, ['no_solution_in_determination'])
    await decide({ trigger: 'review', supersedesId: kept }, 'assisted_return')
    t.equal((await move(ngo, { to: 'durable_solution' })).response.status, 201)
  })

  await t.test('moving back needs a reason', async (t) => {
    const bare = await move(ngo, { to: 'best_interest_determination' })
    t.equal(bare.response.status, 422, JSON.stringify(bare.error))
    t.equal(bare.error?.code, 'reason_required')
    const back = await move(ngo, { to: 'best_interest_determination', reason: 'the aunt withdrew' })
    t.equal(back.response.status, 201, JSON.stringify(back.error))
    t.equal((await move(ngo, { to: 'durable_solution', reason: 'aunt confirmed again' })).response.status, 201)
  })

  await t.test('to closed: a closure reason; no assisted return while an asylum claim is pending', async (t) => {
    await expectUnmet(ngo, { to: 'closed' }, ['closure_reason_required'])
    await patchCase(attorney, { legalStatus: { asylumClaimStatus: 'filed' } })
    const pending = await expectUnmet(ngo, { to: 'closed', closureReason: 'solution_achieved' }, ['asylum_claim_pending'])
    t.notMatch(JSON.stringify(pending.error), /"filed"|Tapachula|Ixchel/, 'codes only, never values')
    await patchCase(attorney, { legalStatus: { asylumClaimStatus: 'withdrawn' } })
    const closed = await move(ngo, { to: 'closed', closureReason: 'solution_achieved', reason: 'returned to family in Guatemala' })
    t.equal(closed.response.status, 201, JSON.stringify(closed.error))
    const view = await stage()
    t.match(view, { stage: 'closed', status: 'closed', closureReason: 'solution_achieved' })
    t.ok(view.closedAt)
  })

  await t.test('reopening is a move back: status open, no closure', async (t) => {
    t.equal((await move(ngo, { to: 'durable_solution' })).response.status, 422)
    const reopened = await move(protection, { to: 'custody', reason: 'return failed; the child is back in Mexico' })
    t.equal(reopened.response.status, 201, JSON.stringify(reopened.error))
    const view = await stage()
    t.match(view, { stage: 'custody', status: 'open', closedAt: null, closureReason: null })
  })

  await t.test('the transitions are listed: who, when, from, to, why', async (t) => {
    const list = (user: TestUser) => api(user).GET('/cases/{id}/transitions', { params: { path: { id: caseId } } })
    const { items } = answered(t, await list(auditor), 200)
    t.same(
      items.map((item) => `${item.from}>${item.to}`),
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
    t.equal(items[7]?.closureReason, 'solution_achieved')
    t.equal((await list(outsider)).response.status, 404)
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
    t.equal(skipped.response.status, 409)
    t.equal(skipped.error?.code, 'stage_skipped')
    t.equal(
      (await move(officer, { to: 'closed', closureReason: 'turned_18' }, second)).response.status,
      403,
      'not a move the migration officer may make',
    )
    const closed = await move(ngo, { to: 'closed', closureReason: 'turned_18', reason: 'came of age' }, second)
    t.equal(closed.response.status, 201, JSON.stringify(closed.error))
  })
})

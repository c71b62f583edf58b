import t from 'tap'
import type { operations } from '../helpers/api-types.js'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

const SIGNED = (name: string) => ({ name, role: 'panel member', undertakingSignedAt: '2026-10-01' })

t.test('best-interests assessments and determinations', async (t) => {
  const { app, api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const attorney = await createUser(database, 'attorney')
  const officer = await createUser(database, 'migration_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'attorney')

  const created = await api(ngo).POST('/cases', { body: { riskLevel: 'medium' } })
  const caseId = created.data?.id ?? ''
  for (const user of [protection, attorney, officer]) {
    await grantParticipation(database.db, user.organizationId, caseId, ngo.id)
  }
  const id = caseId
  const etagOf = (answer: { response: Response }) => answer.response.headers.get('etag') ?? ''
  const readCase = async (user: TestUser) => (await api(user).GET('/cases/{id}', { params: { path: { id } } })).data!
  const listAssessments = (user: TestUser) => api(user).GET('/cases/{id}/assessments', { params: { path: { id } } })
  const listDeterminations = (user: TestUser) => api(user).GET('/cases/{id}/determinations', { params: { path: { id } } })
  const getDetermination = (user: TestUser, did: string) =>
    api(user).GET('/cases/{id}/determinations/{did}', { params: { path: { id, did } } })

  await t.test(
    'assessments: the caseworker records them and completes its own draft; only the author organisation changes a draft; completed is final',
    async (t) => {
      const draft = await api(ngo).POST('/cases/{id}/assessments', {
        params: { path: { id } },
        body: { findings: { family: 'Mother in Quetzaltenango', safety: 'Gang threats at home' }, recommendation: 'Stay in foster care' },
      })
      t.equal(draft.response.status, 201, JSON.stringify(draft.error))
      t.match(draft.data, { status: 'draft', assessorId: ngo.id, completedAt: null })
      const aid = draft.data?.id ?? ''
      // A factor the document does not list cannot be typed: sent raw.
      const unknown = await app.inject({
        method: 'POST',
        url: `/cases/${caseId}/assessments`,
        headers: ngo.headers,
        payload: { findings: { religion: 'x' } },
      })
      t.equal(unknown.statusCode, 400, 'factors are the listed ones')

      const patchAssessment = (
        user: TestUser,
        ifMatch: string,
        body: { recommendation?: string; findings?: { health?: string }; completedAt?: string },
      ) => api(user).PATCH('/cases/{id}/assessments/{aid}', { params: { path: { id, aid }, header: { 'if-match': ifMatch } }, body })
      const attorneyPatch = await patchAssessment(attorney, etagOf(draft), { recommendation: 'x' })
      t.equal(attorneyPatch.response.status, 403, 'another organisation does not change the draft')
      t.equal(attorneyPatch.error?.reason, 'not_author_organization')
      // The document requires If-Match: its absence is sent raw.
      const noIfMatch = await app.inject({
        method: 'PATCH',
        url: `/cases/${caseId}/assessments/${aid}`,
        headers: ngo.headers,
        payload: { recommendation: 'x' },
      })
      t.equal(noIfMatch.statusCode, 428)
      const completed = await patchAssessment(ngo, etagOf(draft), {
        findings: { health: 'Healthy' },
        completedAt: new Date().toISOString(),
      })
      t.equal(completed.response.status, 200, JSON.stringify(completed.error))
      t.equal(completed.data?.status, 'completed')
      t.same(Object.keys(completed.data?.findings ?? {}).sort(), ['family', 'health', 'safety'], 'factors merge')
      const again = await patchAssessment(ngo, etagOf(completed), { recommendation: 'y' })
      t.equal(again.response.status, 409)

      for (const user of [officer, auditor]) {
        const list = await listAssessments(user)
        t.equal(list.response.status, 403, `${user.role} does not read bidDeliberation`)
        t.notMatch(JSON.stringify(list.data ?? list.error), /Quetzaltenango/)
      }
      t.equal(
        (await api(officer).POST('/cases/{id}/assessments', { params: { path: { id } }, body: { findings: {} } })).response.status,
        403,
      )
      t.equal((await listAssessments(outsider)).response.status, 404)
      const list = await listAssessments(protection)
      t.equal(list.data?.items.length, 1)
    },
  )

  type NewDetermination = operations['createCaseDetermination']['requestBody']['content']['application/json']
  type DeterminationChange = operations['updateCaseDetermination']['requestBody']['content']['application/json']
  type Decision = operations['decisionCaseDetermination']['requestBody']['content']['application/json']
  const open = (user: TestUser, body: NewDetermination) => api(user).POST('/cases/{id}/determinations', { params: { path: { id } }, body })
  const change = (user: TestUser, did: string, ifMatch: string, body: DeterminationChange) =>
    api(user).PATCH('/cases/{id}/determinations/{did}', { params: { path: { id, did }, header: { 'if-match': ifMatch } }, body })
  const decide = (user: TestUser, did: string, ifMatch: string, body: Decision) =>
    api(user).POST('/cases/{id}/determinations/{did}/decision', { params: { path: { id, did }, header: { 'if-match': ifMatch } }, body })

  let firstId = ''
  await t.test('a determination is decided only with two signed undertakings, the child’s views and a rationale', async (t) => {
    const ngoDraft = await open(ngo, { trigger: 'durable_solution' })
    t.equal(ngoDraft.response.status, 403, 'a caseworker does not open determinations')
    t.same(ngoDraft.error?.deniedFields, ['bestInterests.status'])

    const draft = await open(protection, {
      trigger: 'durable_solution',
      panel: [SIGNED('Lic. Pérez'), { name: 'Dr. Díaz', role: 'doctor' }],
    })
    t.equal(draft.response.status, 201, JSON.stringify(draft.error))
    firstId = draft.data?.id ?? ''
    t.equal(draft.data?.status, 'draft')
    const decision: Decision = { outcome: 'local_integration', decidedAt: new Date().toISOString().slice(0, 10), reviewDueAt: '2027-05-01' }
    const draftEtag = etagOf(draft)
    t.equal((await decide(ngo, firstId, draftEtag, decision)).response.status, 403, 'deciding is for protection officers and attorneys')
    const refused = await decide(attorney, firstId, draftEtag, decision)
    t.equal(refused.response.status, 409, JSON.stringify(refused.error))
    t.equal(refused.error?.type, 'urn:atd:problem:guard-failed')
    t.same(refused.error?.unmetConditions, ['panel_undertakings_missing', 'child_views_not_recorded', 'no_rationale'])

    const stale = await change(protection, firstId, '"9"', { childViews: 'x' })
    t.equal(stale.response.status, 412)
    const deliberated = await change(protection, firstId, draftEtag, {
      panel: [SIGNED('Lic. Pérez'), SIGNED('Dr. Díaz')],
      childViews: 'Quiere quedarse en México',
      rationale: 'Family tracing failed; school place found',
      optionsConsidered: [{ option: 'family_reunification', assessment: 'unsafe' }],
    })
    t.equal(deliberated.response.status, 200, JSON.stringify(deliberated.error))
    const badDates = await decide(attorney, firstId, etagOf(deliberated), { ...decision, reviewDueAt: '2026-10-01' })
    t.equal(badDates.response.status, 422)

    const caseBefore = await readCase(ngo)
    const decided = await decide(attorney, firstId, etagOf(deliberated), decision)
    t.equal(decided.response.status, 200, JSON.stringify(decided.error))
    t.match(decided.data, { status: 'decided', outcome: 'local_integration', reviewDueAt: '2027-05-01' })
    const caseAfter = await readCase(officer)
    t.same(caseAfter.bestInterests, {
      determinationId: firstId,
      outcome: 'local_integration',
      decidedAt: decided.data?.decidedAt,
      reviewDueAt: '2027-05-01',
    })
    t.ok(Number((await readCase(ngo)).version) > Number(caseBefore.version), 'the case version moves with bestInterests')
    const history = await database.db
      .selectFrom('case_history')
      .select('field')
      .where('case_id', '=', caseId)
      .where('field', 'like', 'bestInterests.%')
      .execute()
    t.equal(history.length, 4)
  })

  await t.test('a decided determination is immutable', async (t) => {
    const current = await getDetermination(protection, firstId)
    const etag = etagOf(current)
    const changed = await change(protection, firstId, etag, { rationale: 'rewritten' })
    t.equal(changed.response.status, 409, JSON.stringify(changed.error))
    t.equal(changed.error?.code, 'determination_decided')
    const redecided = await decide(attorney, firstId, etag, {
      outcome: 'resettlement',
      decidedAt: new Date().toISOString().slice(0, 10),
      reviewDueAt: '2027-01-01',
    })
    t.equal(redecided.response.status, 409)
    t.equal((await getDetermination(protection, firstId)).data?.rationale, 'Family tracing failed; school place found')
  })

  await t.test('readers of bestInterests only see the outcome, not the deliberation', async (t) => {
    for (const user of [officer, auditor]) {
      const list = await listDeterminations(user)
      t.equal(list.response.status, 200, JSON.stringify(list.error))
      const [item] = list.data?.items ?? []
      t.match(item, { id: firstId, status: 'decided', outcome: 'local_integration' })
      for (const field of ['panel', 'childViews', 'factors', 'optionsConsidered', 'rationale', 'dissent', 'trigger'])
        t.notOk(item && field in item, `${user.role}: no ${field}`)
      t.notMatch(JSON.stringify(list.data), /México|tracing|Pérez/)
    }
    const ngoList = await listDeterminations(ngo)
    t.equal(ngoList.data?.items[0]?.childViews, 'Quiere quedarse en México', 'the caseworker reads the deliberation')
    t.equal((await listDeterminations(outsider)).response.status, 404)
  })

  await t.test('a review supersedes a decided determination', async (t) => {
    const draftOfDraft = await open(protection, { trigger: 'review' })
    const refused = await open(protection, { trigger: 'review', supersedesId: draftOfDraft.data?.id ?? '' })
    t.equal(refused.response.status, 422, 'only a decided determination can be superseded')
    const review = await open(protection, {
      trigger: 'review',
      supersedesId: firstId,
      panel: [SIGNED('A'), SIGNED('B'), SIGNED('C')],
      childViews: 'Wants to join his uncle in Canada',
      rationale: 'Uncle located',
      dissent: 'One member preferred local integration',
    })
    t.equal(review.response.status, 201, JSON.stringify(review.error))
    const decided = await decide(protection, review.data?.id ?? '', etagOf(review), {
      outcome: 'resettlement',
      decidedAt: new Date().toISOString(),
      reviewDueAt: '2027-11-01',
    })
    t.equal(decided.response.status, 200, JSON.stringify(decided.error))
    t.equal((await getDetermination(officer, firstId)).data?.status, 'superseded')
    t.match((await readCase(ngo)).bestInterests, { determinationId: review.data?.id, outcome: 'resettlement' })
    const late = await open(protection, { trigger: 'review', supersedesId: firstId })
    t.equal(late.response.status, 422, 'a superseded determination is not superseded twice')
  })
})

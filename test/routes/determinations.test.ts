import t from 'tap'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

const SIGNED = (name: string) => ({ name, role: 'panel member', undertakingSignedAt: '2026-10-01' })

t.test('best-interests assessments and determinations', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const attorney = await createUser(database, 'attorney')
  const officer = await createUser(database, 'migration_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const outsider = await createUser(database, 'attorney')

  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'medium' } })
  const caseId: string = created.json().id
  for (const user of [protection, attorney, officer]) {
    await grantParticipation(database.db, user.organizationId, caseId, ngo.id)
  }
  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, user: TestUser, payload?: Record<string, unknown>, etag?: string) =>
    app.inject({
      method,
      url: `/cases/${caseId}${url}`,
      headers: etag ? { ...user.headers, 'if-match': etag } : user.headers,
      ...(payload ? { payload } : {}),
    })
  const readCase = async (user: TestUser) => (await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: user.headers })).json()

  await t.test(
    'assessments: the caseworker records them and completes its own draft; only the author organisation changes a draft; completed is final',
    async (t) => {
      const draft = await send('POST', '/assessments', ngo, {
        findings: { family: 'Mother in Quetzaltenango', safety: 'Gang threats at home' },
        recommendation: 'Stay in foster care',
      })
      t.equal(draft.statusCode, 201, draft.body)
      t.match(draft.json(), { status: 'draft', assessorId: ngo.id, completedAt: null })
      const unknown = await send('POST', '/assessments', ngo, { findings: { religion: 'x' } })
      t.equal(unknown.statusCode, 400, 'factors are the listed ones')

      const attorneyPatch = await send(
        'PATCH',
        `/assessments/${draft.json().id}`,
        attorney,
        { recommendation: 'x' },
        draft.headers.etag as string,
      )
      t.equal(attorneyPatch.statusCode, 403, 'another organisation does not change the draft')
      t.equal(attorneyPatch.json().reason, 'not_author_organization')
      t.equal((await send('PATCH', `/assessments/${draft.json().id}`, ngo, { recommendation: 'x' })).statusCode, 428)
      const completed = await send(
        'PATCH',
        `/assessments/${draft.json().id}`,
        ngo,
        { findings: { health: 'Healthy' }, completedAt: new Date().toISOString() },
        draft.headers.etag as string,
      )
      t.equal(completed.statusCode, 200, completed.body)
      t.equal(completed.json().status, 'completed')
      t.same(Object.keys(completed.json().findings).sort(), ['family', 'health', 'safety'], 'factors merge')
      const again = await send('PATCH', `/assessments/${draft.json().id}`, ngo, { recommendation: 'y' }, completed.headers.etag as string)
      t.equal(again.statusCode, 409)

      for (const user of [officer, auditor]) {
        const list = await send('GET', '/assessments', user)
        t.equal(list.statusCode, 403, `${user.role} does not read bidDeliberation`)
        t.notMatch(list.body, /Quetzaltenango/)
      }
      t.equal((await send('POST', '/assessments', officer, { findings: {} })).statusCode, 403)
      t.equal((await send('GET', '/assessments', outsider)).statusCode, 404)
      const list = await send('GET', '/assessments', protection)
      t.equal(list.json().items.length, 1)
    },
  )

  let firstId = ''
  await t.test('a determination is decided only with two signed undertakings, the child’s views and a rationale', async (t) => {
    const ngoDraft = await send('POST', '/determinations', ngo, { trigger: 'durable_solution' })
    t.equal(ngoDraft.statusCode, 403, 'a caseworker does not open determinations')
    t.same(ngoDraft.json().deniedFields, ['bestInterests.status'])

    const draft = await send('POST', '/determinations', protection, {
      trigger: 'durable_solution',
      panel: [SIGNED('Lic. Pérez'), { name: 'Dr. Díaz', role: 'doctor' }],
    })
    t.equal(draft.statusCode, 201, draft.body)
    firstId = draft.json().id
    t.equal(draft.json().status, 'draft')
    const decision = { outcome: 'local_integration', decidedAt: new Date().toISOString().slice(0, 10), reviewDueAt: '2027-05-01' }
    const draftEtag = draft.headers.etag as string
    t.equal(
      (await send('POST', `/determinations/${firstId}/decision`, ngo, decision, draftEtag)).statusCode,
      403,
      'deciding is for protection officers and attorneys',
    )
    const refused = await send('POST', `/determinations/${firstId}/decision`, attorney, decision, draftEtag)
    t.equal(refused.statusCode, 409, refused.body)
    t.equal(refused.json().type, 'urn:atd:problem:guard-failed')
    t.same(refused.json().unmetConditions, ['panel_undertakings_missing', 'child_views_not_recorded', 'no_rationale'])

    const stale = await send('PATCH', `/determinations/${firstId}`, protection, { childViews: 'x' }, '"9"')
    t.equal(stale.statusCode, 412)
    const deliberated = await send(
      'PATCH',
      `/determinations/${firstId}`,
      protection,
      {
        panel: [SIGNED('Lic. Pérez'), SIGNED('Dr. Díaz')],
        childViews: 'Quiere quedarse en México',
        rationale: 'Family tracing failed; school place found',
        optionsConsidered: [{ option: 'family_reunification', assessment: 'unsafe' }],
      },
      draft.headers.etag as string,
    )
    t.equal(deliberated.statusCode, 200, deliberated.body)
    const badDates = await send(
      'POST',
      `/determinations/${firstId}/decision`,
      attorney,
      { ...decision, reviewDueAt: '2026-10-01' },
      deliberated.headers.etag as string,
    )
    t.equal(badDates.statusCode, 422)

    const caseBefore = await readCase(ngo)
    const decided = await send('POST', `/determinations/${firstId}/decision`, attorney, decision, deliberated.headers.etag as string)
    t.equal(decided.statusCode, 200, decided.body)
    t.match(decided.json(), { status: 'decided', outcome: 'local_integration', reviewDueAt: '2027-05-01' })
    const caseAfter = await readCase(officer)
    t.same(caseAfter.bestInterests, {
      determinationId: firstId,
      outcome: 'local_integration',
      decidedAt: decided.json().decidedAt,
      reviewDueAt: '2027-05-01',
    })
    t.ok((await readCase(ngo)).version > caseBefore.version, 'the case version moves with bestInterests')
    const history = await database.db
      .selectFrom('case_history')
      .select('field')
      .where('case_id', '=', caseId)
      .where('field', 'like', 'bestInterests.%')
      .execute()
    t.equal(history.length, 4)
  })

  await t.test('a decided determination is immutable', async (t) => {
    const current = await send('GET', `/determinations/${firstId}`, protection)
    const etag = current.headers.etag as string
    const changed = await send('PATCH', `/determinations/${firstId}`, protection, { rationale: 'rewritten' }, etag)
    t.equal(changed.statusCode, 409, changed.body)
    t.equal(changed.json().code, 'determination_decided')
    const redecided = await send(
      'POST',
      `/determinations/${firstId}/decision`,
      attorney,
      { outcome: 'resettlement', decidedAt: new Date().toISOString().slice(0, 10), reviewDueAt: '2027-01-01' },
      etag,
    )
    t.equal(redecided.statusCode, 409)
    t.equal((await send('GET', `/determinations/${firstId}`, protection)).json().rationale, 'Family tracing failed; school place found')
  })

  await t.test('readers of bestInterests only see the outcome, not the deliberation', async (t) => {
    for (const user of [officer, auditor]) {
      const list = await send('GET', '/determinations', user)
      t.equal(list.statusCode, 200, list.body)
      const [item] = list.json().items
      t.match(item, { id: firstId, status: 'decided', outcome: 'local_integration' })
      for (const field of ['panel', 'childViews', 'factors', 'optionsConsidered', 'rationale', 'dissent', 'trigger'])
        t.notOk(field in item, `${user.role}: no ${field}`)
      t.notMatch(list.body, /México|tracing|Pérez/)
    }
    const ngoList = await send('GET', '/determinations', ngo)
    t.equal(ngoList.json().items[0].childViews, 'Quiere quedarse en México', 'the caseworker reads the deliberation')
    t.equal((await send('GET', '/determinations', outsider)).statusCode, 404)
  })

  await t.test('a review supersedes a decided determination', async (t) => {
    const draftOfDraft = await send('POST', '/determinations', protection, { trigger: 'review' })
    const refused = await send('POST', '/determinations', protection, { trigger: 'review', supersedesId: draftOfDraft.json().id })
    t.equal(refused.statusCode, 422, 'only a decided determination can be superseded')
    const review = await send('POST', '/determinations', protection, {
      trigger: 'review',
      supersedesId: firstId,
      panel: [SIGNED('A'), SIGNED('B'), SIGNED('C')],
      childViews: 'Wants to join his uncle in Canada',
      rationale: 'Uncle located',
      dissent: 'One member preferred local integration',
    })
    t.equal(review.statusCode, 201, review.body)
    const decided = await send(
      'POST',
      `/determinations/${review.json().id}/decision`,
      protection,
      { outcome: 'resettlement', decidedAt: new Date().toISOString(), reviewDueAt: '2027-11-01' },
      review.headers.etag as string,
    )
    t.equal(decided.statusCode, 200, decided.body)
    t.equal((await send('GET', `/determinations/${firstId}`, officer)).json().status, 'superseded')
    t.match((await readCase(ngo)).bestInterests, { determinationId: review.json().id, outcome: 'resettlement' })
    const late = await send('POST', '/determinations', protection, { trigger: 'review', supersedesId: firstId })
    t.equal(late.statusCode, 422, 'a superseded determination is not superseded twice')
  })
})

import { sql } from 'kysely'
import t from 'tap'
import type { components, operations } from '../helpers/api-types.js'
import { answered, present } from '../helpers/api-client.js'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()
const dateIn = (days: number, yearsBack = 0) => {
  const date = new Date(Date.now() + days * 86_400_000)
  date.setUTCFullYear(date.getUTCFullYear() - yearsBack)
  return date.toISOString().slice(0, 10)
}
const PANEL = [
  { name: 'A', role: 'lawyer', undertakingSignedAt: '2026-01-01' },
  { name: 'B', role: 'psychologist', undertakingSignedAt: '2026-01-01' },
]

type Task = operations['listTasks']['responses'][200]['content']['application/json']['items'][number]
type TaskQuery = NonNullable<operations['listTasks']['parameters']['query']>
type NewCase = components['schemas']['NewCase']
type CasePatch = components['schemas']['CasePatch']
type PlacementType = components['schemas']['NewPlacement']['type']

t.test('tasks: each rule fires from the case data and clears when satisfied, only for those who may read and act on it', async (t) => {
  const { app, database, api } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const migration = await createUser(database, 'migration_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const admin = await createUser(database, 'system_admin')
  const colleague = await createUser(database, 'protection_officer', protection.organizationId)
  const notified = { procuraduriaNotifiedAt: new Date().toISOString() }

  /** A case the NGO leads, shared with the Procuraduría on a legal basis. */
  const openCase = async (payload: Partial<NewCase> = {}, by: TestUser = ngo) => {
    const created = answered(t, await api(by).POST('/cases', { body: { riskLevel: 'high', ...payload } }), 201)
    const id = present(created.id, 'the case id')
    if (by === ngo) {
      await grantParticipation(database.db, protection.organizationId, id, ngo.id)
    }
    return id
  }
  const patch = async (user: TestUser, id: string, body: CasePatch) => {
    const read = await api(user).GET('/cases/{id}', { params: { path: { id } } })
    const etag = read.response.headers.get('etag') ?? ''
    answered(t, await api(user).PATCH('/cases/{id}', { params: { path: { id }, header: { 'if-match': etag } }, body }), 200)
  }
  const backdate = (id: string, days: number) =>
    database.db
      .updateTable('cases')
      .set({ opened_at: sql<Date>`now() - make_interval(days => ${days})` })
      .where('id', '=', id)
      .execute()
  const place = async (id: string, type: PlacementType, startedAt: string) => {
    answered(t, await api(ngo).POST('/cases/{id}/placements', { params: { path: { id } }, body: { type, startedAt } }), 201)
  }
  const followUp = async (id: string) => {
    answered(
      t,
      await api(ngo).POST('/cases/{id}/notes', { params: { path: { id } }, body: { body: 'Revisión del caso', category: 'follow_up' } }),
      201,
    )
  }
  const tasksOf = async (user: TestUser, query: TaskQuery = {}, headers: Record<string, string> = {}) =>
    answered(t, await api(user, headers).GET('/tasks', { params: { query } }), 200).items
  const taskOn = async (user: TestUser, caseId: string, rule: Task['rule']) => (await tasksOf(user, { caseId, rule }))[0]

  await t.test('notification: due 24 hours after opening, overdue after, gone once recorded', async (t) => {
    const id = await openCase()
    const fresh = await taskOn(protection, id, 'notify_procuraduria')
    t.ok(fresh, 'the task is there from the opening')
    t.equal(fresh!.overdue, false)
    t.same(fresh!.resolveWith, { method: 'PATCH', path: `/cases/${id}` })
    t.match(fresh!.caseNumber, /^ATD-\d{4}-\d{6}$/)
    await backdate(id, 2)
    t.equal((await taskOn(protection, id, 'notify_procuraduria'))!.overdue, true)
    await patch(ngo, id, { custody: notified })
    t.equal(await taskOn(protection, id, 'notify_procuraduria'), undefined)
  })

  await t.test('migration station: due at once; gone when the child is moved', async (t) => {
    const id = await openCase({ custody: notified })
    const since = daysAgo(1)
    await place(id, 'migration_station', since)
    const task = await taskOn(ngo, id, 'leave_migration_station')
    t.equal(task?.overdue, true)
    t.equal(task?.dueAt, new Date(since).toISOString())
    t.same(task?.resolveWith, { method: 'POST', path: `/cases/${id}/placements` })
    await place(id, 'dif_shelter', new Date().toISOString())
    t.equal(await taskOn(ngo, id, 'leave_migration_station'), undefined)
  })

  await t.test('guardian: due 7 days after custody began; gone once appointed', async (t) => {
    const id = await openCase({ custody: notified })
    await place(id, 'dif_shelter', daysAgo(10))
    const task = await taskOn(protection, id, 'appoint_guardian')
    t.equal(task?.overdue, true)
    t.equal(task?.dueAt, new Date(Date.parse(daysAgo(10)) + 7 * 86_400_000).toISOString().slice(0, 16) + task!.dueAt.slice(16))
    t.equal(await taskOn(ngo, id, 'appoint_guardian'), undefined, 'the NGO may not write the legal file: not its task')
    await patch(protection, id, { legal: { guardian: { type: 'procuraduria', representationType: 'suplencia', appointedAt: dateIn(0) } } })
    t.equal(await taskOn(protection, id, 'appoint_guardian'), undefined)
  })

  await t.test('asylum: due at the 25th working day from entry, counted across 16 September; a declared day moves it', async (t) => {
    const id = await openCase({ custody: notified })
    t.equal(await taskOn(protection, id, 'file_asylum_claim'), undefined, 'no claim intended: no task')
    await patch(protection, id, { legalStatus: { asylumClaimStatus: 'intended', entryDate: '2026-09-01' } })
    // From Tue 1 Sep 2026: 25 working days skipping weekends and Wed 16 Sep end on Wed 7 Oct (Mexico City midnight).
    const task = await taskOn(protection, id, 'file_asylum_claim')
    t.equal(task?.dueAt, '2026-10-07T06:00:00.000Z')
    const declared = await api(admin).POST('/calendar/non-working-days', { body: { date: '2026-09-30', reason: 'Día inhábil declarado' } })
    answered(t, declared, 201)
    t.equal((await taskOn(protection, id, 'file_asylum_claim'))?.dueAt, '2026-10-08T06:00:00.000Z', 'the declared day moves the due date')
    const removed = await api(admin).DELETE('/calendar/non-working-days/{date}', { params: { path: { date: '2026-09-30' } } })
    t.equal(removed.response.status, 204)
    t.equal((await taskOn(protection, id, 'file_asylum_claim'))?.dueAt, '2026-10-07T06:00:00.000Z')
    t.equal(await taskOn(ngo, id, 'file_asylum_claim'), undefined, 'the NGO reads legal status but may not file: not its task')
    await patch(protection, id, { legalStatus: { asylumClaimStatus: 'filed' } })
    t.equal(await taskOn(protection, id, 'file_asylum_claim'), undefined)
  })

  await t.test('case plan: due 14 days after opening; gone once an assessment is completed', async (t) => {
    const id = await openCase({ custody: notified })
    await backdate(id, 15)
    t.equal((await taskOn(ngo, id, 'case_plan'))?.overdue, true)
    const assessment = await api(ngo).POST('/cases/{id}/assessments', {
      params: { path: { id } },
      body: { completedAt: new Date().toISOString() },
    })
    answered(t, assessment, 201)
    t.equal(await taskOn(ngo, id, 'case_plan'), undefined)
  })

  await t.test('reviews: every 90 days, every 30 in residential care; a follow-up note resets them', async (t) => {
    const id = await openCase({ custody: notified })
    await backdate(id, 100)
    await place(id, 'dif_shelter', daysAgo(40))
    t.equal((await taskOn(ngo, id, 'case_review'))?.overdue, true)
    t.equal((await taskOn(ngo, id, 'residential_review'))?.overdue, true)
    await followUp(id)
    const review = await taskOn(ngo, id, 'case_review')
    t.equal(review?.overdue, false)
    t.ok(Date.parse(review!.dueAt) > Date.now() + 89 * 86_400_000, 'next review in 90 days')
    t.equal((await taskOn(ngo, id, 'residential_review'))?.overdue, false)
    await place(id, 'kinship_care', new Date().toISOString())
    t.equal(await taskOn(ngo, id, 'residential_review'), undefined, 'no residential review outside residential care')
    t.equal(await taskOn(migration, id, 'case_review'), undefined)
  })

  await t.test('BID review: due on the date the decision set', async (t) => {
    const id = await openCase({ custody: notified })
    const draft = await api(protection).POST('/cases/{id}/determinations', {
      params: { path: { id } },
      body: { trigger: 'durable_solution', panel: PANEL, childViews: 'stay', rationale: 'safe' },
    })
    const { id: did } = answered(t, draft, 201)
    const decided = await api(protection).POST('/cases/{id}/determinations/{did}/decision', {
      params: { path: { id, did }, header: { 'if-match': draft.response.headers.get('etag') ?? '' } },
      body: { outcome: 'local_integration', decidedAt: dateIn(0), reviewDueAt: dateIn(30) },
    })
    answered(t, decided, 200)
    // Time passes: the review date set by the decision is now ten days gone.
    await sql`UPDATE cases SET best_interests = jsonb_set(best_interests, '{reviewDueAt}', to_jsonb(${dateIn(-10)}::text)) WHERE id = ${id}`.execute(
      database.db,
    )
    const task = await taskOn(protection, id, 'bid_review')
    t.equal(task?.overdue, true)
    t.equal(task?.dueAt.slice(0, 10), dateIn(-10))
    t.equal(await taskOn(ngo, id, 'bid_review'), undefined, 'the NGO reads the outcome but may not review it')
    await database.db
      .updateTable('cases')
      .set({ status: 'closed', stage: 'closed', closed_at: new Date(), closure_reason: 'solution_achieved' })
      .where('id', '=', id)
      .execute()
    t.equal(await taskOn(protection, id, 'bid_review'), undefined, 'a closed case has no tasks')
  })

  await t.test('18th birthday: listed 90 days ahead; gone when the date of birth says otherwise', async (t) => {
    const id = await openCase({ custody: notified, identity: { dateOfBirth: dateIn(30, 18) } })
    const task = await taskOn(ngo, id, 'turning_18')
    t.equal(task?.overdue, false)
    t.equal(task?.dueAt.slice(0, 10), dateIn(30), 'due on the birthday')
    const later = await openCase({ custody: notified, identity: { dateOfBirth: dateIn(120, 18) } })
    t.equal(await taskOn(ngo, later, 'turning_18'), undefined, 'more than 90 days ahead')
    await patch(ngo, id, { identity: { dateOfBirth: dateIn(0, 10) } })
    t.equal(await taskOn(ngo, id, 'turning_18'), undefined)
  })

  await t.test('a task built on a section withheld by consent is not shown; others on the same case are', async (t) => {
    const id = await openCase({ custody: notified })
    await backdate(id, 100)
    t.ok(await taskOn(protection, id, 'case_review'))
    const consent = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id } },
      body: {
        givenBy: 'child_and_guardian',
        scopes: ['services'],
        withheld: [{ section: 'notes', fromOrganizationId: protection.organizationId }],
      },
    })
    answered(t, consent, 201)
    t.equal(await taskOn(protection, id, 'case_review'), undefined, 'the review rests on notes, withheld from the Procuraduría')
    t.ok(await taskOn(protection, id, 'case_plan'), 'the plan rests on the assessments, not withheld')
    t.ok(await taskOn(ngo, id, 'case_review'), 'never withheld from the lead')
  })

  await t.test('a role sees only the rules whose fields it reads and whose route it may use', async (t) => {
    const id = await openCase({}, migration)
    await backdate(id, 20)
    const rules = (await tasksOf(migration, { caseId: id })).map((task) => task.rule)
    t.ok(rules.includes('notify_procuraduria'), 'INM records the notification')
    for (const hidden of ['case_plan', 'case_review', 'appoint_guardian', 'file_asylum_claim', 'bid_review'] as const)
      t.notOk(rules.includes(hidden), hidden)
    t.same(await tasksOf(ngo, { caseId: id }), [], 'a case outside the caller’s scope has no tasks for it')
  })

  await t.test('titles in the deployment’s language by default (English here), in es-MX or English when asked', async (t) => {
    const id = await openCase()
    const query = { caseId: id, rule: 'notify_procuraduria' } as const
    t.match((await tasksOf(ngo, query))[0]!.title, /^Notify the Procuraduría/)
    const spanish = (await tasksOf(ngo, query, { 'accept-language': 'es-MX' }))[0]!
    t.match(spanish.title, /Notificar a la Procuraduría/)
    const english = await api(ngo, { 'accept-language': 'en-US,en;q=0.9,es;q=0.5' }).GET('/tasks', { params: { query } })
    t.equal(english.response.headers.get('content-language'), 'en')
    t.match(answered(t, english, 200).items[0]?.title, /^Notify the Procuraduría/)
    t.match((await tasksOf(ngo, query, { 'accept-language': 'fr, es-MX;q=0.8' }))[0]!.title, /^Notificar/)
  })

  await t.test('filters: rule, overdue, dueBefore, assignedTo', async (t) => {
    const mine = await openCase()
    await backdate(mine, 2)
    const theirs = await openCase()
    const assign = (id: string, userId: string) =>
      api(protection).PUT('/cases/{id}/assignment', { params: { path: { id } }, body: { userId } })
    answered(t, await assign(mine, protection.id), 200)
    t.equal((await assign(theirs, colleague.id)).response.status, 200)

    const assigned = await tasksOf(protection, { assignedTo: 'me' })
    t.ok(assigned.length > 0)
    t.ok(
      assigned.every((task) => task.caseId === mine),
      'only the cases assigned to me',
    )
    // A task list of one shape is built once (statement templates) and filled in with each request's values.
    const theirTasks = await tasksOf(protection, { assignedTo: colleague.id })
    t.ok(
      theirTasks.length > 0 && theirTasks.every((task) => task.caseId === theirs),
      'a colleague’s cases: the same statement, another assignee',
    )
    t.same(await tasksOf(ngo, { assignedTo: 'me' }), [], 'an assignment is per organisation')

    const overdue = await tasksOf(protection, { assignedTo: 'me', overdue: 'true' })
    t.ok(overdue.some((task) => task.rule === 'notify_procuraduria'))
    t.ok(overdue.every((task) => task.overdue))
    const upcoming = await tasksOf(protection, { assignedTo: 'me', overdue: 'false' })
    t.ok(upcoming.length > 0 && upcoming.every((task) => !task.overdue))
    t.ok((await tasksOf(protection, { rule: 'case_plan' })).every((task) => task.rule === 'case_plan'))
    const soon = await tasksOf(protection, { dueBefore: new Date(Date.now() + 86_400_000).toISOString() })
    t.ok(soon.length > 0 && soon.every((task) => Date.parse(task.dueAt) < Date.now() + 86_400_000))
    t.ok(
      (await tasksOf(protection, { dueBefore: dateIn(2) })).every((task) => Date.parse(task.dueAt) < Date.parse(`${dateIn(2)}T06:00:00Z`)),
    )
    // Queries the document forbids (most of them the client's types would not let us write): sent raw.
    for (const bad of [
      '?rule=nothing',
      '?overdue=yes',
      '?dueBefore=0000-01-01',
      '?dueBefore=99999-01-01',
      '?assignedTo=someone',
      '?caseId=12',
      '?limit=1000',
      '?colour=red',
    ]) {
      t.equal((await app.inject({ method: 'GET', url: `/tasks${bad}`, headers: protection.headers })).statusCode, 400, bad)
    }
  })

  await t.test('pages by an opaque cursor, in due order; a forged cursor is a 400', async (t) => {
    const all = await tasksOf(protection, { limit: 100 })
    t.ok(all.length > 5)
    for (let i = 1; i < all.length; i++) t.ok(all[i - 1]!.dueAt <= all[i]!.dueAt, 'ordered by due time')
    const seen: Task[] = []
    let cursor: string | undefined
    do {
      const page = answered(t, await api(protection).GET('/tasks', { params: { query: { limit: 3, cursor } } }), 200)
      seen.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    t.same(
      seen.map((task) => `${task.caseId}:${task.rule}`),
      all.map((task) => `${task.caseId}:${task.rule}`),
    )
    const forged = [
      'bogus!',
      Buffer.from('["2026-01-01T00:00:00.000Z","not-a-uuid","case_plan"]').toString('base64url'),
      Buffer.from(`["2026-01-01T00:00:00.000Z","${protection.id}","drop_table"]`).toString('base64url'),
      Buffer.from(`["0000-01-01T00:00:00.000Z","${protection.id}","case_plan"]`).toString('base64url'),
      Buffer.from('{}').toString('base64url'),
    ]
    for (const cursor of forged) {
      t.equal((await api(protection).GET('/tasks', { params: { query: { cursor } } })).response.status, 400, cursor)
    }
  })

  await t.test('the auditor (whose view is /alerts) and the administrator get a 403, recorded', async (t) => {
    for (const user of [auditor, admin]) {
      const { response, error } = await api(user).GET('/tasks')
      t.equal(response.status, 403)
      t.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8')
      t.equal(error?.type, 'urn:atd:problem:forbidden')
    }
    const denied = await sql<{
      n: number
    }>`SELECT count(*)::int AS n FROM audit_events WHERE action = 'task.list' AND outcome = 'denied'`.execute(database.db)
    t.equal(denied.rows[0]!.n, 2)
    const allowed = await sql<{
      fields: string[]
    }>`SELECT fields FROM audit_events WHERE action = 'task.list' AND outcome = 'allowed' AND actor_id = ${protection.id} ORDER BY id DESC LIMIT 1`.execute(
      database.db,
    )
    t.ok(allowed.rows[0]!.fields.includes('case.caseNumber'), 'the fields a list disclosed are recorded')
  })
})

import { sql } from 'kysely'
import t from 'tap'
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

interface Task {
  rule: string
  caseId: string
  caseNumber: string
  dueAt: string
  overdue: boolean
  title: string
  resolveWith: { method: string; path: string }
}

t.test('tasks: each rule fires from the case data and clears when satisfied, only for those who may read and act on it', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const migration = await createUser(database, 'migration_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const admin = await createUser(database, 'system_admin')
  const colleague = await createUser(database, 'protection_officer', protection.organizationId)
  const notified = { procuraduriaNotifiedAt: new Date().toISOString() }

  const send = (
    user: TestUser,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) })
  /** A case the NGO leads, shared with the Procuraduría on a legal basis. */
  const openCase = async (payload: Record<string, unknown> = {}, by: TestUser = ngo) => {
    const created = await send(by, 'POST', '/cases', { riskLevel: 'high', ...payload })
    t.equal(created.statusCode, 201, created.body)
    const id: string = created.json().id
    if (by === ngo) {
      await grantParticipation(database.db, protection.organizationId, id, ngo.id)
    }
    return id
  }
  const patch = async (user: TestUser, id: string, payload: Record<string, unknown>) => {
    const etag = (await send(user, 'GET', `/cases/${id}`)).headers.etag as string
    const response = await send(user, 'PATCH', `/cases/${id}`, payload, { 'if-match': etag })
    t.equal(response.statusCode, 200, response.body)
  }
  const backdate = (id: string, days: number) =>
    database.db
      .updateTable('cases')
      .set({ opened_at: sql<Date>`now() - make_interval(days => ${days})` })
      .where('id', '=', id)
      .execute()
  const place = async (id: string, type: string, startedAt: string) => {
    const placed = await send(ngo, 'POST', `/cases/${id}/placements`, { type, startedAt })
    t.equal(placed.statusCode, 201, placed.body)
  }
  const followUp = async (id: string) => {
    const note = await send(ngo, 'POST', `/cases/${id}/notes`, { body: 'Revisión del caso', category: 'follow_up' })
    t.equal(note.statusCode, 201, note.body)
  }
  const tasksOf = async (user: TestUser, query = '', headers: Record<string, string> = {}) => {
    const response = await send(user, 'GET', `/tasks${query}`, undefined, headers)
    t.equal(response.statusCode, 200, response.body)
    return response.json().items as Task[]
  }
  const taskOn = async (user: TestUser, id: string, rule: string) => (await tasksOf(user, `?caseId=${id}&rule=${rule}`))[0]

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
    const declared = await send(admin, 'POST', '/calendar/non-working-days', { date: '2026-09-30', reason: 'Día inhábil declarado' })
    t.equal(declared.statusCode, 201, declared.body)
    t.equal((await taskOn(protection, id, 'file_asylum_claim'))?.dueAt, '2026-10-08T06:00:00.000Z', 'the declared day moves the due date')
    t.equal((await send(admin, 'DELETE', '/calendar/non-working-days/2026-09-30')).statusCode, 204)
    t.equal((await taskOn(protection, id, 'file_asylum_claim'))?.dueAt, '2026-10-07T06:00:00.000Z')
    t.equal(await taskOn(ngo, id, 'file_asylum_claim'), undefined, 'the NGO reads legal status but may not file: not its task')
    await patch(protection, id, { legalStatus: { asylumClaimStatus: 'filed' } })
    t.equal(await taskOn(protection, id, 'file_asylum_claim'), undefined)
  })

  await t.test('case plan: due 14 days after opening; gone once an assessment is completed', async (t) => {
    const id = await openCase({ custody: notified })
    await backdate(id, 15)
    t.equal((await taskOn(ngo, id, 'case_plan'))?.overdue, true)
    const assessment = await send(ngo, 'POST', `/cases/${id}/assessments`, { completedAt: new Date().toISOString() })
    t.equal(assessment.statusCode, 201, assessment.body)
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
    const draft = await send(protection, 'POST', `/cases/${id}/determinations`, {
      trigger: 'durable_solution',
      panel: PANEL,
      childViews: 'stay',
      rationale: 'safe',
    })
    t.equal(draft.statusCode, 201, draft.body)
    const decided = await send(
      protection,
      'POST',
      `/cases/${id}/determinations/${draft.json().id}/decision`,
      { outcome: 'local_integration', decidedAt: dateIn(0), reviewDueAt: dateIn(30) },
      { 'if-match': draft.headers.etag as string },
    )
    t.equal(decided.statusCode, 200, decided.body)
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
    const consent = await send(ngo, 'POST', `/cases/${id}/consents`, {
      givenBy: 'child_and_guardian',
      scopes: ['services'],
      withheld: [{ section: 'notes', fromOrganizationId: protection.organizationId }],
    })
    t.equal(consent.statusCode, 201, consent.body)
    t.equal(await taskOn(protection, id, 'case_review'), undefined, 'the review rests on notes, withheld from the Procuraduría')
    t.ok(await taskOn(protection, id, 'case_plan'), 'the plan rests on the assessments, not withheld')
    t.ok(await taskOn(ngo, id, 'case_review'), 'never withheld from the lead')
  })

  await t.test('a role sees only the rules whose fields it reads and whose route it may use', async (t) => {
    const id = await openCase({}, migration)
    await backdate(id, 20)
    const rules = (await tasksOf(migration, `?caseId=${id}`)).map((task) => task.rule)
    t.ok(rules.includes('notify_procuraduria'), 'INM records the notification')
    for (const hidden of ['case_plan', 'case_review', 'appoint_guardian', 'file_asylum_claim', 'bid_review'])
      t.notOk(rules.includes(hidden), hidden)
    t.same(await tasksOf(ngo, `?caseId=${id}`), [], 'a case outside the caller’s scope has no tasks for it')
  })

  await t.test('titles in the deployment’s language by default (English here), in es-MX or English when asked', async (t) => {
    const id = await openCase()
    t.match((await tasksOf(ngo, `?caseId=${id}&rule=notify_procuraduria`))[0]!.title, /^Notify the Procuraduría/)
    const spanish = (await tasksOf(ngo, `?caseId=${id}&rule=notify_procuraduria`, { 'accept-language': 'es-MX' }))[0]!
    t.match(spanish.title, /Notificar a la Procuraduría/)
    const response = await send(ngo, 'GET', `/tasks?caseId=${id}&rule=notify_procuraduria`, undefined, {
      'accept-language': 'en-US,en;q=0.9,es;q=0.5',
    })
    t.equal(response.headers['content-language'], 'en')
    t.match(response.json().items[0].title, /^Notify the Procuraduría/)
    t.match(
      (await tasksOf(ngo, `?caseId=${id}&rule=notify_procuraduria`, { 'accept-language': 'fr, es-MX;q=0.8' }))[0]!.title,
      /^Notificar/,
    )
  })

  await t.test('filters: rule, overdue, dueBefore, assignedTo', async (t) => {
    const mine = await openCase()
    await backdate(mine, 2)
    const theirs = await openCase()
    const assign = await send(protection, 'PUT', `/cases/${mine}/assignment`, { userId: protection.id })
    t.equal(assign.statusCode, 200, assign.body)
    t.equal((await send(protection, 'PUT', `/cases/${theirs}/assignment`, { userId: colleague.id })).statusCode, 200)

    const assigned = await tasksOf(protection, '?assignedTo=me')
    t.ok(assigned.length > 0)
    t.ok(
      assigned.every((task) => task.caseId === mine),
      'only the cases assigned to me',
    )
    t.ok((await tasksOf(protection, `?assignedTo=${colleague.id}`)).every((task) => task.caseId === theirs))
    t.same(await tasksOf(ngo, '?assignedTo=me'), [], 'an assignment is per organisation')

    const overdue = await tasksOf(protection, '?assignedTo=me&overdue=true')
    t.ok(overdue.some((task) => task.rule === 'notify_procuraduria'))
    t.ok(overdue.every((task) => task.overdue))
    const upcoming = await tasksOf(protection, '?assignedTo=me&overdue=false')
    t.ok(upcoming.length > 0 && upcoming.every((task) => !task.overdue))
    t.ok((await tasksOf(protection, '?rule=case_plan')).every((task) => task.rule === 'case_plan'))
    const soon = await tasksOf(protection, `?dueBefore=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`)
    t.ok(soon.length > 0 && soon.every((task) => Date.parse(task.dueAt) < Date.now() + 86_400_000))
    t.ok(
      (await tasksOf(protection, `?dueBefore=${dateIn(2)}`)).every((task) => Date.parse(task.dueAt) < Date.parse(`${dateIn(2)}T06:00:00Z`)),
    )
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
      t.equal((await send(protection, 'GET', `/tasks${bad}`)).statusCode, 400, bad)
    }
  })

  await t.test('pages by an opaque cursor, in due order; a forged cursor is a 400', async (t) => {
    const all = await tasksOf(protection, '?limit=100')
    t.ok(all.length > 5)
    for (let i = 1; i < all.length; i++) t.ok(all[i - 1]!.dueAt <= all[i]!.dueAt, 'ordered by due time')
    const seen: Task[] = []
    let cursor: string | null = null
    do {
      const url: string = `/tasks?limit=3${cursor ? `&cursor=${cursor}` : ''}`
      const response = await send(protection, 'GET', url)
      t.equal(response.statusCode, 200, response.body)
      seen.push(...response.json().items)
      cursor = response.json().nextCursor
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
    for (const cursor of forged) t.equal((await send(protection, 'GET', `/tasks?cursor=${cursor}`)).statusCode, 400, cursor)
  })

  await t.test('the auditor (whose view is /alerts) and the administrator get a 403, recorded', async (t) => {
    for (const user of [auditor, admin]) {
      const response = await send(user, 'GET', '/tasks')
      t.equal(response.statusCode, 403)
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
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

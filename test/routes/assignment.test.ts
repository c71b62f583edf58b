import { sql } from 'kysely'
import t from 'tap'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

t.test('assignment: each participating organisation assigns the case to one of its own users', async (t) => {
  const { app, api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const teammate = await createUser(database, 'ngo_caseworker', ngo.organizationId)
  const protection = await createUser(database, 'protection_officer')
  const migration = await createUser(database, 'migration_officer')
  const outsider = await createUser(database, 'ngo_caseworker')
  const adminInNgo = await createUser(database, 'system_admin', ngo.organizationId)
  const retired = await createUser(database, 'ngo_caseworker', ngo.organizationId)
  await database.db.updateTable('users').set({ active: false }).where('id', '=', retired.id).execute()

  const created = await api(ngo).POST('/cases', { body: { riskLevel: 'high' } })
  t.equal(created.response.status, 201, JSON.stringify(created.error))
  const caseId = created.data?.id ?? ''
  t.equal(created.data?.assignedTo, null, 'a new case is assigned to no one')
  await grantParticipation(database.db, protection.organizationId, caseId, ngo.id)
  await database.db
    .insertInto('case_participants')
    .values({
      organization_id: migration.organizationId,
      case_id: caseId,
      basis: 'legal_basis',
      legal_basis_code: 'migration_law_handover',
      granted_by: ngo.id,
      legal_basis_citation: 'test',
    })
    .execute()

  const assign = (user: TestUser, userId: string, id = caseId) =>
    api(user).PUT('/cases/{id}/assignment', { params: { path: { id } }, body: { userId } })
  const assigneeSeenBy = async (user: TestUser) => {
    const single = await api(user).GET('/cases/{id}', { params: { path: { id: caseId } } })
    t.equal(single.response.status, 200, JSON.stringify(single.error))
    const list = await api(user).GET('/cases', { params: { query: { limit: 100 } } })
    const listed = list.data?.items.find((item) => item.id === caseId)
    t.ok(listed, 'the case is in the list')
    t.equal(listed?.assignedTo, single.data?.assignedTo, 'the list item shows the same assignee')
    return single.data?.assignedTo
  }

  await t.test('assigns without If-Match; each organisation sees its own assignee', async (t) => {
    const { data, error, response } = await assign(ngo, teammate.id)
    t.equal(response.status, 200, JSON.stringify(error))
    t.match(data, { caseId, organizationId: ngo.organizationId, userId: teammate.id, assignedBy: ngo.id })
    t.equal(await assigneeSeenBy(ngo), teammate.id)
    t.equal(await assigneeSeenBy(protection), null, 'the Procuraduría has not assigned it yet')
    t.equal((await assign(protection, protection.id)).response.status, 200)
    t.equal(await assigneeSeenBy(protection), protection.id)
    t.equal(await assigneeSeenBy(ngo), teammate.id, 'unchanged by another organisation’s assignment')
    t.equal((await assign(ngo, ngo.id)).response.status, 200, 'reassigned')
    t.equal(await assigneeSeenBy(ngo), ngo.id)
  })

  await t.test('audited and in the history', async (t) => {
    const events = await sql<{
      n: number
    }>`SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.assign' AND outcome = 'allowed' AND ${caseId}::uuid = ANY (case_ids)`.execute(
      database.db,
    )
    t.equal(events.rows[0]!.n, 3)
    const history = await database.db
      .selectFrom('case_history')
      .select(['field', 'actor_id'])
      .where('case_id', '=', caseId)
      .where('field', '=', 'case.assignedTo')
      .execute()
    t.equal(history.length, 3)
  })

  await t.test('only an active user of the caller’s organisation with a case role: otherwise 422', async (t) => {
    for (const [what, userId] of [
      ['another organisation’s user', protection.id],
      ['an inactive user', retired.id],
      ['a user without a case role', adminInNgo.id],
      ['no such user', '0190a5b2-0000-7000-8000-000000000000'],
    ] as const) {
      const { error, response } = await assign(ngo, userId)
      t.equal(response.status, 422, what)
      t.equal(error?.reason, 'assignee_not_eligible', what)
    }
    t.equal(await assigneeSeenBy(ngo), ngo.id, 'nothing changed')
  })

  await t.test('walls: a role that may not assign is 403, a case outside scope 404, a bad body 400', async (t) => {
    t.equal((await assign(migration, migration.id)).response.status, 403)
    t.equal((await assign(outsider, outsider.id)).response.status, 404)
    t.equal((await assign(ngo, 'me')).response.status, 400, 'not a uuid')
    // A field the document forbids (additionalProperties: false): the typed client would not compile it.
    t.equal(
      (await app.inject({ method: 'PUT', url: `/cases/${caseId}/assignment`, headers: ngo.headers, payload: { userId: ngo.id, extra: 1 } }))
        .statusCode,
      400,
    )
    const denied = await sql<{
      n: number
    }>`SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.assign' AND outcome = 'denied'`.execute(database.db)
    t.ok(denied.rows[0]!.n >= 6, 'refusals are recorded')
  })
})

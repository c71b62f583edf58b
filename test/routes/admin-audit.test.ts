import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { ensureBootstrapAdmin } from '../../src/users/user.service.js'
import { build, createCast, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import type { TestDatabase } from '../helpers/database.js'

interface EventRow {
  action: string
  outcome: string
  reason: string | null
  actor_id: string | null
  case_ids: string[]
  fields: string[]
  changed_fields: string[]
  target_user_id: string | null
  target_organization_id: string | null
  event_count: number
  row: string
}

async function eventsOf(database: TestDatabase, requestId: string): Promise<EventRow[]> {
  const { rows } =
    await sql<EventRow>`SELECT action, outcome, reason, actor_id::text AS actor_id, case_ids::text[] AS case_ids, fields, changed_fields,
      target_user_id::text AS target_user_id, target_organization_id::text AS target_organization_id, event_count, to_jsonb(e)::text AS row
    FROM audit_events e WHERE request_id = ${requestId} ORDER BY id`.execute(database.db)
  return rows
}

t.test('administration is on record like case data', async (t) => {
  const { app, database } = await build(t)
  const { ngo, admin, migration } = await createCast(database)
  const send = async (
    user: TestUser,
    method: 'POST' | 'PATCH' | 'GET',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) => {
    const response = await app.inject({
      method,
      url,
      headers: { ...user.headers, ...headers },
      ...(payload ? { payload } : {}),
    })
    return { response, events: await eventsOf(database, response.headers['x-request-id'] as string) }
  }

  await t.test('creating an organisation and a user writes events naming fields, never values', async (t) => {
    const name = `Casa Refugio ${randomUUID()}`
    const org = await send(admin, 'POST', '/organizations', { name, kind: 'civil_society' })
    t.equal(org.response.statusCode, 201, org.response.body)
    t.equal(org.events.length, 1)
    t.match(org.events[0], {
      action: 'organization.create',
      outcome: 'allowed',
      actor_id: admin.id,
      target_organization_id: org.response.json().id,
    })
    t.ok(org.events[0]!.changed_fields.includes('organization.name'))
    t.notOk(org.events[0]!.row.includes(name), 'no organisation name in the trail')

    const subject = `idp|auditor-${randomUUID()}`
    const user = await send(admin, 'POST', '/users', {
      subject,
      displayName: 'Lucía Pérez Auditora',
      role: 'ngo_caseworker',
      organizationId: org.response.json().id,
    })
    t.equal(user.response.statusCode, 201, user.response.body)
    t.match(user.events, [
      {
        action: 'user.create',
        outcome: 'allowed',
        target_user_id: user.response.json().id,
        target_organization_id: org.response.json().id,
      },
    ])
    t.same(user.events[0]!.changed_fields, ['user.active', 'user.displayName', 'user.organizationId', 'user.role', 'user.subject'])
    t.notOk(user.events[0]!.row.includes(subject) || user.events[0]!.row.includes('Lucía'), 'no subject or name in the trail')

    const role = await send(admin, 'PATCH', `/users/${user.response.json().id}`, {
      displayName: 'Lucía Pérez Auditora',
      role: 'ngo_caseworker',
      active: false,
    })
    t.equal(role.response.statusCode, 200)
    t.match(role.events, [{ action: 'user.update', outcome: 'allowed', target_user_id: user.response.json().id }])
    t.same(role.events[0]!.changed_fields, ['user.active'], 'only what changed')
    const reactivated = await send(admin, 'PATCH', `/users/${user.response.json().id}`, { active: true })
    t.same(reactivated.events[0]!.changed_fields, ['user.active'])
  })

  await t.test('refused administration is on record with its reason', async (t) => {
    const orgId = await createOrganization(database, 'civil_society')
    const forbidden = await send(ngo, 'POST', '/users', {
      subject: `s-${randomUUID()}`,
      displayName: 'X',
      role: 'ngo_caseworker',
      organizationId: orgId,
    })
    t.equal(forbidden.response.statusCode, 403)
    t.match(forbidden.events, [{ action: 'user.create', outcome: 'denied', reason: 'forbidden', actor_id: ngo.id }])
    const forbiddenOrg = await send(ngo, 'PATCH', `/organizations/${orgId}`, { active: false })
    t.equal(forbiddenOrg.response.statusCode, 403)
    t.match(forbiddenOrg.events, [{ action: 'organization.update', outcome: 'denied', reason: 'forbidden', target_organization_id: orgId }])
    const duplicate = await send(admin, 'POST', '/users', {
      subject: ngo.subject,
      displayName: 'Otra',
      role: 'ngo_caseworker',
      organizationId: orgId,
    })
    t.equal(duplicate.response.statusCode, 409)
    t.match(duplicate.events, [{ action: 'user.create', outcome: 'denied', reason: 'subject_exists' }])
    const misfit = await send(admin, 'POST', '/users', {
      subject: `s-${randomUUID()}`,
      displayName: 'X',
      role: 'migration_officer',
      organizationId: orgId,
    })
    t.equal(misfit.response.statusCode, 422)
    t.match(misfit.events, [{ action: 'user.create', outcome: 'denied', reason: 'role_does_not_fit_organization' }])
    const roleMisfit = await send(admin, 'PATCH', `/users/${ngo.id}`, { role: 'migration_officer' })
    t.equal(roleMisfit.response.statusCode, 422)
    t.match(roleMisfit.events, [
      { action: 'user.update', outcome: 'denied', reason: 'role_does_not_fit_organization', target_user_id: ngo.id },
    ])
    const missing = await send(admin, 'PATCH', `/users/${randomUUID()}`, { active: false })
    t.equal(missing.response.statusCode, 404)
    t.match(missing.events, [{ action: 'user.update', outcome: 'denied', reason: 'user-not-found' }])
    const name = `Dup ${randomUUID()}`
    t.equal((await send(admin, 'POST', '/organizations', { name, kind: 'legal_aid' })).response.statusCode, 201)
    const dupOrg = await send(admin, 'POST', '/organizations', { name, kind: 'legal_aid' })
    t.equal(dupOrg.response.statusCode, 409)
    t.match(dupOrg.events, [{ action: 'organization.create', outcome: 'denied', reason: 'name_exists' }])
  })

  await t.test(
    'business refusals on case data are recorded with their reason; a missing note is not an out-of-scope attempt',
    async (t) => {
      const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'medium' } })
      const caseId = created.json().id as string
      const etag = created.headers.etag as string
      const note = await app.inject({ method: 'POST', url: `/cases/${caseId}/notes`, headers: ngo.headers, payload: { body: 'visita' } })
      const noteId = note.json().id as string

      const noIfMatch = await send(ngo, 'PATCH', `/cases/${caseId}/notes/${noteId}`, { body: 'otra' })
      t.equal(noIfMatch.response.statusCode, 428)
      t.match(noIfMatch.events, [{ action: 'note.update', outcome: 'denied', reason: 'precondition-required', case_ids: [caseId] }])
      const stale = await send(ngo, 'PATCH', `/cases/${caseId}/notes/${noteId}`, { body: 'otra' }, { 'if-match': '"7"' })
      t.equal(stale.response.statusCode, 412)
      t.match(stale.events, [{ action: 'note.update', outcome: 'denied', reason: 'precondition-failed', case_ids: [caseId] }])
      const staleCase = await send(ngo, 'PATCH', `/cases/${caseId}`, { riskLevel: 'high' }, { 'if-match': '"999"' })
      t.equal(staleCase.response.statusCode, 412)
      t.match(staleCase.events, [{ action: 'case.update', outcome: 'denied', reason: 'precondition-failed' }])
      const noIfMatchCase = await send(ngo, 'PATCH', `/cases/${caseId}`, { riskLevel: 'high' })
      t.equal(noIfMatchCase.response.statusCode, 428)
      t.match(noIfMatchCase.events, [{ action: 'case.update', outcome: 'denied', reason: 'precondition-required' }])
      const guard = await send(
        ngo,
        'POST',
        `/cases/${caseId}/transitions`,
        { to: 'durable_solution', reason: 'salto' },
        { 'if-match': etag },
      )
      t.ok([409, 422].includes(guard.response.statusCode), guard.response.body)
      t.match(guard.events, [{ action: 'case.transition', outcome: 'denied', case_ids: [caseId] }])
      t.match(guard.events[0]!.reason, /\S/)

      const missingNote = await send(ngo, 'GET', `/cases/${caseId}/notes/${randomUUID()}`)
      t.equal(missingNote.response.statusCode, 404)
      t.match(missingNote.events, [{ action: 'note.read', outcome: 'denied', reason: 'note-not-found', case_ids: [caseId] }])
      const outOfScope = await send(migration, 'GET', `/cases/${caseId}`)
      t.equal(outOfScope.response.statusCode, 404)
      t.match(outOfScope.events, [{ outcome: 'denied', reason: 'out-of-scope' }])
    },
  )

  await t.test('a change event lists the fields it changed apart from those its answer disclosed', async (t) => {
    const created = await send(ngo, 'POST', '/cases', { riskLevel: 'medium', demographics: { sex: 'female' } })
    t.equal(created.response.statusCode, 201)
    t.same(created.events[0]!.changed_fields, ['case.riskLevel', 'demographics.sex'])
    const changed = await send(
      ngo,
      'PATCH',
      `/cases/${created.response.json().id}`,
      { riskLevel: 'high' },
      { 'if-match': created.response.headers.etag as string },
    )
    t.equal(changed.response.statusCode, 200, changed.response.body)
    const [event] = changed.events
    t.same(event!.changed_fields, ['case.riskLevel'], 'the one field it changed')
    t.ok(event!.fields.length > 5, 'the fields its answer disclosed')
    t.ok(event!.fields.includes('case.riskLevel'))
    const listed = await send(admin, 'GET', '/users')
    t.equal(listed.response.statusCode, 200)
    const trail = await app.inject({
      method: 'GET',
      url: `/audit-events?caseId=${created.response.json().id}&action=case.update`,
      headers: (await createUser(database, 'oversight_auditor')).headers,
    })
    t.equal(trail.statusCode, 200, trail.body)
    t.match(trail.json().items[0], { changedFields: ['case.riskLevel'], count: 1, targetUserId: null })
  })
})

t.test('organisations can be deactivated', async (t) => {
  const { app, database } = await build(t)
  const { ngo, admin } = await createCast(database)
  const orgUser = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid'))
  const patch = (user: TestUser, id: string, active: boolean) =>
    app.inject({ method: 'PATCH', url: `/organizations/${id}`, headers: user.headers, payload: { active } })

  await t.test('its users are refused (401) on their next request, and it receives no shares (422)', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: orgUser.headers })).statusCode, 200)
    const off = await patch(admin, orgUser.organizationId, false)
    t.equal(off.statusCode, 200, off.body)
    t.equal(off.json().active, false)
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: orgUser.headers })).statusCode, 401)
    const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'medium' } })
    const caseId = created.json().id as string
    const consent = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/consents`,
      headers: ngo.headers,
      payload: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
    })
    t.equal(consent.statusCode, 201, consent.body)
    const share = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/participants`,
      headers: ngo.headers,
      payload: { organizationId: orgUser.organizationId, consentId: consent.json().id },
    })
    t.equal(share.statusCode, 422, share.body)
    t.equal(share.json().reason, 'organization_inactive')
    t.match(await eventsOf(database, share.headers['x-request-id'] as string), [
      { action: 'case.share', outcome: 'denied', reason: 'organization_inactive' },
    ])
    const newUser = await app.inject({
      method: 'POST',
      url: '/users',
      headers: admin.headers,
      payload: { subject: `s-${randomUUID()}`, displayName: 'N', role: 'attorney', organizationId: orgUser.organizationId },
    })
    t.equal(newUser.statusCode, 422)
    const on = await patch(admin, orgUser.organizationId, true)
    t.equal(on.statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: orgUser.headers })).statusCode, 200, 'back once reactivated')
  })

  await t.test('the platform organisation of the last active admin cannot be deactivated (409)', async (t) => {
    await database.db.updateTable('users').set({ active: false }).where('role', '=', 'system_admin').where('id', '<>', admin.id).execute()
    const refused = await patch(admin, admin.organizationId, false)
    t.equal(refused.statusCode, 409, refused.body)
    t.equal(refused.json().reason, 'last_active_admin')
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: admin.headers })).statusCode, 200)
  })
})

t.test('the last active system_admin always remains, even when two admins deactivate each other at once', async (t) => {
  const { app, database } = await build(t)
  await database.db.updateTable('users').set({ active: false }).where('role', '=', 'system_admin').execute()
  const platform = await createOrganization(database, 'platform')
  const first = await createUser(database, 'system_admin', platform)
  const second = await createUser(database, 'system_admin', platform)
  const deactivate = (by: TestUser, target: TestUser) =>
    app.inject({ method: 'PATCH', url: `/users/${target.id}`, headers: by.headers, payload: { active: false } })
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all([deactivate(first, second), deactivate(second, first)])
    const codes = answers.map((answer) => answer.statusCode).sort()
    const active = await database.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'system_admin')
      .where('active', '=', true)
      .execute()
    t.equal(active.length, 1, `round ${round}: one active admin remains (${codes.join(',')})`)
    t.ok(codes.includes(200) && codes.some((code) => code === 409 || code === 401), `round ${round}: one wins, the other is refused`)
    await database.db.updateTable('users').set({ active: true }).where('id', 'in', [first.id, second.id]).execute()
  }
})

t.test('BOOTSTRAP_ADMIN_SUBJECT reactivates an inactive subject and its organisation, on record', async (t) => {
  const { app, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const subject = `idp|boot-${randomUUID()}`
  t.equal(await ensureBootstrapAdmin(database.db, subject), 'created')
  const boot = await database.db.selectFrom('users').selectAll().where('subject', '=', subject).executeTakeFirstOrThrow()
  await database.db.updateTable('users').set({ active: false }).where('id', '=', boot.id).execute()
  t.equal(await ensureBootstrapAdmin(database.db, subject), 'reactivated')
  t.equal((await database.db.selectFrom('users').select('active').where('id', '=', boot.id).executeTakeFirstOrThrow()).active, true)
  t.equal(await ensureBootstrapAdmin(database.db, subject), 'exists')
  const { rows } = await sql<{
    changed_fields: string[]
  }>`SELECT changed_fields FROM audit_events WHERE action = 'user.bootstrap' AND target_user_id = ${boot.id} ORDER BY id`.execute(
    database.db,
  )
  t.same(
    rows.map((row) => row.changed_fields),
    [['user.active', 'user.displayName', 'user.organizationId', 'user.role', 'user.subject'], ['user.active']],
  )
  t.ok(admin)
  t.ok(app)
})

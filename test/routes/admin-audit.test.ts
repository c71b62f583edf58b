import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { ensureBootstrapAdmin } from '../../src/users/user.service.js'
import type { operations } from '../helpers/api-types.js'
import { answered, present } from '../helpers/api-client.js'
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

type UserPatch = operations['updateUser']['requestBody']['content']['application/json']

/** An answer of the typed client with the audit events its request wrote. */
async function withEvents<R extends { response: Response }>(database: TestDatabase, answer: Promise<R>) {
  const result = await answer
  return { ...result, events: await eventsOf(database, result.response.headers.get('x-request-id') ?? '') }
}

async function eventsOf(database: TestDatabase, requestId: string): Promise<EventRow[]> {
  const { rows } =
    await sql<EventRow>`SELECT action, outcome, reason, actor_id::text AS actor_id, case_ids::text[] AS case_ids, fields, changed_fields,
      target_user_id::text AS target_user_id, target_organization_id::text AS target_organization_id, event_count, to_jsonb(e)::text AS row
    FROM audit_events e WHERE request_id = ${requestId} ORDER BY id`.execute(database.db)
  return rows
}

t.test('administration is on record like case data', async (t) => {
  const { app, database, api } = await build(t)
  const { ngo, admin, migration } = await createCast(database)
  const recorded = <R extends { response: Response }>(answer: Promise<R>) => withEvents(database, answer)

  await t.test('creating an organisation and a user writes events naming fields, never values', async (t) => {
    const name = `Casa Refugio ${randomUUID()}`
    const org = await recorded(api(admin).POST('/organizations', { body: { name, kind: 'civil_society' } }))
    const orgId = answered(t, org, 201).id
    t.equal(org.events.length, 1)
    t.match(org.events[0], {
      action: 'organization.create',
      outcome: 'allowed',
      actor_id: admin.id,
      target_organization_id: orgId,
    })
    t.ok(org.events[0]!.changed_fields.includes('organization.name'))
    t.notOk(org.events[0]!.row.includes(name), 'no organisation name in the trail')

    const subject = `idp|auditor-${randomUUID()}`
    const user = await recorded(
      api(admin).POST('/users', {
        body: { subject, displayName: 'Lucía Pérez Auditora', role: 'ngo_caseworker', organizationId: orgId },
      }),
    )
    const userId = answered(t, user, 201).id
    t.match(user.events, [
      {
        action: 'user.create',
        outcome: 'allowed',
        target_user_id: userId,
        target_organization_id: orgId,
      },
    ])
    t.same(user.events[0]!.changed_fields, ['user.active', 'user.displayName', 'user.organizationId', 'user.role', 'user.subject'])
    t.notOk(user.events[0]!.row.includes(subject) || user.events[0]!.row.includes('Lucía'), 'no subject or name in the trail')

    const updateUser = (id: string, body: UserPatch) => recorded(api(admin).PATCH('/users/{id}', { params: { path: { id } }, body }))
    const role = await updateUser(userId, { displayName: 'Lucía Pérez Auditora', role: 'ngo_caseworker', active: false })
    t.equal(role.response.status, 200)
    t.match(role.events, [{ action: 'user.update', outcome: 'allowed', target_user_id: userId }])
    t.same(role.events[0]!.changed_fields, ['user.active'], 'only what changed')
    const reactivated = await updateUser(userId, { active: true })
    t.same(reactivated.events[0]!.changed_fields, ['user.active'])
  })

  await t.test('refused administration is on record with its reason', async (t) => {
    const orgId = await createOrganization(database, 'civil_society')
    const forbidden = await recorded(
      api(ngo).POST('/users', {
        body: { subject: `s-${randomUUID()}`, displayName: 'X', role: 'ngo_caseworker', organizationId: orgId },
      }),
    )
    t.equal(forbidden.response.status, 403)
    t.match(forbidden.events, [{ action: 'user.create', outcome: 'denied', reason: 'forbidden', actor_id: ngo.id }])
    const forbiddenOrg = await recorded(api(ngo).PATCH('/organizations/{id}', { params: { path: { id: orgId } }, body: { active: false } }))
    t.equal(forbiddenOrg.response.status, 403)
    t.match(forbiddenOrg.events, [{ action: 'organization.update', outcome: 'denied', reason: 'forbidden', target_organization_id: orgId }])
    const duplicate = await recorded(
      api(admin).POST('/users', {
        body: { subject: ngo.subject, displayName: 'Otra', role: 'ngo_caseworker', organizationId: orgId },
      }),
    )
    t.equal(duplicate.response.status, 409)
    t.match(duplicate.events, [{ action: 'user.create', outcome: 'denied', reason: 'subject_exists' }])
    const misfit = await recorded(
      api(admin).POST('/users', {
        body: { subject: `s-${randomUUID()}`, displayName: 'X', role: 'migration_officer', organizationId: orgId },
      }),
    )
    t.equal(misfit.response.status, 422)
    t.match(misfit.events, [{ action: 'user.create', outcome: 'denied', reason: 'role_does_not_fit_organization' }])
    const roleMisfit = await recorded(
      api(admin).PATCH('/users/{id}', { params: { path: { id: ngo.id } }, body: { role: 'migration_officer' } }),
    )
    t.equal(roleMisfit.response.status, 422)
    t.match(roleMisfit.events, [
      { action: 'user.update', outcome: 'denied', reason: 'role_does_not_fit_organization', target_user_id: ngo.id },
    ])
    const missing = await recorded(api(admin).PATCH('/users/{id}', { params: { path: { id: randomUUID() } }, body: { active: false } }))
    t.equal(missing.response.status, 404)
    t.match(missing.events, [{ action: 'user.update', outcome: 'denied', reason: 'user-not-found' }])
    const name = `Dup ${randomUUID()}`
    t.equal((await api(admin).POST('/organizations', { body: { name, kind: 'legal_aid' } })).response.status, 201)
    const dupOrg = await recorded(api(admin).POST('/organizations', { body: { name, kind: 'legal_aid' } }))
    t.equal(dupOrg.response.status, 409)
    t.match(dupOrg.events, [{ action: 'organization.create', outcome: 'denied', reason: 'name_exists' }])
  })

  await t.test(
    'business refusals on case data are recorded with their reason; a missing note is not an out-of-scope attempt',
    async (t) => {
      const created = await api(ngo).POST('/cases', { body: { riskLevel: 'medium' } })
      const caseId = present(answered(t, created, 201).id, 'the case id')
      const etag = created.response.headers.get('etag') ?? ''
      const noteId = answered(
        t,
        await api(ngo).POST('/cases/{id}/notes', { params: { path: { id: caseId } }, body: { body: 'visita' } }),
        201,
      ).id
      const notePath = { id: caseId, noteId }

      // The document requires If-Match: the request without it is sent raw.
      const noIfMatch = await app.inject({
        method: 'PATCH',
        url: `/cases/${caseId}/notes/${noteId}`,
        headers: ngo.headers,
        payload: { body: 'otra' },
      })
      t.equal(noIfMatch.statusCode, 428)
      t.match(await eventsOf(database, String(noIfMatch.headers['x-request-id'])), [
        { action: 'note.update', outcome: 'denied', reason: 'precondition-required', case_ids: [caseId] },
      ])
      const stale = await recorded(
        api(ngo).PATCH('/cases/{id}/notes/{noteId}', { params: { path: notePath, header: { 'if-match': '"7"' } }, body: { body: 'otra' } }),
      )
      t.equal(stale.response.status, 412)
      t.match(stale.events, [{ action: 'note.update', outcome: 'denied', reason: 'precondition-failed', case_ids: [caseId] }])
      const staleCase = await recorded(
        api(ngo).PATCH('/cases/{id}', { params: { path: { id: caseId }, header: { 'if-match': '"999"' } }, body: { riskLevel: 'high' } }),
      )
      t.equal(staleCase.response.status, 412)
      t.match(staleCase.events, [{ action: 'case.update', outcome: 'denied', reason: 'precondition-failed' }])
      // The document requires If-Match: the request without it is sent raw.
      const noIfMatchCase = await app.inject({
        method: 'PATCH',
        url: `/cases/${caseId}`,
        headers: ngo.headers,
        payload: { riskLevel: 'high' },
      })
      t.equal(noIfMatchCase.statusCode, 428)
      t.match(await eventsOf(database, String(noIfMatchCase.headers['x-request-id'])), [
        { action: 'case.update', outcome: 'denied', reason: 'precondition-required' },
      ])
      const guard = await recorded(
        api(ngo).POST('/cases/{id}/transitions', {
          params: { path: { id: caseId }, header: { 'if-match': etag } },
          body: { to: 'durable_solution', reason: 'salto' },
        }),
      )
      t.ok([409, 422].includes(guard.response.status), JSON.stringify(guard.error))
      t.match(guard.events, [{ action: 'case.transition', outcome: 'denied', case_ids: [caseId] }])
      t.match(guard.events[0]!.reason, /\S/)

      const missingNote = await recorded(
        api(ngo).GET('/cases/{id}/notes/{noteId}', { params: { path: { id: caseId, noteId: randomUUID() } } }),
      )
      t.equal(missingNote.response.status, 404)
      t.match(missingNote.events, [{ action: 'note.read', outcome: 'denied', reason: 'note-not-found', case_ids: [caseId] }])
      const outOfScope = await recorded(api(migration).GET('/cases/{id}', { params: { path: { id: caseId } } }))
      t.equal(outOfScope.response.status, 404)
      t.match(outOfScope.events, [{ outcome: 'denied', reason: 'out-of-scope' }])
    },
  )

  await t.test('a change event lists the fields it changed apart from those its answer disclosed', async (t) => {
    const created = await recorded(api(ngo).POST('/cases', { body: { riskLevel: 'medium', demographics: { sex: 'female' } } }))
    const caseId = present(answered(t, created, 201).id, 'the case id')
    t.same(created.events[0]!.changed_fields, ['case.riskLevel', 'demographics.sex'])
    const changed = await recorded(
      api(ngo).PATCH('/cases/{id}', {
        params: { path: { id: caseId }, header: { 'if-match': created.response.headers.get('etag') ?? '' } },
        body: { riskLevel: 'high' },
      }),
    )
    answered(t, changed, 200)
    const [event] = changed.events
    t.same(event!.changed_fields, ['case.riskLevel'], 'the one field it changed')
    t.ok(event!.fields.length > 5, 'the fields its answer disclosed')
    t.ok(event!.fields.includes('case.riskLevel'))
    const listed = await api(admin).GET('/users')
    t.equal(listed.response.status, 200)
    const auditor = await createUser(database, 'oversight_auditor')
    const trail = answered(t, await api(auditor).GET('/audit-events', { params: { query: { caseId, action: 'case.update' } } }), 200)
    t.match(trail.items[0], { changedFields: ['case.riskLevel'], count: 1, targetUserId: null })
  })
})

t.test('organisations can be deactivated', async (t) => {
  const { database, api } = await build(t)
  const { ngo, admin } = await createCast(database)
  const orgUser = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid'))
  const patch = (user: TestUser, id: string, active: boolean) =>
    api(user).PATCH('/organizations/{id}', { params: { path: { id } }, body: { active } })
  const me = async (user: TestUser) => (await api(user).GET('/me')).response.status

  await t.test('its users are refused (401) on their next request, and it receives no shares (422)', async (t) => {
    t.equal(await me(orgUser), 200)
    const off = await patch(admin, orgUser.organizationId, false)
    t.equal(answered(t, off, 200).active, false)
    t.equal(await me(orgUser), 401)
    const caseId = present(answered(t, await api(ngo).POST('/cases', { body: { riskLevel: 'medium' } }), 201).id, 'the case id')
    const consent = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
    })
    const consentId = answered(t, consent, 201).id
    const share = await api(ngo).POST('/cases/{id}/participants', {
      params: { path: { id: caseId } },
      body: { organizationId: orgUser.organizationId, consentId },
    })
    t.equal(share.response.status, 422, JSON.stringify(share.error))
    t.equal(share.error?.reason, 'organization_inactive')
    t.match(await eventsOf(database, share.response.headers.get('x-request-id') ?? ''), [
      { action: 'case.share', outcome: 'denied', reason: 'organization_inactive' },
    ])
    const newUser = await api(admin).POST('/users', {
      body: { subject: `s-${randomUUID()}`, displayName: 'N', role: 'attorney', organizationId: orgUser.organizationId },
    })
    t.equal(newUser.response.status, 422)
    const on = await patch(admin, orgUser.organizationId, true)
    t.equal(on.response.status, 200)
    t.equal(await me(orgUser), 200, 'back once reactivated')
  })

  await t.test('the platform organisation of the last active admin cannot be deactivated (409)', async (t) => {
    await database.db.updateTable('users').set({ active: false }).where('role', '=', 'system_admin').where('id', '<>', admin.id).execute()
    const refused = await patch(admin, admin.organizationId, false)
    t.equal(refused.response.status, 409, JSON.stringify(refused.error))
    t.equal(refused.error?.reason, 'last_active_admin')
    t.equal(await me(admin), 200)
  })
})

t.test('the last active system_admin always remains, even when two admins deactivate each other at once', async (t) => {
  const { database, api } = await build(t)
  await database.db.updateTable('users').set({ active: false }).where('role', '=', 'system_admin').execute()
  const platform = await createOrganization(database, 'platform')
  const first = await createUser(database, 'system_admin', platform)
  const second = await createUser(database, 'system_admin', platform)
  const deactivate = (by: TestUser, target: TestUser) =>
    api(by).PATCH('/users/{id}', { params: { path: { id: target.id } }, body: { active: false } })
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all([deactivate(first, second), deactivate(second, first)])
    const codes = answers.map((answer) => answer.response.status).sort()
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

import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { ROLE_ORGANIZATION_KINDS, ROLES } from '../../src/auth/principal.js'
import { ensureBootstrapAdmin } from '../../src/users/user.service.js'
import { build, createOrganization, createUser } from '../helpers/build.js'
import { bearer, signToken } from '../helpers/tokens.js'

t.test('users are managed by the system administrator', async (t) => {
  const { app, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const ngo = await createOrganization(database, 'civil_society', 'Albergue de prueba')
  const procuraduria = await createOrganization(database, 'child_protection_authority', 'Procuraduría de prueba')
  const legalAid = await createOrganization(database, 'legal_aid', 'Clínica de prueba')
  const post = (payload: unknown, headers = admin.headers) =>
    app.inject({ method: 'POST', url: '/users', headers, payload: payload as object })
  const patch = (id: string, payload: unknown, headers = admin.headers) =>
    app.inject({ method: 'PATCH', url: `/users/${id}`, headers, payload: payload as object })

  let caseworkerId = ''

  await t.test('the admin creates a user, who can use the API at once', async (t) => {
    const response = await post({ subject: 'idp|caseworker-1', displayName: '  Mariana  ', role: 'ngo_caseworker', organizationId: ngo })
    t.equal(response.statusCode, 201, response.body)
    const body = response.json()
    t.match(body, { subject: 'idp|caseworker-1', displayName: 'Mariana', role: 'ngo_caseworker', organizationId: ngo, active: true })
    t.same(Object.keys(body).sort(), ['active', 'createdAt', 'displayName', 'id', 'organizationId', 'role', 'subject', 'updatedAt'])
    caseworkerId = body.id
    const me = await app.inject({ method: 'GET', url: '/me', headers: bearer(signToken('idp|caseworker-1')) })
    t.equal(me.statusCode, 200, me.body)
    t.equal(me.json().organization.id, ngo)
  })

  await t.test('an attorney fits a child-protection authority and a legal-aid organisation', async (t) => {
    t.equal((await post({ subject: 'attorney-cpa', displayName: 'A', role: 'attorney', organizationId: procuraduria })).statusCode, 201)
    t.equal((await post({ subject: 'attorney-legal', displayName: 'B', role: 'attorney', organizationId: legalAid })).statusCode, 201)
  })

  await t.test('a role that does not fit the organisation kind is a 422 problem', async (t) => {
    for (const role of ROLES) {
      const response = await post({
        subject: `misfit-${role}`,
        displayName: 'Misfit',
        role,
        organizationId: role === 'ngo_caseworker' ? legalAid : ngo,
      })
      t.equal(response.statusCode, 422, `${role}: ${response.body}`)
      t.equal(response.json().type, 'urn:atd:problem:unprocessable-entity')
      t.same(response.json().allowedKinds, ROLE_ORGANIZATION_KINDS[role])
    }
    const unknownOrganization = await post({
      subject: 'orphan',
      displayName: 'Orphan',
      role: 'ngo_caseworker',
      organizationId: '01900000-0000-7000-8000-000000000000',
    })
    t.equal(unknownOrganization.statusCode, 422)
    const count = await database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subject', 'like', 'misfit-%')
      .executeTakeFirstOrThrow()
    t.equal(Number(count.n), 0, 'nothing was created')
  })

  await t.test('a second user with the same subject is a 409 problem', async (t) => {
    const again = await post({ subject: 'idp|caseworker-1', displayName: 'Other', role: 'ngo_caseworker', organizationId: ngo })
    t.equal(again.statusCode, 409)
    t.equal(again.json().type, 'urn:atd:problem:conflict')
  })

  await t.test('invalid bodies are 400 problems listing the paths, never the values', async (t) => {
    const unknown = await post({
      subject: 's-extra',
      displayName: 'X',
      role: 'ngo_caseworker',
      organizationId: ngo,
      active: false,
      permissions: ['all-cases'],
    })
    t.equal(unknown.statusCode, 400, unknown.body)
    t.equal(unknown.json().type, 'urn:atd:problem:validation-error')
    t.match(unknown.body, /permissions/)
    t.notMatch(unknown.body, /all-cases/)
    const bad = await post({ subject: '', displayName: 'x'.repeat(201), role: 'superuser', organizationId: 'not-a-uuid' })
    t.equal(bad.statusCode, 400)
    const paths = bad
      .json()
      .errors.map((error: { path: string }) => error.path)
      .sort()
    t.same(paths, ['/displayName', '/organizationId', '/role', '/subject'])
    t.notMatch(bad.body, /superuser|not-a-uuid/)
  })

  await t.test('PATCH changes active, displayName and role', async (t) => {
    const renamed = await patch(caseworkerId, { displayName: 'Mariana Gálvez' })
    t.equal(renamed.statusCode, 200, renamed.body)
    t.equal(renamed.json().displayName, 'Mariana Gálvez')
    t.ok(Date.parse(renamed.json().updatedAt) >= Date.parse(renamed.json().createdAt))
    const deactivated = await patch(caseworkerId, { active: false })
    t.equal(deactivated.json().active, false)
    t.equal(deactivated.json().displayName, 'Mariana Gálvez', 'fields not given stay')
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: bearer(signToken('idp|caseworker-1')) })).statusCode, 401)
    t.equal((await patch(caseworkerId, { active: true })).json().active, true)
    const officer = await createUser(database, 'protection_officer', procuraduria)
    const promoted = await patch(officer.id, { role: 'attorney' })
    t.equal(promoted.statusCode, 200, promoted.body)
    t.equal(promoted.json().role, 'attorney')
  })

  await t.test('PATCH refusals: misfit role 422, empty or unknown fields 400, unknown user 404', async (t) => {
    const misfit = await patch(caseworkerId, { role: 'migration_officer' })
    t.equal(misfit.statusCode, 422, misfit.body)
    const stored = await database.db.selectFrom('users').select('role').where('id', '=', caseworkerId).executeTakeFirstOrThrow()
    t.equal(stored.role, 'ngo_caseworker', 'the role did not change')
    t.equal((await patch(caseworkerId, {})).statusCode, 400, 'empty patch')
    const unknown = await patch(caseworkerId, { organizationId: legalAid })
    t.equal(unknown.statusCode, 400, 'the organisation cannot be changed')
    t.match(unknown.body, /organizationId/)
    t.equal((await patch(caseworkerId, { subject: 'someone-else' })).statusCode, 400, 'the subject cannot be changed')
    t.equal((await patch(caseworkerId, { active: 'no' })).statusCode, 400)
    const missing = await patch('01900000-0000-7000-8000-000000000000', { active: false })
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().type, 'urn:atd:problem:not-found')
    t.equal((await patch('not-a-uuid', { active: false })).statusCode, 400)
  })

  await t.test('the list is paginated by cursor', async (t) => {
    const all = (await app.inject({ method: 'GET', url: '/users?limit=100', headers: admin.headers })).json().items
    t.ok(all.length >= 5)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: LightMyRequestResponse = await app.inject({
        method: 'GET',
        url: `/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        headers: admin.headers,
      })
      t.equal(page.statusCode, 200, page.body)
      seen.push(...page.json().items.map((item: { id: string }) => item.id))
      cursor = page.json().nextCursor
    } while (cursor)
    t.same(
      seen,
      all.map((item: { id: string }) => item.id),
    )
  })

  await t.test('the admin reads one user with its full record', async (t) => {
    const one = await app.inject({ method: 'GET', url: `/users/${admin.id}`, headers: admin.headers })
    t.equal(one.statusCode, 200, one.body)
    t.match(one.json(), { id: admin.id, subject: admin.subject, role: 'system_admin', active: true, createdAt: String })
  })

  await t.test('every other role gets a 403 problem, and nothing changes', async (t) => {
    for (const role of ROLES.filter((role) => role !== 'system_admin')) {
      const user = await createUser(database, role)
      t.equal(
        (await post({ subject: `by-${role}`, displayName: 'X', role: 'system_admin', organizationId: user.organizationId }, user.headers))
          .statusCode,
        403,
        `${role} POST`,
      )
      const listed = await app.inject({ method: 'GET', url: '/users', headers: user.headers })
      if (role === 'oversight_auditor') {
        t.equal(listed.statusCode, 200, `${role} GET`)
        for (const item of listed.json().items as Record<string, unknown>[])
          t.same(Object.keys(item).sort(), ['active', 'displayName', 'id', 'organizationId', 'role'])
        const one = await app.inject({ method: 'GET', url: `/users/${admin.id}`, headers: user.headers })
        t.equal(one.statusCode, 200, one.body)
        t.same(one.json(), {
          id: admin.id,
          displayName: one.json().displayName,
          role: 'system_admin',
          organizationId: admin.organizationId,
          active: true,
        })
        t.equal(
          (await app.inject({ method: 'GET', url: '/users/0190a0b0-0000-7000-8000-000000000000', headers: user.headers })).statusCode,
          404,
        )
      } else {
        t.equal(listed.statusCode, 403, `${role} GET`)
        t.equal((await app.inject({ method: 'GET', url: `/users/${user.id}`, headers: user.headers })).statusCode, 403, `${role} GET one`)
      }
      const selfPromotion = await patch(user.id, { role: 'system_admin' }, user.headers)
      t.equal(selfPromotion.statusCode, 403, `${role} PATCH`)
      t.equal(selfPromotion.json().type, 'urn:atd:problem:forbidden')
      const stored = await database.db.selectFrom('users').select('role').where('id', '=', user.id).executeTakeFirstOrThrow()
      t.equal(stored.role, role)
    }
  })

  await t.test('the admin sees and touches no case content', async (t) => {
    const caseworker = await createUser(database, 'ngo_caseworker')
    const created = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: caseworker.headers,
      payload: {
        riskLevel: 'high',
        demographics: { sex: 'female', nationality: 'GT', separationStatus: 'unaccompanied' },
        identity: { givenName: 'Ana' },
      },
    })
    t.equal(created.statusCode, 201, created.body)
    const caseId = created.json().id
    const read = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: admin.headers })
    t.equal(read.statusCode, 404, 'a case does not exist for the admin')
    t.notMatch(read.body, /Ana/)
    const listed = await app.inject({ method: 'GET', url: '/cases', headers: admin.headers })
    t.ok(listed.statusCode === 403 || (listed.statusCode === 200 && listed.json().items.length === 0), `list: ${listed.statusCode}`)
    const write = await app.inject({ method: 'POST', url: '/cases', headers: admin.headers, payload: { riskLevel: 'low' } })
    t.ok(write.statusCode === 403, `create: ${write.statusCode}`)
  })
})

t.test('the last active system administrator cannot be deactivated', async (t) => {
  const { app, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const self = await app.inject({ method: 'PATCH', url: `/users/${admin.id}`, headers: admin.headers, payload: { active: false } })
  t.equal(self.statusCode, 409, self.body)
  t.equal(self.json().type, 'urn:atd:problem:conflict')
  t.equal((await app.inject({ method: 'GET', url: '/me', headers: admin.headers })).statusCode, 200, 'still active')
  const second = await createUser(database, 'system_admin', admin.organizationId)
  const handOver = await app.inject({ method: 'PATCH', url: `/users/${admin.id}`, headers: second.headers, payload: { active: false } })
  t.equal(handOver.statusCode, 200, 'with another active admin it is allowed')
  const last = await app.inject({ method: 'PATCH', url: `/users/${second.id}`, headers: second.headers, payload: { active: false } })
  t.equal(last.statusCode, 409, 'and the remaining one is the last again')
})

t.test('BOOTSTRAP_ADMIN_SUBJECT ensures a system_admin in a platform organisation', async (t) => {
  const { app, database } = await build(t)

  await t.test('on a database without a platform organisation, both are made', async (t) => {
    await ensureBootstrapAdmin(database.db, 'idp|first-admin')
    const row = await database.db
      .selectFrom('users')
      .innerJoin('organizations', 'organizations.id', 'users.organization_id')
      .select(['users.role', 'users.active', 'organizations.kind'])
      .where('users.subject', '=', 'idp|first-admin')
      .executeTakeFirstOrThrow()
    t.same(row, { role: 'system_admin', active: true, kind: 'platform' })
    const users = await app.inject({ method: 'GET', url: '/users', headers: bearer(signToken('idp|first-admin')) })
    t.equal(users.statusCode, 200, users.body)
  })

  await t.test('running it again (every start) adds nothing', async (t) => {
    const count = async () => ({
      users: (await database.db.selectFrom('users').select('id').execute()).length,
      platforms: (await database.db.selectFrom('organizations').select('id').where('kind', '=', 'platform').execute()).length,
    })
    const before = await count()
    await ensureBootstrapAdmin(database.db, 'idp|first-admin')
    t.same(await count(), before)
    await ensureBootstrapAdmin(database.db, 'idp|second-admin')
    const after = await count()
    t.equal(after.users, before.users + 1)
    t.equal(after.platforms, before.platforms, 'the existing platform organisation is reused')
  })

  await t.test('a bootstrap admin deactivated by another admin is reactivated at the next start', async (t) => {
    const admin = await createUser(database, 'system_admin')
    const bootstrap = await database.db.selectFrom('users').select('id').where('subject', '=', 'idp|first-admin').executeTakeFirstOrThrow()
    t.equal(
      (await app.inject({ method: 'PATCH', url: `/users/${bootstrap.id}`, headers: admin.headers, payload: { active: false } })).statusCode,
      200,
    )
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: bearer(signToken('idp|first-admin')) })).statusCode, 401)
    t.equal(await ensureBootstrapAdmin(database.db, 'idp|first-admin'), 'reactivated')
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: bearer(signToken('idp|first-admin')) })).statusCode, 200)
  })
})

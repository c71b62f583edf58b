import t from 'tap'
import { ROLE_ORGANIZATION_KINDS, ROLES, type Role } from '../../src/auth/principal.js'
import { ensureBootstrapAdmin } from '../../src/users/user.service.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { bearer, signToken } from '../helpers/tokens.js'

/** A caller by token subject alone (a user made through the API, not by createUser). */
const asSubject = (name: string) => ({ headers: bearer(signToken(name)) })

t.test('users are managed by the system administrator', async (t) => {
  const { app, api, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const ngo = await createOrganization(database, 'civil_society', 'Albergue de prueba')
  const procuraduria = await createOrganization(database, 'child_protection_authority', 'Procuraduría de prueba')
  const legalAid = await createOrganization(database, 'legal_aid', 'Clínica de prueba')
  type NewUser = { subject: string; displayName: string; role: Role; organizationId: string }
  type UserChange = { active?: boolean; displayName?: string; role?: Role }
  const post = (body: NewUser, as: TestUser = admin) => api(as).POST('/users', { body })
  const patch = (id: string, body: UserChange, as: TestUser = admin) => api(as).PATCH('/users/{id}', { params: { path: { id } }, body })
  const getOne = (id: string, as: TestUser = admin) => api(as).GET('/users/{id}', { params: { path: { id } } })
  // Bodies the document forbids (unknown fields, a bad role, a wrong type): the typed client would not compile them.
  const postRaw = (payload: object) => app.inject({ method: 'POST', url: '/users', headers: admin.headers, payload })
  const patchRaw = (id: string, payload: object) => app.inject({ method: 'PATCH', url: `/users/${id}`, headers: admin.headers, payload })

  let caseworkerId = ''

  await t.test('the admin creates a user, who can use the API at once', async (t) => {
    const {
      data: body,
      error,
      response,
    } = await post({
      subject: 'idp|caseworker-1',
      displayName: '  Mariana  ',
      role: 'ngo_caseworker',
      organizationId: ngo,
    })
    t.equal(response.status, 201, JSON.stringify(error))
    t.match(body, { subject: 'idp|caseworker-1', displayName: 'Mariana', role: 'ngo_caseworker', organizationId: ngo, active: true })
    t.same(Object.keys(body ?? {}).sort(), ['active', 'createdAt', 'displayName', 'id', 'organizationId', 'role', 'subject', 'updatedAt'])
    caseworkerId = body?.id ?? ''
    const me = await api(asSubject('idp|caseworker-1')).GET('/me')
    t.equal(me.response.status, 200, JSON.stringify(me.error))
    t.equal(me.data?.organization.id, ngo)
  })

  await t.test('an attorney fits a child-protection authority and a legal-aid organisation', async (t) => {
    t.equal(
      (await post({ subject: 'attorney-cpa', displayName: 'A', role: 'attorney', organizationId: procuraduria })).response.status,
      201,
    )
    t.equal((await post({ subject: 'attorney-legal', displayName: 'B', role: 'attorney', organizationId: legalAid })).response.status, 201)
  })

  await t.test('a role that does not fit the organisation kind is a 422 problem', async (t) => {
    for (const role of ROLES) {
      const { error, response } = await post({
        subject: `misfit-${role}`,
        displayName: 'Misfit',
        role,
        organizationId: role === 'ngo_caseworker' ? legalAid : ngo,
      })
      t.equal(response.status, 422, `${role}: ${JSON.stringify(error)}`)
      t.equal(error?.type, 'urn:atd:problem:unprocessable-entity')
      t.same(error?.allowedKinds, ROLE_ORGANIZATION_KINDS[role])
    }
    const unknownOrganization = await post({
      subject: 'orphan',
      displayName: 'Orphan',
      role: 'ngo_caseworker',
      organizationId: '01900000-0000-7000-8000-000000000000',
    })
    t.equal(unknownOrganization.response.status, 422)
    const count = await database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subject', 'like', 'misfit-%')
      .executeTakeFirstOrThrow()
    t.equal(Number(count.n), 0, 'nothing was created')
  })

  await t.test('a second user with the same subject is a 409 problem', async (t) => {
    const again = await post({ subject: 'idp|caseworker-1', displayName: 'Other', role: 'ngo_caseworker', organizationId: ngo })
    t.equal(again.response.status, 409)
    t.equal(again.error?.type, 'urn:atd:problem:conflict')
  })

  await t.test('invalid bodies are 400 problems listing the paths, never the values', async (t) => {
    const unknown = await postRaw({
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
    const bad = await postRaw({ subject: '', displayName: 'x'.repeat(201), role: 'superuser', organizationId: 'not-a-uuid' })
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
    t.equal(renamed.response.status, 200, JSON.stringify(renamed.error))
    t.equal(renamed.data?.displayName, 'Mariana Gálvez')
    t.ok(Date.parse(renamed.data?.updatedAt ?? '') >= Date.parse(renamed.data?.createdAt ?? ''))
    const deactivated = await patch(caseworkerId, { active: false })
    t.equal(deactivated.data?.active, false)
    t.equal(deactivated.data?.displayName, 'Mariana Gálvez', 'fields not given stay')
    t.equal((await api(asSubject('idp|caseworker-1')).GET('/me')).response.status, 401)
    t.equal((await patch(caseworkerId, { active: true })).data?.active, true)
    const officer = await createUser(database, 'protection_officer', procuraduria)
    const promoted = await patch(officer.id, { role: 'attorney' })
    t.equal(promoted.response.status, 200, JSON.stringify(promoted.error))
    t.equal(promoted.data?.role, 'attorney')
  })

  await t.test('PATCH refusals: misfit role 422, empty or unknown fields 400, unknown user 404', async (t) => {
    const misfit = await patch(caseworkerId, { role: 'migration_officer' })
    t.equal(misfit.response.status, 422, JSON.stringify(misfit.error))
    const stored = await database.db.selectFrom('users').select('role').where('id', '=', caseworkerId).executeTakeFirstOrThrow()
    t.equal(stored.role, 'ngo_caseworker', 'the role did not change')
    t.equal((await patch(caseworkerId, {})).response.status, 400, 'empty patch')
    const unknown = await patchRaw(caseworkerId, { organizationId: legalAid })
    t.equal(unknown.statusCode, 400, 'the organisation cannot be changed')
    t.match(unknown.body, /organizationId/)
    t.equal((await patchRaw(caseworkerId, { subject: 'someone-else' })).statusCode, 400, 'the subject cannot be changed')
    t.equal((await patchRaw(caseworkerId, { active: 'no' })).statusCode, 400)
    const missing = await patch('01900000-0000-7000-8000-000000000000', { active: false })
    t.equal(missing.response.status, 404)
    t.equal(missing.error?.type, 'urn:atd:problem:not-found')
    t.equal((await patch('not-a-uuid', { active: false })).response.status, 400)
  })

  await t.test('the list is paginated by cursor', async (t) => {
    const all = (await api(admin).GET('/users', { params: { query: { limit: 100 } } })).data?.items ?? []
    t.ok(all.length >= 5)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const query: { limit: number; cursor?: string } = cursor ? { limit: 2, cursor } : { limit: 2 }
      const page = await api(admin).GET('/users', { params: { query } })
      t.equal(page.response.status, 200, JSON.stringify(page.error))
      seen.push(...(page.data?.items ?? []).map((item) => item.id))
      cursor = page.data?.nextCursor ?? null
    } while (cursor)
    t.same(
      seen,
      all.map((item) => item.id),
    )
  })

  await t.test('the admin reads one user with its full record', async (t) => {
    const one = await getOne(admin.id)
    t.equal(one.response.status, 200, JSON.stringify(one.error))
    t.match(one.data, { id: admin.id, subject: admin.subject, role: 'system_admin', active: true, createdAt: String })
  })

  await t.test('every other role gets a 403 problem, and nothing changes', async (t) => {
    for (const role of ROLES.filter((role) => role !== 'system_admin')) {
      const user = await createUser(database, role)
      t.equal(
        (await post({ subject: `by-${role}`, displayName: 'X', role: 'system_admin', organizationId: user.organizationId }, user)).response
          .status,
        403,
        `${role} POST`,
      )
      const listed = await api(user).GET('/users')
      if (role === 'oversight_auditor') {
        t.equal(listed.response.status, 200, `${role} GET`)
        for (const item of listed.data?.items ?? [])
          t.same(Object.keys(item).sort(), ['active', 'displayName', 'id', 'organizationId', 'role'])
        const one = await getOne(admin.id, user)
        t.equal(one.response.status, 200, JSON.stringify(one.error))
        t.same(one.data, {
          id: admin.id,
          displayName: one.data?.displayName,
          role: 'system_admin',
          organizationId: admin.organizationId,
          active: true,
        })
        t.equal((await getOne('0190a0b0-0000-7000-8000-000000000000', user)).response.status, 404)
      } else {
        t.equal(listed.response.status, 403, `${role} GET`)
        t.equal((await getOne(user.id, user)).response.status, 403, `${role} GET one`)
      }
      const selfPromotion = await patch(user.id, { role: 'system_admin' }, user)
      t.equal(selfPromotion.response.status, 403, `${role} PATCH`)
      t.equal(selfPromotion.error?.type, 'urn:atd:problem:forbidden')
      const stored = await database.db.selectFrom('users').select('role').where('id', '=', user.id).executeTakeFirstOrThrow()
      t.equal(stored.role, role)
    }
  })

  await t.test('the admin sees and touches no case content', async (t) => {
    const caseworker = await createUser(database, 'ngo_caseworker')
    const created = await api(caseworker).POST('/cases', {
      body: {
        riskLevel: 'high',
        demographics: { sex: 'female', nationality: 'GT', separationStatus: 'unaccompanied' },
        identity: { givenName: 'Ana' },
      },
    })
    t.equal(created.response.status, 201, JSON.stringify(created.error))
    const caseId = created.data?.id ?? ''
    const read = await api(admin).GET('/cases/{id}', { params: { path: { id: caseId } } })
    t.equal(read.response.status, 404, 'a case does not exist for the admin')
    t.notMatch(JSON.stringify(read.error), /Ana/)
    const listed = await api(admin).GET('/cases')
    t.ok(
      listed.response.status === 403 || (listed.response.status === 200 && listed.data?.items.length === 0),
      `list: ${listed.response.status}`,
    )
    const write = await api(admin).POST('/cases', { body: { riskLevel: 'low' } })
    t.ok(write.response.status === 403, `create: ${write.response.status}`)
  })
})

t.test('the last active system administrator cannot be deactivated', async (t) => {
  const { api, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const deactivate = (id: string, as: TestUser) => api(as).PATCH('/users/{id}', { params: { path: { id } }, body: { active: false } })
  const self = await deactivate(admin.id, admin)
  t.equal(self.response.status, 409, JSON.stringify(self.error))
  t.equal(self.error?.type, 'urn:atd:problem:conflict')
  t.equal((await api(admin).GET('/me')).response.status, 200, 'still active')
  const second = await createUser(database, 'system_admin', admin.organizationId)
  const handOver = await deactivate(admin.id, second)
  t.equal(handOver.response.status, 200, 'with another active admin it is allowed')
  const last = await deactivate(second.id, second)
  t.equal(last.response.status, 409, 'and the remaining one is the last again')
})

t.test('BOOTSTRAP_ADMIN_SUBJECT ensures a system_admin in a platform organisation', async (t) => {
  const { api, database } = await build(t)

  await t.test('on a database without a platform organisation, both are made', async (t) => {
    await ensureBootstrapAdmin(database.db, 'idp|first-admin')
    const row = await database.db
      .selectFrom('users')
      .innerJoin('organizations', 'organizations.id', 'users.organization_id')
      .select(['users.role', 'users.active', 'organizations.kind'])
      .where('users.subject', '=', 'idp|first-admin')
      .executeTakeFirstOrThrow()
    t.same(row, { role: 'system_admin', active: true, kind: 'platform' })
    const users = await api(asSubject('idp|first-admin')).GET('/users')
    t.equal(users.response.status, 200, JSON.stringify(users.error))
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
      (await api(admin).PATCH('/users/{id}', { params: { path: { id: bootstrap.id } }, body: { active: false } })).response.status,
      200,
    )
    t.equal((await api(asSubject('idp|first-admin')).GET('/me')).response.status, 401)
    t.equal(await ensureBootstrapAdmin(database.db, 'idp|first-admin'), 'reactivated')
    t.equal((await api(asSubject('idp|first-admin')).GET('/me')).response.status, 200)
  })
})

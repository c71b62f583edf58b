import t from 'tap'
import { ROLES } from '../../src/auth/principal.js'
import { build, createOrganization, createUser } from '../helpers/build.js'

t.test('GET /me', async (t) => {
  const { api, database } = await build(t)

  await t.test('every role reads its own user, role and organisation (from the users table)', async (t) => {
    for (const role of ROLES) {
      const user = await createUser(database, role)
      const { data, error, response } = await api(user).GET('/me')
      t.equal(response.status, 200, `${role}: ${JSON.stringify(error)}`)
      const organization = await database.db
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', user.organizationId)
        .executeTakeFirstOrThrow()
      t.same(data, {
        id: user.id,
        subject: user.subject,
        displayName: `Test ${role}`,
        role,
        organization: { id: organization.id, name: organization.name, kind: organization.kind },
      })
    }
  })

  await t.test('an attorney of a child-protection authority sees that kind', async (t) => {
    const procuraduria = await createOrganization(database, 'child_protection_authority', 'Procuraduría de prueba')
    const attorney = await createUser(database, 'attorney', procuraduria)
    const { data } = await api(attorney).GET('/me')
    t.same(data?.organization, { id: procuraduria, name: 'Procuraduría de prueba', kind: 'child_protection_authority' })
  })

  await t.test('a change by the administrator shows on the next request, with the same token', async (t) => {
    const admin = await createUser(database, 'system_admin')
    const user = await createUser(database, 'protection_officer')
    const patch = await api(admin).PATCH('/users/{id}', {
      params: { path: { id: user.id } },
      body: { role: 'attorney', displayName: 'Lic. Renamed' },
    })
    t.equal(patch.response.status, 200, JSON.stringify(patch.error))
    const me = await api(user).GET('/me')
    t.equal(me.data?.role, 'attorney')
    t.equal(me.data?.displayName, 'Lic. Renamed')
  })

  await t.test('without a token it is a 401 problem', async (t) => {
    const { error, response } = await api().GET('/me')
    t.equal(response.status, 401)
    t.equal(error?.type, 'urn:atd:problem:unauthorized')
  })
})

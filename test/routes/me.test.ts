import t from 'tap'
import { ROLES } from '../../src/auth/principal.js'
import { build, createOrganization, createUser } from '../helpers/build.js'

t.test('GET /me', async (t) => {
  const { app, database } = await build(t)

  await t.test('every role reads its own user, role and organisation (from the users table)', async (t) => {
    for (const role of ROLES) {
      const user = await createUser(database, role)
      const response = await app.inject({ method: 'GET', url: '/me', headers: user.headers })
      t.equal(response.statusCode, 200, `${role}: ${response.body}`)
      const organization = await database.db
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', user.organizationId)
        .executeTakeFirstOrThrow()
      t.same(response.json(), {
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
    const response = await app.inject({ method: 'GET', url: '/me', headers: attorney.headers })
    t.same(response.json().organization, { id: procuraduria, name: 'Procuraduría de prueba', kind: 'child_protection_authority' })
  })

  await t.test('a change by the administrator shows on the next request, with the same token', async (t) => {
    const admin = await createUser(database, 'system_admin')
    const user = await createUser(database, 'protection_officer')
    const patch = await app.inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: admin.headers,
      payload: { role: 'attorney', displayName: 'Lic. Renamed' },
    })
    t.equal(patch.statusCode, 200, patch.body)
    const me = await app.inject({ method: 'GET', url: '/me', headers: user.headers })
    t.equal(me.json().role, 'attorney')
    t.equal(me.json().displayName, 'Lic. Renamed')
  })

  await t.test('without a token it is a 401 problem', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/me' })
    t.equal(response.statusCode, 401)
    t.equal(response.json().type, 'urn:atd:problem:unauthorized')
  })
})

import t from 'tap'
import { ORGANIZATION_KINDS, ROLES } from '../../src/auth/principal.js'
import { build, createUser } from '../helpers/build.js'

t.test('organisations are managed by the system administrator', async (t) => {
  const { app, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const post = (payload: unknown, headers = admin.headers) =>
    app.inject({ method: 'POST', url: '/organizations', headers, payload: payload as object })
  const list = (query = '', headers = admin.headers) => app.inject({ method: 'GET', url: `/organizations${query}`, headers })

  await t.test('the admin creates an organisation of every kind', async (t) => {
    for (const kind of ORGANIZATION_KINDS) {
      const response = await post({ name: `  Organización ${kind}  `, kind })
      t.equal(response.statusCode, 201, response.body)
      const body = response.json()
      t.match(body, { name: `Organización ${kind}`, kind })
      t.match(body.id, /^[0-9a-f-]{36}$/)
      t.ok(!Number.isNaN(Date.parse(body.createdAt)))
      t.same(Object.keys(body).sort(), ['active', 'createdAt', 'id', 'kind', 'name'])
      t.equal(body.active, true)
    }
  })

  await t.test('a second organisation with the same name is a 409 problem', async (t) => {
    t.equal((await post({ name: 'Casa Única', kind: 'civil_society' })).statusCode, 201)
    const again = await post({ name: 'Casa Única', kind: 'legal_aid' })
    t.equal(again.statusCode, 409)
    t.equal(again.json().type, 'urn:atd:problem:conflict')
  })

  await t.test('invalid bodies are 400 problems listing the paths, never the values', async (t) => {
    const unknown = await post({ name: 'Con extras', kind: 'civil_society', secretField: 'valor-secreto', active: true })
    t.equal(unknown.statusCode, 400, unknown.body)
    t.equal(unknown.json().type, 'urn:atd:problem:validation-error')
    t.match(unknown.body, /secretField/)
    t.match(unknown.body, /active/)
    t.notMatch(unknown.body, /valor-secreto/)
    const badKind = await post({ name: 'Kind', kind: 'bank' })
    t.equal(badKind.statusCode, 400)
    t.match(badKind.json().errors, [{ path: '/kind' }])
    t.equal((await post({ name: '   ', kind: 'civil_society' })).statusCode, 400, 'blank name')
    t.equal((await post({ name: 'x'.repeat(201), kind: 'civil_society' })).statusCode, 400, 'name too long')
    t.equal((await post({ kind: 'civil_society' })).statusCode, 400, 'name missing')
    t.equal((await post([{ name: 'array', kind: 'civil_society' }])).statusCode, 400, 'not an object')
  })

  await t.test('the list is paginated by cursor', async (t) => {
    const all = await list('?limit=100')
    t.equal(all.statusCode, 200, all.body)
    const total = all.json().items.length
    t.ok(total >= ORGANIZATION_KINDS.length + 2)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await list(`?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      t.equal(page.statusCode, 200, page.body)
      t.ok(page.json().items.length <= 3)
      seen.push(...page.json().items.map((item: { id: string }) => item.id))
      cursor = page.json().nextCursor
    } while (cursor)
    t.equal(seen.length, total)
    t.equal(new Set(seen).size, total, 'no organisation twice')
    t.equal((await list('?limit=0')).statusCode, 400)
    t.equal((await list('?limit=101')).statusCode, 400)
    t.equal((await list('?unknown=1')).statusCode, 400)
  })

  await t.test(
    'every other role gets a 403 problem on create, and nothing is created; it reads the directory (id, name, kind)',
    async (t) => {
      const before = (await list('?limit=100')).json().items.length
      for (const role of ROLES.filter((role) => role !== 'system_admin')) {
        const user = await createUser(database, role)
        const created = await post({ name: `By ${role}`, kind: 'civil_society' }, user.headers)
        t.equal(created.statusCode, 403, `${role} POST`)
        t.equal(created.json().type, 'urn:atd:problem:forbidden')
        const directory = await list('?limit=100', user.headers)
        t.equal(directory.statusCode, 200, `${role} GET`)
        const own = (directory.json().items as Record<string, unknown>[]).find((item) => item.id === user.organizationId)
        t.ok(own, `${role} finds its own organisation`)
        t.same(Object.keys(own ?? {}).sort(), ['id', 'kind', 'name'], `${role} sees id, name and kind only`)
        const one = await app.inject({ method: 'GET', url: `/organizations/${user.organizationId}`, headers: user.headers })
        t.equal(one.statusCode, 200, `${role} GET /organizations/{id}`)
        t.same(one.json(), own, `${role} reads one organisation as the directory lists it`)
      }
      // createUser made one organisation per role straight in the database.
      t.equal((await list('?limit=100')).json().items.length, before + ROLES.length - 1)
    },
  )

  await t.test('one organisation: the admin reads createdAt too; an unknown id is a 404 problem', async (t) => {
    const created = await post({ name: 'Casa del Migrante (one)', kind: 'civil_society' })
    t.equal(created.statusCode, 201, created.body)
    t.equal(created.headers.location, `/organizations/${created.json().id}`, 'the Location names the new organisation')
    const one = await app.inject({ method: 'GET', url: created.headers.location as string, headers: admin.headers })
    t.equal(one.statusCode, 200, one.body)
    t.same(Object.keys(one.json()).sort(), ['createdAt', 'id', 'kind', 'name'])
    const missing = await app.inject({ method: 'GET', url: '/organizations/0190f0a2-6c1e-7c3a-9d2b-5a4f3e2d1c0b', headers: admin.headers })
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().type, 'urn:atd:problem:not-found')
  })

  await t.test('without a token it is a 401 problem', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/organizations' })).statusCode, 401)
    t.equal((await app.inject({ method: 'GET', url: `/organizations/${admin.organizationId}` })).statusCode, 401)
    t.equal((await app.inject({ method: 'POST', url: '/organizations', payload: { name: 'x', kind: 'platform' } })).statusCode, 401)
  })
})

import t from 'tap'
import { ORGANIZATION_KINDS, type OrganizationKind, ROLES } from '../../src/auth/principal.js'
import { build, createUser, type TestUser } from '../helpers/build.js'

t.test('organisations are managed by the system administrator', async (t) => {
  const { app, api, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const post = (body: { name: string; kind: OrganizationKind }, as: TestUser = admin) => api(as).POST('/organizations', { body })
  // Bodies the document forbids (unknown fields, a bad kind, no name, an array): the typed client would not compile them.
  const postRaw = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/organizations', headers: admin.headers, payload: payload as object })
  const list = (query: { limit?: number; cursor?: string } = {}, as: TestUser = admin) =>
    api(as).GET('/organizations', { params: { query } })

  await t.test('the admin creates an organisation of every kind', async (t) => {
    for (const kind of ORGANIZATION_KINDS) {
      const { data: body, error, response } = await post({ name: `  Organización ${kind}  `, kind })
      t.equal(response.status, 201, JSON.stringify(error))
      if (!body) continue
      t.match(body, { name: `Organización ${kind}`, kind })
      t.match(body.id, /^[0-9a-f-]{36}$/)
      t.ok(!Number.isNaN(Date.parse(body.createdAt)))
      t.same(Object.keys(body).sort(), ['active', 'createdAt', 'id', 'kind', 'name'])
      t.equal(body.active, true)
    }
  })

  await t.test('a second organisation with the same name is a 409 problem', async (t) => {
    t.equal((await post({ name: 'Casa Única', kind: 'civil_society' })).response.status, 201)
    const again = await post({ name: 'Casa Única', kind: 'legal_aid' })
    t.equal(again.response.status, 409)
    t.equal(again.error?.type, 'urn:atd:problem:conflict')
  })

  await t.test('invalid bodies are 400 problems listing the paths, never the values', async (t) => {
    const unknown = await postRaw({ name: 'Con extras', kind: 'civil_society', secretField: 'valor-secreto', active: true })
    t.equal(unknown.statusCode, 400, unknown.body)
    t.equal(unknown.json().type, 'urn:atd:problem:validation-error')
    t.match(unknown.body, /secretField/)
    t.match(unknown.body, /active/)
    t.notMatch(unknown.body, /valor-secreto/)
    const badKind = await postRaw({ name: 'Kind', kind: 'bank' })
    t.equal(badKind.statusCode, 400)
    t.match(badKind.json().errors, [{ path: '/kind' }])
    t.equal((await post({ name: '   ', kind: 'civil_society' })).response.status, 400, 'blank name')
    t.equal((await post({ name: 'x'.repeat(201), kind: 'civil_society' })).response.status, 400, 'name too long')
    t.equal((await postRaw({ kind: 'civil_society' })).statusCode, 400, 'name missing')
    t.equal((await postRaw([{ name: 'array', kind: 'civil_society' }])).statusCode, 400, 'not an object')
  })

  await t.test('the list is paginated by cursor', async (t) => {
    const all = await list({ limit: 100 })
    t.equal(all.response.status, 200, JSON.stringify(all.error))
    const total = all.data?.items.length ?? 0
    t.ok(total >= ORGANIZATION_KINDS.length + 2)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await list(cursor ? { limit: 3, cursor } : { limit: 3 })
      t.equal(page.response.status, 200, JSON.stringify(page.error))
      const items = page.data?.items ?? []
      t.ok(items.length <= 3)
      seen.push(...items.map((item) => item.id))
      cursor = page.data?.nextCursor ?? null
    } while (cursor)
    t.equal(seen.length, total)
    t.equal(new Set(seen).size, total, 'no organisation twice')
    t.equal((await list({ limit: 0 })).response.status, 400)
    t.equal((await list({ limit: 101 })).response.status, 400)
    // A query parameter the document does not have: the typed client would not compile it.
    t.equal((await app.inject({ method: 'GET', url: '/organizations?unknown=1', headers: admin.headers })).statusCode, 400)
  })

  await t.test(
    'every other role gets a 403 problem on create, and nothing is created; it reads the directory (id, name, kind)',
    async (t) => {
      const before = (await list({ limit: 100 })).data?.items.length ?? 0
      for (const role of ROLES.filter((role) => role !== 'system_admin')) {
        const user = await createUser(database, role)
        const created = await post({ name: `By ${role}`, kind: 'civil_society' }, user)
        t.equal(created.response.status, 403, `${role} POST`)
        t.equal(created.error?.type, 'urn:atd:problem:forbidden')
        const directory = await list({ limit: 100 }, user)
        t.equal(directory.response.status, 200, `${role} GET`)
        const own = directory.data?.items.find((item) => item.id === user.organizationId)
        t.ok(own, `${role} finds its own organisation`)
        t.same(Object.keys(own ?? {}).sort(), ['id', 'kind', 'name'], `${role} sees id, name and kind only`)
        const one = await api(user).GET('/organizations/{id}', { params: { path: { id: user.organizationId } } })
        t.equal(one.response.status, 200, `${role} GET /organizations/{id}`)
        t.same(one.data, own, `${role} reads one organisation as the directory lists it`)
      }
      // createUser made one organisation per role straight in the database.
      t.equal((await list({ limit: 100 })).data?.items.length, before + ROLES.length - 1)
    },
  )

  await t.test('one organisation: the admin reads createdAt too; an unknown id is a 404 problem', async (t) => {
    const created = await post({ name: 'Casa del Migrante (one)', kind: 'civil_society' })
    t.equal(created.response.status, 201, JSON.stringify(created.error))
    const id = created.data?.id ?? ''
    t.equal(created.response.headers.get('location'), `/organizations/${id}`, 'the Location names the new organisation')
    const one = await api(admin).GET('/organizations/{id}', { params: { path: { id } } })
    t.equal(one.response.status, 200, JSON.stringify(one.error))
    t.same(Object.keys(one.data ?? {}).sort(), ['createdAt', 'id', 'kind', 'name'])
    const missing = await api(admin).GET('/organizations/{id}', { params: { path: { id: '0190f0a2-6c1e-7c3a-9d2b-5a4f3e2d1c0b' } } })
    t.equal(missing.response.status, 404)
    t.equal(missing.error?.type, 'urn:atd:problem:not-found')
  })

  await t.test('without a token it is a 401 problem', async (t) => {
    t.equal((await api().GET('/organizations')).response.status, 401)
    t.equal((await api().GET('/organizations/{id}', { params: { path: { id: admin.organizationId } } })).response.status, 401)
    t.equal((await api().POST('/organizations', { body: { name: 'x', kind: 'platform' } })).response.status, 401)
  })
})

import t from 'tap'
import { build, createUser } from '../helpers/build.js'

t.test('guidance: the case read names the next stage and what it lacks; the 409 names each unmet condition', async (t) => {
  const { api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')
  const created = await api(ngo).POST('/cases', { body: { riskLevel: 'high' } })
  t.equal(created.response.status, 201, JSON.stringify(created.error))
  const id = created.data?.id ?? ''
  const read = async (user = ngo) => {
    const { data, error, response } = await api(user).GET('/cases/{id}', { params: { path: { id } } })
    t.equal(response.status, 200, JSON.stringify(error))
    return { ...data, etag: response.headers.get('etag') ?? '' }
  }

  await t.test('unmet conditions, with the field that satisfies each and the roles that may provide it', async (t) => {
    const [next] = (await read()).nextStages ?? []
    t.equal(next?.to, 'custody')
    t.equal(next?.allowed, false)
    t.same(
      next?.unmet.map((condition) => condition.code),
      ['no_current_placement', 'procuraduria_not_notified'],
    )
    const notification = next!.unmet.find((condition) => condition.code === 'procuraduria_not_notified')!
    t.equal(notification.satisfiedBy, 'custody.procuraduriaNotifiedAt')
    t.ok(notification.roles.includes('migration_officer') && !notification.roles.includes('oversight_auditor'))
    t.ok(notification.message.length > 10)

    const refused = await api(ngo).POST('/cases/{id}/transitions', {
      params: { path: { id }, header: { 'if-match': created.response.headers.get('etag') ?? '' } },
      body: { to: 'custody' },
    })
    t.equal(refused.response.status, 409)
    t.same(refused.error?.unmetConditions, ['no_current_placement', 'procuraduria_not_notified'])
    t.same(refused.error?.conditions, next!.unmet, 'the 409 and the read say the same')
  })

  await t.test('met once the data is there; a reader who may move nothing gets no guidance', async (t) => {
    const placed = await api(ngo).POST('/cases/{id}/placements', {
      params: { path: { id } },
      body: { type: 'dif_shelter', startedAt: new Date().toISOString() },
    })
    t.equal(placed.response.status, 201, JSON.stringify(placed.error))
    const { etag } = await read()
    const patched = await api(ngo).PATCH('/cases/{id}', {
      params: { path: { id }, header: { 'if-match': etag } },
      body: { custody: { procuraduriaNotifiedAt: new Date().toISOString() } },
    })
    t.equal(patched.response.status, 200, JSON.stringify(patched.error))
    t.same((await read()).nextStages, [{ to: 'custody', allowed: true, unmet: [] }])
    t.same((await read(auditor)).nextStages, [])
  })
})

import t from 'tap'
import { build, createUser } from '../helpers/build.js'

interface Condition {
  code: string
  message: string
  satisfiedBy: string
  roles: string[]
}

t.test('guidance: the case read names the next stage and what it lacks; the 409 names each unmet condition', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')
  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high' } })
  t.equal(created.statusCode, 201, created.body)
  const id: string = created.json().id
  const read = async (user = ngo) => {
    const response = await app.inject({ method: 'GET', url: `/cases/${id}`, headers: user.headers })
    t.equal(response.statusCode, 200, response.body)
    return response.json()
  }

  await t.test('unmet conditions, with the field that satisfies each and the roles that may provide it', async (t) => {
    const [next] = (await read()).nextStages as { to: string; allowed: boolean; unmet: Condition[] }[]
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

    const refused = await app.inject({
      method: 'POST',
      url: `/cases/${id}/transitions`,
      headers: { ...ngo.headers, 'if-match': created.headers.etag as string },
      payload: { to: 'custody' },
    })
    t.equal(refused.statusCode, 409)
    t.same(refused.json().unmetConditions, ['no_current_placement', 'procuraduria_not_notified'])
    t.same(refused.json().conditions, next!.unmet, 'the 409 and the read say the same')
  })

  await t.test('met once the data is there; a reader who may move nothing gets no guidance', async (t) => {
    const placed = await app.inject({
      method: 'POST',
      url: `/cases/${id}/placements`,
      headers: ngo.headers,
      payload: { type: 'dif_shelter', startedAt: new Date().toISOString() },
    })
    t.equal(placed.statusCode, 201, placed.body)
    const etag = (await app.inject({ method: 'GET', url: `/cases/${id}`, headers: ngo.headers })).headers.etag as string
    const patched = await app.inject({
      method: 'PATCH',
      url: `/cases/${id}`,
      headers: { ...ngo.headers, 'if-match': etag },
      payload: { custody: { procuraduriaNotifiedAt: new Date().toISOString() } },
    })
    t.equal(patched.statusCode, 200, patched.body)
    t.same((await read()).nextStages, [{ to: 'custody', allowed: true, unmet: [] }])
    t.same((await read(auditor)).nextStages, [])
  })
})

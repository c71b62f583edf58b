import t from 'tap'
import { build, createUser } from '../helpers/build.js'

t.test('a caseworker opens a case and reads it back', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const created = await app.inject({
    method: 'POST',
    url: '/cases',
    headers: ngo.headers,
    payload: { riskLevel: 'high', demographics: { sex: 'female', nationality: 'GT', separationStatus: 'unaccompanied' }, identity: { givenName: 'Ana', dateOfBirth: '2011-03-02' } },
  })
  t.equal(created.statusCode, 201, created.body)
  const body = created.json()
  t.match(body.caseNumber, /^ATD-\d{4}-\d{6}$/)
  const read = await app.inject({ method: 'GET', url: `/cases/${body.id}`, headers: ngo.headers })
  t.equal(read.statusCode, 200, read.body)
  t.equal(read.json().identity.givenName, 'Ana')
  const list = await app.inject({ method: 'GET', url: '/cases', headers: ngo.headers })
  t.equal(list.json().items.length, 1, list.body)
})

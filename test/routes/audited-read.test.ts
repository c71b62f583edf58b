import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import t from 'tap'
import { build, createUser } from '../helpers/build.js'

/** Counts the statements the app sends: each one executed comes back through transformResult. */
class StatementCounter implements KyselyPlugin {
  count = 0
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    return node
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++
    return result
  }
}

t.test('reading a case is one statement: the case and its audit event, in one round trip', async (t) => {
  const counter = new StatementCounter()
  // No sealing while we count: the sealer shares the app's handle.
  const { app, database } = await build(t, {
    wrapDatabase: (db) => db.withPlugin(counter),
    environment: { AUDIT_SEAL_INTERVAL_MS: '3600000' },
  })
  const ngo = await createUser(database, 'ngo_caseworker')
  const created = await app.inject({
    method: 'POST',
    url: '/cases',
    headers: ngo.headers,
    payload: { riskLevel: 'low', identity: { givenName: 'Renata' } },
  })
  t.equal(created.statusCode, 201)
  const id = created.json().id as string

  // Oversight may move no case on, so its read asks for no guidance: one statement, nothing else.
  const auditor = await createUser(database, 'oversight_auditor')
  await app.inject({ method: 'GET', url: '/me', headers: auditor.headers })
  counter.count = 0
  const pseudonymised = await app.inject({ method: 'GET', url: `/cases/${id}`, headers: auditor.headers })
  t.equal(pseudonymised.statusCode, 200)
  t.equal(pseudonymised.json().id, id)
  t.equal(counter.count, 1, 'one statement reads the case and writes its event')

  // The lead's caseworker may move the case on: one more statement, for the guard conditions it still lacks.
  counter.count = 0
  const read = await app.inject({ method: 'GET', url: `/cases/${id}`, headers: ngo.headers })
  t.equal(read.statusCode, 200)
  t.equal(read.json().identity.givenName, 'Renata')
  t.equal(counter.count, 2, 'the audited read, then the guidance')

  const events = await database.db
    .selectFrom('audit_events')
    .select(['case_ids', 'fields', 'outcome'])
    .where('action', '=', 'case.read')
    .where('actor_id', '=', ngo.id)
    .execute()
  t.equal(events.length, 1)
  t.same(events[0]?.case_ids, [id])
  t.equal(events[0]?.outcome, 'allowed')
  t.ok(events[0]?.fields.includes('identity.givenName'), 'the event names the fields the answer disclosed')
  t.same(events[0]?.fields, [...(events[0]?.fields ?? [])].sort(), 'sorted, as every event keeps them')
})

import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import t from 'tap'
import { answered, present } from '../helpers/api-client.js'
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
  const { api, database } = await build(t, {
    wrapDatabase: (db) => db.withPlugin(counter),
    environment: { AUDIT_SEAL_INTERVAL_MS: '3600000' },
  })
  const ngo = await createUser(database, 'ngo_caseworker')
  const created = answered(t, await api(ngo).POST('/cases', { body: { riskLevel: 'low', identity: { givenName: 'Renata' } } }), 201)
  const id = present(created.id, 'id')

  // Oversight may move no case on, so its read asks for no guidance: one statement, nothing else.
  const auditor = await createUser(database, 'oversight_auditor')
  answered(t, await api(auditor).GET('/me'), 200)
  counter.count = 0
  const pseudonymised = answered(t, await api(auditor).GET('/cases/{id}', { params: { path: { id } } }), 200)
  t.equal(pseudonymised.id, id)
  t.equal(counter.count, 1, 'one statement reads the case and writes its event')

  // The lead's caseworker may move the case on: the same statement carries the guard facts its guidance needs.
  counter.count = 0
  const read = answered(t, await api(ngo).GET('/cases/{id}', { params: { path: { id } } }), 200)
  t.equal(read.identity?.givenName, 'Renata')
  t.equal(read.nextStages?.[0]?.to, 'custody', 'guided to the next stage')
  t.ok((read.nextStages?.[0]?.unmet.length ?? 0) > 0, 'with the conditions it still lacks')
  t.notOk(
    Object.keys(read).some((key) => key.startsWith('guard')),
    'the guard facts are not part of the case',
  )
  t.equal(counter.count, 1, 'the audited read and the guidance in one statement')

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

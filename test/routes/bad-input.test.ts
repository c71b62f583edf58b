// Generated from the service's own OpenAPI document: every route, given a malformed id, an unknown
// field or a body of the wrong shape, answers a 4xx problem document and changes nothing.
import t from 'tap'
import { sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { build, createUser } from '../helpers/build.js'

// The audit tables record refused attempts on purpose; everything else must stay as it was.
const AUDIT_TABLES = new Set(['audit_events', 'audit_pending', 'audit_chain', 'kysely_migration', 'kysely_migration_lock'])

t.test('every route refuses malformed input with a 4xx problem and changes nothing', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const admin = await createUser(database, 'system_admin')
  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'low' } })
  const caseId: string = created.json().id

  const tables = (await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`.execute(database.db)).rows
    .map((row) => row.tablename)
    .filter((name) => !AUDIT_TABLES.has(name))
  const snapshot = async () => {
    const counts: Record<string, string> = {}
    for (const table of tables)
      counts[table] = (
        await sql<{
          digest: string
        }>`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${sql.table(table)} t`.execute(database.db)
      ).rows[0]!.digest
    return counts
  }

  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const before = await snapshot()
  let probes = 0
  for (const [path, operations] of Object.entries(document.paths)) {
    if (path.startsWith('/docs')) continue
    for (const method of Object.keys(operations).filter((name) => ['get', 'post', 'patch', 'put', 'delete'].includes(name))) {
      const withIds = (id: string) => path.replace(/\{id\}/g, caseId).replace(/\{(\w+)\}/g, () => id)
      const attempts: { label: string; url: string; payload?: unknown }[] = [
        { label: 'a malformed id', url: path.replace(/\{\w+\}/g, 'not-a-uuid') },
      ]
      // Routes that take query parameters refuse unknown ones (a misspelt filter must not widen a
      // list); routes that take none ignore a query string, as HTTP endpoints ordinarily do.
      const operation = operations[method] as { parameters?: { in: string }[] }
      if (operation.parameters?.some((parameter) => parameter.in === 'query')) {
        attempts.push({ label: 'an unknown query parameter', url: `${withIds(uuidv7())}?favouriteColour=blue` })
      }
      if (method !== 'get' && method !== 'delete') {
        attempts.push({ label: 'an unknown field', url: withIds(uuidv7()), payload: { favouriteColour: 'blue' } })
        attempts.push({ label: 'a body of the wrong shape', url: withIds(uuidv7()), payload: [1, 2, 3] })
      }
      for (const attempt of attempts) {
        // Skip what is not malformed for this route: a route without ids takes no malformed id.
        if (attempt.label === 'a malformed id' && !path.includes('{')) continue
        for (const user of [ngo, admin]) {
          const response = await app.inject({
            method: method.toUpperCase() as 'GET',
            url: attempt.url,
            headers: {
              ...user.headers,
              'if-match': '"1"',
              ...(attempt.payload === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(attempt.payload === undefined ? {} : { payload: JSON.stringify(attempt.payload) }),
          })
          probes++
          const label = `${method.toUpperCase()} ${path} with ${attempt.label} as ${user.role}`
          t.ok(response.statusCode >= 400 && response.statusCode < 500, `${label}: ${response.statusCode}`)
          t.match(String(response.headers['content-type']), /^application\/problem\+json/, `${label}: a problem document`)
        }
      }
    }
  }
  t.ok(probes > 100, `${probes} malformed requests sent`)
  t.same(await snapshot(), before, 'no table outside the audit trail changed')
})

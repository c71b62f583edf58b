// npx tsx bench/verify-scale.ts [--events 1000000,3000000] [--runs 3]
//
// How verification scales: builds a scratch database (atd_verify_scale, dropped first, on the
// server of DATABASE_URL), grows its audit trail to each size in turn with INSERT…SELECT, seals it
// with the service's own sealer, and times GET /audit-events/verify's work (verifyChain, as the
// route runs it: one statement, outside a transaction) in full and from a checkpoint 1,000 links
// before the head. Prints one line a size and the ratio of time per event between the sizes.
import { parseArgs } from 'node:util'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { sealAll } from '../src/audit/audit-sealer.js'
import { verifyChain } from '../src/audit/audit-verify.js'
import type { Database } from '../src/db/schema.js'
import { migrateToLatest } from '../src/db/migrate.js'

const { values } = parseArgs({
  options: { events: { type: 'string', default: '1000000,3000000' }, runs: { type: 'string', default: '3' } },
})
const sizes = values.events.split(',').map(Number)
const runs = Number(values.runs)
const serverUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
const SCRATCH = 'atd_verify_scale'
/** Events per INSERT…SELECT: each is one statement on the server. */
const GENERATE_BATCH = 500_000

const connect = (database: string) => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 2 }) }) })
}

const admin = connect(serverUrl.pathname.slice(1) || 'postgres')
await sql.raw(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`).execute(admin)
await sql.raw(`CREATE DATABASE ${SCRATCH}`).execute(admin)
await admin.destroy()
const db = connect(SCRATCH)
await migrateToLatest(db)

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now()
  const result = await work()
  return { ms: performance.now() - start, result }
}

/** Events like the service's reads: an actor, a case, a dozen field names; one in 200 denied. */
async function generate(from: number, to: number): Promise<void> {
  // The queue is filled in one statement rather than by the per-row trigger: same rows, less time.
  await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_enqueue`.execute(db)
  for (let start = from; start <= to; start += GENERATE_BATCH) {
    const end = Math.min(to, start + GENERATE_BATCH - 1)
    await sql`INSERT INTO audit_events (occurred_at, request_id, actor_id, actor_role, actor_organization_id, action, case_ids, fields, outcome, reason, policy_version)
      SELECT timestamptz '2026-01-01' + g * interval '1.000001 second', 'scale-' || g, md5('u' || g % 5000)::uuid, 'ngo_caseworker',
        md5('o' || g % 50)::uuid, CASE WHEN g % 10 < 7 THEN 'case.read' WHEN g % 10 < 9 THEN 'case.update' ELSE 'case.list' END,
        ARRAY[md5('c' || g % 100000)::uuid],
        CASE WHEN g % 200 = 0 THEN '{}'::text[] ELSE ARRAY['case.id', 'case.caseNumber', 'case.stage', 'identity.givenName', 'identity.familyName',
          'identity.dateOfBirth', 'demographics.nationality', 'contact.phone', 'placement.type', 'health.notes', 'legal.guardian', 'custody.status'] END,
        CASE WHEN g % 200 = 0 THEN 'denied' ELSE 'allowed' END, CASE WHEN g % 200 = 0 THEN 'forbidden-fields' END, 'scale'
      FROM generate_series(${start}::bigint, ${end}::bigint) AS g`.execute(db)
  }
  await sql`INSERT INTO audit_pending (event_id) SELECT id FROM audit_events WHERE id >= ${from}`.execute(db)
  await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_enqueue`.execute(db)
}

const perEvent: number[] = []
let have = 0
for (const size of sizes) {
  const generation = await timed(() => generate(have + 1, size))
  const sealing = await timed(() => sealAll(db, 10_000))
  await sql`VACUUM ANALYZE audit_events`.execute(db)
  await sql`VACUUM ANALYZE audit_chain`.execute(db)
  have = size
  const full: number[] = []
  let verified: unknown
  for (let run = 0; run < runs; run += 1) {
    const { ms, result } = await timed(() => verifyChain(db))
    full.push(ms)
    verified = result
  }
  const checkpointSeq = size - 1_000
  const { rows } = await sql<{ hash: string }>`SELECT hash FROM audit_chain WHERE seq = ${checkpointSeq}`.execute(db)
  const incremental = await timed(() => verifyChain(db, { from: { seq: checkpointSeq, hash: rows[0]!.hash } }))
  const best = Math.min(...full)
  perEvent.push(best / size)
  const line =
    `${size.toLocaleString('en')} events: generated in ${seconds(generation.ms)}, sealed ${sealing.result.toLocaleString('en')} in ${seconds(sealing.ms)}; ` +
    `verify ${full.map(seconds).join(' / ')} (${JSON.stringify(verified)}); from a checkpoint 1,000 links back ${incremental.ms.toFixed(0)} ms (${JSON.stringify(incremental.result)})`
  process.stdout.write(`${line}\n`)
}
if (perEvent.length > 1)
  process.stdout.write(`time per event, largest vs smallest size: ${(perEvent.at(-1)! / perEvent[0]!).toFixed(2)} (1.00 = linear)\n`)
await db.destroy()

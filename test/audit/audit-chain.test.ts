import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { v7 as uuidv7 } from 'uuid'
import { GENESIS_HASH } from '../../src/audit/audit-chain.js'
import { findChainHead } from '../../src/audit/audit-chain.repository.js'
import { sealAll } from '../../src/audit/audit-sealer.js'
import { type VerifyResult, verifyChain } from '../../src/audit/audit-verify.js'
import type { Database } from '../../src/db/schema.js'
import { canonicalJson } from '../../src/shared/canonical-json.js'
import { build, createUser } from '../helpers/build.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { asSuperuserWithoutTriggers, waitUntilSealed } from './audit-helpers.js'

/** Session settings a server or a connection may have; none of them may change a link's hash. */
interface Session {
  readonly name: string
  readonly settings: Readonly<Record<string, string>>
}

const UTC: Session = { name: 'UTC', settings: { TimeZone: 'UTC', DateStyle: 'ISO, MDY' } }
const MEXICO: Session = {
  name: 'America/Mexico_City',
  settings: { TimeZone: 'America/Mexico_City', DateStyle: 'SQL, DMY', IntervalStyle: 'postgres_verbose', extra_float_digits: '-3' },
}
const KATHMANDU: Session = {
  name: 'Asia/Kathmandu',
  settings: { TimeZone: 'Asia/Kathmandu', DateStyle: 'German, DMY', IntervalStyle: 'sql_standard', extra_float_digits: '3' },
}
const SESSIONS = [UTC, MEXICO, KATHMANDU]

/**
 * A connection to the test's database with these session settings: its own one-connection pool on
 * PostgreSQL; on PGlite (one session for everything) the settings are applied to that session.
 */
async function inSession(t: Test, database: TestDatabase, session: Session): Promise<Kysely<Database>> {
  if (!database.url) {
    for (const [name, value] of Object.entries(session.settings))
      await sql`SELECT set_config(${name}, ${value}, false)`.execute(database.db)
    return database.db
  }
  const options = Object.entries(session.settings)
    .map(([name, value]) => `-c ${name}=${value.replace(/ /g, '\\ ')}`)
    .join(' ')
  const pool = new pg.Pool({ connectionString: database.url, max: 1, options })
  // The database is dropped (its connections ended) when the test ends, maybe before this pool is.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  t.teardown(() => db.destroy())
  return db
}

let requestCount = 0

/** Events that exercise every column: NULLs, empty and long lists, quotes, control and non-ASCII characters, times to the microsecond. */
async function insertEvents(database: TestDatabase, count: number): Promise<void> {
  const times = [
    '2026-03-08 01:59:59.999999+00',
    '2026-11-25 10:00:00+00',
    '2026-04-05 07:30:00.1+00',
    '2026-10-25 23:59:59.12345+00',
    '2026-01-01 00:00:00.000001+00',
  ]
  for (let index = 0; index < count; index += 1) {
    const n = ++requestCount
    await database.db
      .insertInto('audit_events')
      .values({
        occurred_at: times[n % times.length],
        request_id: n % 3 === 0 ? `req "${n}" \\ ñandú 🦜\n\t\u0001` : `req-${n}`,
        actor_id: n % 4 === 0 ? null : uuidv7(),
        actor_role: n % 4 === 0 ? null : 'ngo_caseworker',
        actor_organization_id: n % 4 === 0 ? null : uuidv7(),
        action: n % 2 ? 'case.read' : 'case.update',
        case_ids: n % 5 === 0 ? [] : [uuidv7(), uuidv7()],
        fields: n % 5 === 0 ? [] : ['identity.givenName', 'health.notes', 'odd "name", with \\ comma'],
        outcome: n % 7 === 0 ? 'denied' : 'allowed',
        reason: n % 7 === 0 ? 'forbidden-fields' : null,
        policy_version: 'abc123',
        target_organization_id: n % 6 === 0 ? uuidv7() : null,
        client_request_id: n % 2 === 0 ? `caller-${n}.a:b_c` : null,
      })
      .execute()
  }
}

/** The chain as an auditor exports it (README, scripts/verify-audit-chain.mjs), in this session. */
async function exportChain(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ line: string }>`SELECT row_to_json(x)::text AS line FROM (SELECT c.seq, c.form, c.prev_hash, c.hash, e.*
    FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id ORDER BY c.seq) x`.execute(db)
  return rows.map((row) => `${row.line}\n`).join('')
}

/** What the reference verifier, run as an auditor would run it, answers for this export. */
function referenceVerify(chain: string): Promise<VerifyResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [path.resolve('scripts/verify-audit-chain.mjs')], (error, stdout) => {
      if (error && error.code !== 1) reject(error)
      else resolve(JSON.parse(stdout) as VerifyResult)
    })
    child.stdin!.end(chain)
  })
}

async function eventIdAt(database: TestDatabase, seq: number): Promise<number> {
  const { rows } = await sql<{ event_id: number | string }>`SELECT event_id FROM audit_chain WHERE seq = ${seq}`.execute(database.db)
  return Number(rows[0]!.event_id)
}

t.test(
  'a chain sealed under one session’s settings verifies under every other, and a tampered row is found at its sequence under each',
  async (t) => {
    const database = await createTestDatabase(t)
    for (const session of SESSIONS) {
      await insertEvents(database, 7)
      t.equal(await sealAll(await inSession(t, database, session)), 7, `7 events sealed in ${session.name}`)
    }
    const through = 21
    for (const session of SESSIONS) {
      const db = await inSession(t, database, session)
      t.same(
        await verifyChain(db),
        { intact: true, verifiedThrough: through, headHash: (await findChainHead(db))!.hash },
        `intact in ${session.name}`,
      )
      t.same(
        await referenceVerify(await exportChain(db)),
        await verifyChain(db),
        `the reference verifier agrees, exported in ${session.name}`,
      )
    }
    if (database.url) {
      // A server whose default time zone is Mexico City, as a deployment in Mexico has: fresh connections take it.
      const name = new URL(database.url).pathname.slice(1)
      await sql.raw(`ALTER DATABASE ${name} SET timezone = 'America/Mexico_City'`).execute(database.db)
      await sql.raw(`ALTER DATABASE ${name} SET datestyle = 'Postgres, DMY'`).execute(database.db)
      const fresh = await inSession(t, database, { name: 'database default', settings: {} })
      const { rows } = await sql<{ timezone: string }>`SELECT current_setting('TimeZone') AS timezone`.execute(fresh)
      t.equal(rows[0]!.timezone, 'America/Mexico_City', 'a fresh connection has the database’s time zone')
      t.match(await verifyChain(fresh), { intact: true, verifiedThrough: through })
      await insertEvents(database, 2)
      t.equal(await sealAll(fresh), 2, 'sealed under the database’s default time zone')
      t.match(await verifyChain(await inSession(t, database, KATHMANDU)), { intact: true, verifiedThrough: through + 2 })
    }

    await asSuperuserWithoutTriggers(
      database,
      sql`UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE id = ${await eventIdAt(database, 5)}`,
    )
    await asSuperuserWithoutTriggers(
      database,
      sql`UPDATE audit_events SET fields = ARRAY['identity.givenName'] WHERE id = ${await eventIdAt(database, 16)}`,
    )
    for (const session of SESSIONS) {
      const db = await inSession(t, database, session)
      t.same(
        await verifyChain(db),
        { intact: false, brokenAt: 5, reason: 'hash-mismatch' },
        `a time moved by 1 µs is found in ${session.name}`,
      )
      t.same(
        await referenceVerify(await exportChain(db)),
        { intact: false, brokenAt: 5, reason: 'hash-mismatch' },
        `and by the reference verifier`,
      )
      t.same(
        await verifyChain(db, { from: { seq: 10, hash: await hashAt(db, 10) } }),
        { intact: false, brokenAt: 16, reason: 'hash-mismatch' },
        `from a checkpoint after it, the next change is found in ${session.name}`,
      )
    }
  },
)

async function hashAt(db: Kysely<Database>, seq: number): Promise<string> {
  const { rows } = await sql<{ hash: string }>`SELECT hash FROM audit_chain WHERE seq = ${seq}`.execute(db)
  return rows[0]!.hash
}

t.test('the published definition: form 4 is SHA-256 of prev_hash and the JSON array of the link’s values', async (t) => {
  const database = await createTestDatabase(t)
  const id = uuidv7()
  await database.db
    .insertInto('audit_events')
    .values({
      occurred_at: '2026-11-25 04:00:00.5-06',
      request_id: 'req "1" ñ',
      actor_id: id,
      actor_role: 'oversight_auditor',
      actor_organization_id: null,
      action: 'audit.verify',
      case_ids: [],
      fields: ['a.b', 'c "d"'],
      outcome: 'allowed',
      reason: null,
      policy_version: 'v1',
      target_organization_id: null,
      client_request_id: 'caller-7.x:y_z',
    })
    .execute()
  await sealAll(database.db)
  const { rows } = await sql<{
    event_id: number | string
    hash: string
    form: number
  }>`SELECT event_id, hash, form FROM audit_chain WHERE seq = 1`.execute(database.db)
  const eventId = Number(rows[0]!.event_id)
  const text = `${GENESIS_HASH}[1, ${eventId}, "2026-11-25T10:00:00.500000Z", "req \\"1\\" ñ", "${id}", "oversight_auditor", null, "audit.verify", [], ["a.b","c \\"d\\""], "allowed", null, "v1", null, [], null, 1, "caller-7.x:y_z"]`
  // Form 4 (migration 2026-12-04-10): form 3's array (form 2's with changed_fields, target_user_id,
  // event_count) with client_request_id appended.
  t.equal(rows[0]!.form, 4)
  t.equal(rows[0]!.hash, createHash('sha256').update(text, 'utf8').digest('hex'), 'the hash of exactly the text README describes')
})

/**
 * The sealer of 2026-11-25, kept here as it was: it hashed the canonical JSON of { seq, prevHash,
 * event } with the event as to_jsonb printed it in a UTC session, and named no form. The columns added
 * later (2026-12-02-40, 2026-12-04-10) did not exist then.
 */
async function sealLikeTheFirstSealer(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL TIME ZONE 'UTC'`.execute(trx)
    const { rows: events } = await sql<{
      id: number | string
      event: Record<string, unknown>
    }>`SELECT e.id, jsonb_strip_nulls(to_jsonb(e)) - 'changed_fields' - 'target_user_id' - 'event_count' - 'client_request_id' AS event
      FROM audit_pending p JOIN audit_events e ON e.id = p.event_id ORDER BY e.id`.execute(trx)
    const head = await findChainHead(trx)
    let seq = head?.seq ?? 0
    let prevHash = head?.hash ?? GENESIS_HASH
    for (const { id, event } of events) {
      seq += 1
      const hash = createHash('sha256').update(canonicalJson({ seq, prevHash, event })).digest('hex')
      await sql`INSERT INTO audit_chain (seq, event_id, prev_hash, hash) VALUES (${seq}, ${Number(id)}, ${prevHash}, ${hash})`.execute(trx)
      await sql`DELETE FROM audit_pending WHERE event_id = ${Number(id)}`.execute(trx)
      prevHash = hash
    }
    return events.length
  })
}

/** How many links of each form the chain holds, as [form, links] in the order of the forms. */
async function linksByForm(db: Kysely<Database>): Promise<number[][]> {
  const { rows } = await sql<{
    form: number
    links: number | string
  }>`SELECT form, count(*) AS links FROM audit_chain GROUP BY form ORDER BY form`.execute(db)
  return rows.map((row) => [row.form, Number(row.links)])
}

/** The chain is intact through `through` in every session, and the reference verifier agrees. */
async function verifiesInEverySession(t: Test, database: TestDatabase, through: number): Promise<void> {
  for (const session of SESSIONS) {
    const db = await inSession(t, database, session)
    t.match(await verifyChain(db), { intact: true, verifiedThrough: through }, `intact in ${session.name}`)
    t.same(await referenceVerify(await exportChain(db)), await verifyChain(db), `the reference verifier agrees in ${session.name}`)
  }
}

t.test('links sealed by the first sealer still verify, under every session, followed by new ones', async (t) => {
  const database = await createTestDatabase(t)
  await insertEvents(database, 10)
  t.equal(await sealLikeTheFirstSealer(database.db), 10)
  await insertEvents(database, 5)
  t.equal(await sealAll(database.db), 5)
  t.same(
    await linksByForm(database.db),
    [
      [1, 10],
      [4, 5],
    ],
    'ten old links, five new',
  )
  await verifiesInEverySession(t, database, 15)
  await asSuperuserWithoutTriggers(database, sql`UPDATE audit_events SET reason = 'edited' WHERE id = ${await eventIdAt(database, 3)}`)
  for (const session of SESSIONS) {
    const db = await inSession(t, database, session)
    t.same(
      await verifyChain(db),
      { intact: false, brokenAt: 3, reason: 'hash-mismatch' },
      `an old link’s change is found in ${session.name}`,
    )
    t.same(await referenceVerify(await exportChain(db)), { intact: false, brokenAt: 3, reason: 'hash-mismatch' })
  }
})

/**
 * Seals the pending events as a sealer of an earlier form did: each link hashed by that form's own
 * definition in the database (audit_link_hash_2, _3), as audit_seal did while that form was current.
 */
async function sealAsForm(db: Kysely<Database>, form: 2 | 3): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows: pending } = await sql<{ event_id: number | string }>`SELECT event_id FROM audit_pending ORDER BY event_id`.execute(trx)
    const head = await findChainHead(trx)
    let seq = head?.seq ?? 0
    let prevHash = head?.hash ?? GENESIS_HASH
    for (const { event_id } of pending) {
      seq += 1
      const { rows } = await sql<{ hash: string }>`SELECT audit_link_hash(${form}::smallint, ${prevHash}::text, ${seq}::bigint, e) AS hash
        FROM audit_events e WHERE e.id = ${Number(event_id)}`.execute(trx)
      const hash = rows[0]!.hash
      await sql`INSERT INTO audit_chain (seq, event_id, prev_hash, hash, form) VALUES (${seq}, ${Number(event_id)}, ${prevHash}, ${hash}, ${form})`.execute(
        trx,
      )
      await sql`DELETE FROM audit_pending WHERE event_id = ${Number(event_id)}`.execute(trx)
      prevHash = hash
    }
    return pending.length
  })
}

t.test('a chain of links of forms 1, 2 and 3 followed by form 4 verifies; a changed client request id is found', async (t) => {
  const database = await createTestDatabase(t)
  await insertEvents(database, 4)
  t.equal(await sealLikeTheFirstSealer(database.db), 4)
  await insertEvents(database, 4)
  t.equal(await sealAsForm(database.db, 2), 4)
  await insertEvents(database, 4)
  t.equal(await sealAsForm(database.db, 3), 4)
  await insertEvents(database, 4)
  t.equal(await sealAll(database.db), 4)
  t.same(
    await linksByForm(database.db),
    [
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ],
    'four links of each form, in order',
  )
  await verifiesInEverySession(t, database, 16)
  // Links 14 and 16 are of form 4, which covers the client request id: one changed, one added or removed.
  await asSuperuserWithoutTriggers(
    database,
    sql`UPDATE audit_events SET client_request_id = coalesce(client_request_id || '-x', 'someone-else') WHERE id = ${await eventIdAt(database, 14)}`,
  )
  await asSuperuserWithoutTriggers(
    database,
    sql`UPDATE audit_events SET client_request_id = CASE WHEN client_request_id IS NULL THEN 'added' END WHERE id = ${await eventIdAt(database, 16)}`,
  )
  for (const session of SESSIONS) {
    const db = await inSession(t, database, session)
    t.same(await verifyChain(db), { intact: false, brokenAt: 14, reason: 'hash-mismatch' }, `found in ${session.name}`)
    t.same(
      await referenceVerify(await exportChain(db)),
      { intact: false, brokenAt: 14, reason: 'hash-mismatch' },
      'and by the reference verifier',
    )
    t.same(
      await verifyChain(db, { from: { seq: 15, hash: await hashAt(db, 15) } }),
      { intact: false, brokenAt: 16, reason: 'hash-mismatch' },
      `a client request id added or removed is found too, in ${session.name}`,
    )
  }
})

t.test('every kind of break is found at its sequence, by the service and by the reference verifier alike', async (t) => {
  const database = await createTestDatabase(t)
  await insertEvents(database, 30)
  await sealAll(database.db)
  const db = await inSession(t, database, KATHMANDU)
  const expectBreak = async (expected: VerifyResult, what: string) => {
    t.same(await verifyChain(db), expected, what)
    t.same(await referenceVerify(await exportChain(db)), expected, `${what}: the reference verifier agrees`)
  }
  // Latest first, so each break is the earliest when it is made.
  await asSuperuserWithoutTriggers(database, sql`ALTER TABLE audit_chain ALTER COLUMN hash DROP NOT NULL`)
  await asSuperuserWithoutTriggers(database, sql`UPDATE audit_chain SET hash = NULL WHERE seq = 30`)
  await expectBreak({ intact: false, brokenAt: 30, reason: 'hash-mismatch' }, 'a hash set to NULL, its constraint dropped')
  await asSuperuserWithoutTriggers(database, sql.raw(`ALTER TABLE audit_chain DROP CONSTRAINT ${await formCheckName(database)}`))
  await asSuperuserWithoutTriggers(database, sql`UPDATE audit_chain SET form = 5 WHERE seq = 29`)
  await expectBreak({ intact: false, brokenAt: 29, reason: 'hash-mismatch' }, 'a link of a form that does not exist')
  await asSuperuserWithoutTriggers(database, sql`UPDATE audit_chain SET prev_hash = ${'f'.repeat(64)} WHERE seq = 28`)
  await expectBreak({ intact: false, brokenAt: 28, reason: 'previous-hash-mismatch' }, 'a link that does not follow the one before')
  await asSuperuserWithoutTriggers(database, sql`DELETE FROM audit_events WHERE id = ${await eventIdAt(database, 22)}`)
  await expectBreak({ intact: false, brokenAt: 22, reason: 'event-missing' }, 'a link whose event is gone')
  await asSuperuserWithoutTriggers(database, sql`DELETE FROM audit_chain WHERE seq IN (17, 18)`)
  await expectBreak({ intact: false, brokenAt: 17, reason: 'missing-link' }, 'two links removed')
  await asSuperuserWithoutTriggers(
    database,
    sql`UPDATE audit_events SET request_id = request_id || ' ' WHERE id = ${await eventIdAt(database, 9)}`,
  )
  await expectBreak({ intact: false, brokenAt: 9, reason: 'hash-mismatch' }, 'an event changed')
  await asSuperuserWithoutTriggers(database, sql`DELETE FROM audit_chain WHERE seq = 1`)
  await expectBreak({ intact: false, brokenAt: 1, reason: 'missing-link' }, 'the first link removed')
})

async function formCheckName(database: TestDatabase): Promise<string> {
  const { rows } = await sql<{
    name: string
  }>`SELECT conname AS name FROM pg_constraint WHERE conrelid = 'audit_chain'::regclass AND contype = 'c'`.execute(database.db)
  return rows[0]!.name
}

t.test('incremental verification from a kept checkpoint reads only the links since it', async (t) => {
  const database = await createTestDatabase(t)
  await insertEvents(database, 12)
  await sealAll(database.db)
  const kept = await verifyChain(database.db)
  if (!kept.intact) throw new Error('the chain should be intact')
  const checkpoint = { seq: kept.verifiedThrough, hash: kept.headHash! }
  await insertEvents(database, 8)
  await sealAll(database.db)
  const head = (await findChainHead(database.db))!
  t.same(
    await verifyChain(database.db, { from: checkpoint }),
    { intact: true, verifiedThrough: 20, headHash: head.hash },
    'the links since chain from it',
  )
  t.same(
    await verifyChain(database.db, { from: { seq: 20, hash: head.hash } }),
    { intact: true, verifiedThrough: 20, headHash: head.hash },
    'from the head itself',
  )
  t.same(
    await verifyChain(database.db, { from: { seq: 12, hash: 'a'.repeat(64) } }),
    { intact: false, brokenAt: 12, reason: 'checkpoint-mismatch' },
    'a hash that was never kept',
  )
  t.same(
    await verifyChain(database.db, { from: { seq: 21, hash: head.hash } }),
    { intact: false, brokenAt: 21, reason: 'checkpoint-mismatch' },
    'a checkpoint beyond the head',
  )

  await asSuperuserWithoutTriggers(database, sql`UPDATE audit_events SET action = 'case.list' WHERE id = ${await eventIdAt(database, 4)}`)
  t.match(
    await verifyChain(database.db, { from: checkpoint }),
    { intact: true },
    'a change before the checkpoint is the earlier verification’s business',
  )
  t.same(await verifyChain(database.db), { intact: false, brokenAt: 4, reason: 'hash-mismatch' }, 'and a full verification finds it')
  await asSuperuserWithoutTriggers(database, sql`UPDATE audit_events SET action = 'case.list' WHERE id = ${await eventIdAt(database, 12)}`)
  t.same(
    await verifyChain(database.db, { from: checkpoint }),
    { intact: false, brokenAt: 12, reason: 'hash-mismatch' },
    'the checkpoint’s own event is rechecked',
  )
})

t.test('over the API, on a server in Mexico City: verify answers intact, incrementally too, and finds a change', async (t) => {
  const { app, database } = await build(t)
  const auditor = await createUser(database, 'oversight_auditor')
  const get = (url: string) => app.inject({ method: 'GET', url, headers: auditor.headers })
  for (let index = 0; index < 12; index += 1) t.equal((await get('/audit-events/checkpoint')).statusCode, 200)
  await waitUntilSealed(database)
  if (database.url) {
    // The server's default for every new connection; the app's connections are ended so it makes new ones.
    const admin = await inSession(t, database, UTC)
    await sql.raw(`ALTER DATABASE ${new URL(database.url).pathname.slice(1)} SET timezone = 'America/Mexico_City'`).execute(admin)
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(
      admin,
    )
    await sleep(300)
  } else {
    await inSession(t, database, MEXICO)
  }
  const { rows } = await sql<{ timezone: string }>`SELECT current_setting('TimeZone') AS timezone`.execute(database.db)
  t.equal(rows[0]!.timezone, 'America/Mexico_City')

  const intact = await get('/audit-events/verify')
  t.equal(intact.statusCode, 200, intact.body)
  t.match(intact.json(), { intact: true, verifiedThrough: 12 })
  const checkpoint = (await get('/audit-events/checkpoint')).json() as { seq: number; hash: string }
  for (let index = 0; index < 5; index += 1) await get('/audit-events/checkpoint')
  await waitUntilSealed(database)
  const since = await get(`/audit-events/verify?fromSeq=${checkpoint.seq}&fromHash=${checkpoint.hash}`)
  t.equal(since.statusCode, 200, since.body)
  t.match(since.json(), { intact: true, verifiedThrough: (await findChainHead(database.db))!.seq })
  t.same((await get(`/audit-events/verify?fromSeq=${checkpoint.seq}&fromHash=${'b'.repeat(64)}`)).json(), {
    intact: false,
    brokenAt: checkpoint.seq,
    reason: 'checkpoint-mismatch',
  })
  for (const url of [
    `/audit-events/verify?fromSeq=${checkpoint.seq}`,
    `/audit-events/verify?fromSeq=${checkpoint.seq}&fromHash=${checkpoint.hash}&checkpointSeq=${checkpoint.seq}&checkpointHash=${checkpoint.hash}`,
  ]) {
    const refused = await get(url)
    t.equal(refused.statusCode, 400, url)
    t.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
  }

  await asSuperuserWithoutTriggers(
    database,
    sql`UPDATE audit_events SET actor_role = 'system_admin' WHERE id = ${await eventIdAt(database, 7)}`,
  )
  t.same((await get('/audit-events/verify')).json(), { intact: false, brokenAt: 7, reason: 'hash-mismatch' })
})

t.test('a graceful stop seals what is still pending: the stopped service leaves a complete chain', async (t) => {
  // An hour between ticks: only the stop can seal what the read below leaves pending.
  const { app, database } = await build(t, { environment: { AUDIT_SEAL_INTERVAL_MS: '3600000' } })
  const auditor = await createUser(database, 'oversight_auditor')
  t.equal((await app.inject({ method: 'GET', url: '/audit-events/checkpoint', headers: auditor.headers })).statusCode, 200)
  const pending = async () => {
    const { rows } = await sql<{ count: number | string }>`SELECT count(*) AS count FROM audit_pending`.execute(database.db)
    return Number(rows[0]!.count)
  }
  t.ok((await pending()) > 0, 'the audited read is pending before the stop')
  await app.close()
  t.equal(await pending(), 0, 'nothing pending after it')
  t.match(await verifyChain(database.db), { intact: true })
})

// npm run drill: faults survived with nothing lost. Starts a throwaway PostgreSQL cluster and the
// compiled service, and for each fault runs a write load, then checks every acknowledged write is
// there with its audit event, nothing unacknowledged is half there, and the chain verifies.
// Prints: fault | requests | acknowledged | lost | half-done | 5xx other than 503 | recovery s.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { openPGlite } from '../src/db/pglite.js'
import { freePort } from '../bench/processes.js'
import { authEnvironment, benchToken, makeBenchKeys } from '../bench/tokens.js'
import { checkWrites, type Query, waitSealed } from './check.js'
import { Cluster } from './cluster.js'
import { type LoadResult, recoverySeconds, runLoad, startLoad, type Target } from './load.js'
import { Service } from './service.js'

const LOG_DIRECTORY = path.resolve('drill', 'logs')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Row {
  fault: string
  load: LoadResult
  lost: number
  halfDone: number
  recovery: string
  chainIntact: boolean
  notes: string[]
  failed: boolean
}

async function call(
  url: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, json: text ? JSON.parse(text) : undefined }
}

/** The cast on a fresh database: an NGO caseworker who writes, an oversight auditor who verifies. */
async function createCast(url: string, admin: string): Promise<{ ngoOrg: string }> {
  const ngoOrg = (await call(url, admin, 'POST', '/organizations', { name: 'Drill NGO', kind: 'civil_society' })).json.id
  const oversightOrg = (await call(url, admin, 'POST', '/organizations', { name: 'Drill oversight', kind: 'oversight_body' })).json.id
  await call(url, admin, 'POST', '/users', {
    subject: 'drill-ngo',
    displayName: 'Drill caseworker',
    role: 'ngo_caseworker',
    organizationId: ngoOrg,
  })
  await call(url, admin, 'POST', '/users', {
    subject: 'drill-auditor',
    displayName: 'Drill auditor',
    role: 'oversight_auditor',
    organizationId: oversightOrg,
  })
  return { ngoOrg }
}

/** Where a row's writes are checked: the database, and whether the chain verifies. */
interface Checked {
  readonly query: Query
  readonly chainVerifies: () => Promise<boolean>
}

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
  if (build.status !== 0) throw new Error('npm run build failed')

  const cluster = await Cluster.create()
  const services: Service[] = []
  const rows: Row[] = []
  try {
    await cluster.query('CREATE DATABASE drill', 'postgres')
    const keys = makeBenchKeys()
    const environment = (database: string) => ({
      ...authEnvironment(keys),
      DATABASE_URL: cluster.url(database),
      BOOTSTRAP_ADMIN_SUBJECT: 'drill-admin',
      DEMO_DATA: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
      AUDIT_SEAL_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
    })
    const primary = new Service('service-a', await freePort(), environment('drill'), LOG_DIRECTORY)
    services.push(primary)
    await primary.start()

    // The cast: a caseworker who writes, an auditor who verifies, a second caseworker to deactivate.
    const admin = benchToken(keys, 'drill-admin')
    const { ngoOrg } = await createCast(primary.url, admin)
    const ngo = benchToken(keys, 'drill-ngo')
    const auditor = benchToken(keys, 'drill-auditor')
    const target = (service: Service): Target => ({ url: () => service.url, token: ngo })
    /** The auditor's verification of the whole chain, through the service. */
    const verifies = async (service: Service) => {
      const verify = await call(service.url, auditor, 'GET', '/audit-events/verify')
      return verify.status === 200 && verify.json.intact === true
    }

    async function finish(
      fault: string,
      load: LoadResult,
      recoveryFrom: number | undefined,
      notes: string[],
      extraFailure = false,
      checked: Checked = { query: (text, values) => cluster.query(text, 'drill', values), chainVerifies: () => verifies(primary) },
    ): Promise<void> {
      const sealed = await waitSealed(checked.query)
      const chainVerifies = await checked.chainVerifies()
      const { lost, halfDone } = await checkWrites(checked.query, load)
      const recovery = recoveryFrom === undefined ? '–' : String(recoverySeconds(load, recoveryFrom) ?? 'never')
      const chainIntact = sealed && chainVerifies
      const slow = recoveryFrom !== undefined && !(Number(recovery) <= 5)
      if (!services.every((service) => service.running)) notes.push('a service process died')
      rows.push({
        fault,
        load,
        lost,
        halfDone,
        recovery,
        chainIntact,
        notes,
        failed:
          extraFailure ||
          slow ||
          lost > 0 ||
          halfDone > 0 ||
          load.other5xx > 0 ||
          !chainIntact ||
          !services.every((service) => service.running),
      })
    }

    // 0. No fault: the baseline the checks must pass as they are.
    await finish('none (baseline)', await runLoad([target(primary)], 4), undefined, [])

    // 1. PostgreSQL killed mid-load and restarted.
    {
      const load = startLoad([target(primary)])
      await sleep(2_000)
      cluster.kill()
      await sleep(1_000)
      await cluster.start()
      const acceptingAt = await cluster.waitAccepting()
      await sleep(6_000)
      const result = await load.stop()
      const unavailable = result.attempts.filter((attempt) => attempt.status === 503).length
      await finish('PostgreSQL SIGKILL + restart', result, acceptingAt, [`${unavailable} × 503 during the outage`])
    }

    // 2. The service killed mid-load and restarted.
    {
      const load = startLoad([target(primary)])
      await sleep(2_000)
      await primary.kill('SIGKILL')
      await primary.start()
      const readyAt = Date.now()
      await sleep(4_000)
      await finish('service SIGKILL + restart', await load.stop(), readyAt, [])
    }

    // 3. Two instances on one database.
    {
      const second = new Service('service-b', await freePort(), environment('drill'), LOG_DIRECTORY)
      services.push(second)
      await second.start()
      const notes: string[] = []
      let failed = false
      const load = runLoad([target(primary), target(second)], 6)
      // The same Idempotency-Key sent to both at once makes one case.
      const key = `drill-same-${Date.now()}`
      const both = await Promise.all(
        [primary, second].map((service) =>
          call(service.url, ngo, 'POST', '/cases', { riskLevel: 'low', identity: { givenName: key } }, { 'idempotency-key': key }),
        ),
      )
      const made = Number(
        (await cluster.query(`SELECT count(*) AS n FROM cases WHERE identity->>'givenName' = $1`, 'drill', [key])).rows[0].n,
      )
      notes.push(`same Idempotency-Key on both: answers ${both.map((answer) => answer.status).join('/')}, ${made} case`)
      if (made !== 1) failed = true
      // A user deactivated through one instance is refused by the other on its next request.
      const user = (
        await call(primary.url, admin, 'POST', '/users', {
          subject: 'drill-leaver',
          displayName: 'Drill leaver',
          role: 'ngo_caseworker',
          organizationId: ngoOrg,
        })
      ).json
      const leaver = benchToken(keys, 'drill-leaver')
      const before = (await call(second.url, leaver, 'GET', '/me')).status
      await call(primary.url, admin, 'PATCH', `/users/${user.id}`, { active: false })
      const after = (await call(second.url, leaver, 'GET', '/me')).status
      notes.push(`deactivated on A: ${before} → ${after} on B`)
      if (before !== 200 || after !== 401) failed = true
      await finish('two instances, one database', await load, undefined, notes, failed)
      await second.kill('SIGTERM')
      services.pop()
    }

    // 3b. The rate limit across two instances: one budget for both with REDIS_URL, one each without.
    {
      const budget = 20
      // A Redis database number of the drill's own, so that its counters meet nobody else's.
      const redisUrl = process.env.DRILL_REDIS_URL ?? 'redis://127.0.0.1:6379/13'
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
      // Only the service's own keys in that database (an earlier drill's counters).
      const clearCounters = async () => {
        const keys = await redis.keys('atd:*')
        if (keys.length > 0) await redis.del(...keys)
      }
      const notes: string[] = []
      let failed = false
      const probe = async (pair: Service[], count: number) => {
        const answers: { instance: number; status: number }[] = []
        for (let index = 0; index < count; index++) {
          const instance = index % pair.length
          answers.push({ instance, status: (await call(pair[instance]!.url, ngo, 'GET', '/me')).status })
        }
        return answers
      }
      const allowed = (answers: { instance: number; status: number }[], instance?: number) =>
        answers.filter((answer) => answer.status === 200 && (instance === undefined || answer.instance === instance)).length
      const limited = (answers: { instance: number; status: number }[], instance: number) =>
        answers.some((answer) => answer.status === 429 && answer.instance === instance)
      const pairOf = async (names: [string, string], extra: Record<string, string>) => {
        const pair: Service[] = []
        for (const name of names) {
          const service = new Service(
            name,
            await freePort(),
            { ...environment('drill'), RATE_LIMIT_PER_MINUTE: String(budget), ...extra },
            LOG_DIRECTORY,
          )
          services.push(service)
          await service.start()
          pair.push(service)
        }
        return pair
      }
      const stop = async (pair: Service[]) => {
        for (const service of pair) {
          await service.kill('SIGTERM')
          services.splice(services.indexOf(service), 1)
        }
      }
      const answers: { instance: number; status: number }[] = []
      try {
        await redis.connect()
        await clearCounters()
        const shared = await pairOf(['service-redis-a', 'service-redis-b'], { REDIS_URL: redisUrl })
        const sharedAnswers = await probe(shared, budget + 10)
        answers.push(...sharedAnswers)
        await stop(shared)
        notes.push(
          `REDIS_URL on both, ${budget} a minute: ${allowed(sharedAnswers)} of ${sharedAnswers.length} allowed across both ` +
            `(${allowed(sharedAnswers, 0)} on A, ${allowed(sharedAnswers, 1)} on B), then 429 on both`,
        )
        if (allowed(sharedAnswers) !== budget || !limited(sharedAnswers, 0) || !limited(sharedAnswers, 1)) failed = true
        await clearCounters()
      } catch (error) {
        notes.push(`Redis at ${redisUrl} not usable: ${(error as Error).message}`)
        failed = true
      } finally {
        redis.disconnect()
      }
      const separate = await pairOf(['service-memory-a', 'service-memory-b'], {})
      const separateAnswers = await probe(separate, 2 * budget + 10)
      answers.push(...separateAnswers)
      await stop(separate)
      notes.push(
        `without REDIS_URL: ${allowed(separateAnswers, 0)} allowed on A and ${allowed(separateAnswers, 1)} on B ` +
          `(${budget} each) of ${separateAnswers.length}`,
      )
      if (allowed(separateAnswers, 0) !== budget || allowed(separateAnswers, 1) !== budget) failed = true
      const probes: LoadResult = {
        attempts: [],
        requests: answers.length,
        acknowledged: allowed(answers),
        other5xx: answers.filter((answer) => answer.status >= 500 && answer.status !== 503).length,
      }
      await finish('rate limit, two instances', probes, undefined, notes, failed)
    }

    // 4. The database turned read-only, then writable again.
    {
      const load = startLoad([target(primary)])
      await sleep(2_000)
      await cluster.execute(['ALTER SYSTEM SET default_transaction_read_only = on', 'SELECT pg_reload_conf()'])
      await sleep(3_000)
      await cluster.execute([
        'SET default_transaction_read_only = off',
        'ALTER SYSTEM RESET default_transaction_read_only',
        'SELECT pg_reload_conf()',
      ])
      const writableAt = Date.now()
      await sleep(4_000)
      const result = await load.stop()
      const unavailable = result.attempts.filter((attempt) => attempt.status === 503).length
      await finish('database read-only', result, writableAt, [`${unavailable} × 503 while read-only`], unavailable === 0)
    }

    // 5. Backup and restore: pg_dump during load, pg_restore into a fresh database, a service on it.
    {
      const checkpoint = (await call(primary.url, auditor, 'GET', '/audit-events/checkpoint')).json
      const load = runLoad([target(primary)], 6)
      await sleep(2_000)
      const dumpFile = path.join(cluster.directory, 'drill.dump')
      cluster.dump('drill', dumpFile)
      const result = await load
      await cluster.query('CREATE DATABASE drill_restored', 'postgres')
      const restoreStarted = Date.now()
      cluster.restore(dumpFile, 'drill_restored')
      const restored = new Service('service-restored', await freePort(), environment('drill_restored'), LOG_DIRECTORY)
      services.push(restored)
      await restored.start()
      const restoreSeconds = (Date.now() - restoreStarted) / 1000
      const verified = await call(restored.url, auditor, 'GET', '/audit-events/verify')
      const againstCheckpoint = await call(
        restored.url,
        auditor,
        'GET',
        `/audit-events/verify?checkpointSeq=${checkpoint.seq}&checkpointHash=${checkpoint.hash}`,
      )
      const notes = [
        `restore + start ${restoreSeconds.toFixed(1)} s`,
        `restored chain intact: ${verified.json?.intact}`,
        `checkpoint #${checkpoint.seq} kept before the backup verifies on the restore: ${againstCheckpoint.json?.intact}`,
      ]
      await finish(
        'backup (pg_dump) + restore',
        result,
        undefined,
        notes,
        verified.json?.intact !== true || againstCheckpoint.json?.intact !== true,
      )
      await restored.kill('SIGTERM')
      services.pop()
    }

    // 6. The embedded database: its data folder copied while the service is stopped (README,
    // "Backup and restore"), a service started on the copy. The service is stopped mid-load with
    // SIGTERM, as an operator stops it: what it acknowledged must be in the copy.
    {
      const folder = mkdtempSync(path.join(tmpdir(), 'atd-drill-embedded-'))
      const original = path.join(folder, 'original')
      const copy = path.join(folder, 'copy')
      const embeddedEnvironment = (dataDir: string) => ({ ...environment('drill'), DATABASE_URL: undefined, DATA_DIR: dataDir })
      const embedded = new Service('service-embedded', await freePort(), embeddedEnvironment(original), LOG_DIRECTORY)
      services.push(embedded)
      await embedded.start()
      await createCast(embedded.url, admin)
      const load = startLoad([target(embedded)])
      await sleep(2_000)
      const checkpoint = (await call(embedded.url, auditor, 'GET', '/audit-events/checkpoint')).json
      await sleep(2_000)
      await embedded.kill('SIGTERM')
      const result = await load.stop()
      cpSync(original, copy, { recursive: true })
      const restored = new Service('service-embedded-copy', await freePort(), embeddedEnvironment(copy), LOG_DIRECTORY)
      services.splice(services.indexOf(embedded), 1, restored)
      const startedAt = Date.now()
      await restored.start()
      const startSeconds = (Date.now() - startedAt) / 1000
      const chainVerifies = await verifies(restored)
      const againstCheckpoint = await call(
        restored.url,
        auditor,
        'GET',
        `/audit-events/verify?checkpointSeq=${checkpoint.seq}&checkpointHash=${checkpoint.hash}`,
      )
      // The copy is read in this process once its service has stopped: one process at a time.
      await restored.kill('SIGTERM')
      services.pop()
      const pglite = await openPGlite(path.join(copy, 'pglite'))
      try {
        await finish(
          'backup (embedded folder) + restore',
          result,
          undefined,
          [
            `stopped with SIGTERM mid-load, folder copied, start on the copy ${startSeconds.toFixed(1)} s`,
            `checkpoint #${checkpoint.seq} kept before the stop verifies on the copy: ${againstCheckpoint.json?.intact}`,
          ],
          againstCheckpoint.json?.intact !== true,
          { query: (text, values) => pglite.query(text, values), chainVerifies: async () => chainVerifies },
        )
      } finally {
        await pglite.close()
        rmSync(folder, { recursive: true, force: true })
      }
    }
  } finally {
    for (const service of services) await service.kill('SIGTERM')
    cluster.stop()
  }

  const header = ['fault', 'requests', 'acknowledged', 'lost', 'half-done', '5xx other than 503', 'recovery s', 'chain', 'verdict']
  const lines = rows.map((row) =>
    [
      row.fault,
      row.load.requests,
      row.load.acknowledged,
      row.lost,
      row.halfDone,
      row.load.other5xx,
      row.recovery,
      row.chainIntact ? 'verifies' : 'BROKEN',
      row.failed ? 'FAIL' : 'ok',
    ].map(String),
  )
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)))
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  process.stdout.write(
    `\n${format(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n${lines.map(format).join('\n')}\n\n`,
  )
  for (const row of rows) for (const note of row.notes) process.stdout.write(`  ${row.fault}: ${note}\n`)
  process.stdout.write(`\nService logs: ${LOG_DIRECTORY}\n`)
  process.exitCode = rows.some((row) => row.failed) ? 1 : 0
}

await main()

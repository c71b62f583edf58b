import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { awaitSealed, benchDatabaseUrl, ensureBenchDatabase, quiesce, tableExists, withClient } from './bench-database.js'
import { type CapturedScenarios, captureScenarioSql } from './capture-sql.js'
import type { CpuByProcess } from './cpu-time.js'
import { generate } from './generate.js'
import { type LoadRequest, type LoadSummary, residentMb, runLoad } from './load.js'
import { runOpenLoad } from './open-load.js'
import { type Server, startServer } from './processes.js'
import { readProfile, scenarioProfile, summarizeByModule, summarizeProfile } from './profile-summary.js'
import { type PrintableReport, type ScaleMeasurement, printTable } from './report.js'
import { ensureAssignments } from './assignments.js'
import { REPAIR_FUTURE_TIMES } from './case-sql.js'
import { PATCH_SCRIPT, READ_SCRIPT, caseScript, replayScripts, writeReplayScripts } from './replay.js'
import {
  LIST_PATHS,
  SEARCH_PATHS,
  listRequest,
  patchRequest,
  pathsRequest,
  readRequest,
  searchRequest,
  statisticsPaths,
  taskPaths,
} from './scenario-requests.js'
import { ACTORS, caseIdsOf, floorActorHeaders } from './scenarios.js'
import { authEnvironment, benchToken, makeBenchKeys, type BenchKeys } from './tokens.js'

const RESULTS_DIRECTORY = path.resolve('bench', 'results')

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    'audit-events': { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '64' },
    only: { type: 'string' },
    'scale-check': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    reset: { type: 'boolean', default: false },
    // Two database names on the bench server for --scale-check, small then large (generated once
    // and reused like the main one); by default <main database>_scale_10000 and _scale_1000000.
    'scale-databases': { type: 'string' },
    // Where the JSON report goes (default bench/results/latest.json).
    output: { type: 'string' },
    // Only the scale check (no main run).
    'scale-only': { type: 'boolean', default: false },
    // Measured runs of each target of a comparison, alternating between the targets (median counts).
    rounds: { type: 'string', default: '3' },
    // The scale check also at this offered load (requests per second; choose one below what either
    // size can serve): how a search's own latency grows with the cases, apart from saturation's queue.
    'scale-rate': { type: 'string' },
  },
})

const durationSeconds = Number(args.duration)
const warmupSeconds = Number(args.warmup ?? Math.max(2, Math.round(durationSeconds / 3)))
const connections = Number(args.connections)
const rounds = Number(args.rounds)
const only = args.only ? new Set(args.only.split(',')) : undefined
const scaleRate = args['scale-rate'] === undefined ? undefined : Number(args['scale-rate'])
if (scaleRate !== undefined && !(scaleRate > 0)) throw new Error(`--scale-rate takes requests per second, not "${args['scale-rate']}"`)
const wanted = (scenario: string) => !only || only.has(scenario)

export interface ScenarioResult {
  readonly name: string
  readonly service: LoadSummary & { preconditionFailed?: number; lostUpdates?: number }
  readonly floor: (LoadSummary & { preconditionFailed?: number; lostUpdates?: number }) | undefined
  /** The read only: BEGIN; SELECT; INSERT audit; COMMIT, the textbook audited read. */
  readonly naiveFloor?: LoadSummary | undefined
  /** The read's floor with its statement prepared once per connection, as the service sends it. */
  readonly preparedFloor?: LoadSummary | undefined
  readonly roundTrips: { service: number; floor: number | undefined; naive?: number }
}

interface Targets {
  readonly server: Server
  readonly headers: Record<string, string>
}

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}

async function warmThenMeasure(target: Targets, request: () => LoadRequest, requestsPerSecond?: number): Promise<LoadSummary> {
  if (target.server.databaseUrl) {
    const sealingFrom = Date.now()
    const pending = await awaitSealed(target.server.databaseUrl)
    if (pending > 0) log(`    ${pending} audit events still unsealed after 60 s`)
    else if (Date.now() - sealingFrom > 1000)
      log(`    waited ${((Date.now() - sealingFrom) / 1000).toFixed(1)} s for the sealer to chain the runs before`)
    const cancelled = await quiesce(target.server.databaseUrl)
    if (cancelled > 0) log(`    cancelled ${cancelled} statements still running from the run before`)
  }
  const load = {
    url: target.server.url,
    connections,
    warmupSeconds,
    durationSeconds,
    request: request(),
    headers: target.headers,
    pid: target.server.pid,
  }
  return requestsPerSecond ? runOpenLoad({ ...load, requestsPerSecond }) : runLoad(load)
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Several runs of one target as one: the medians of their rates and latencies, the sums of their counts. */
export type RoundsSummary = LoadSummary & { readonly requestsPerSecondRounds: number[]; readonly p99RoundsMs: number[] }

function medianOfRounds(runs: readonly LoadSummary[]): RoundsSummary {
  const statusCounts: Record<string, number> = {}
  for (const run of runs)
    for (const [status, count] of Object.entries(run.statusCounts)) statusCounts[status] = (statusCounts[status] ?? 0) + count
  const rss = runs.map((run) => run.peakRssMb).filter((mb): mb is number => mb !== undefined)
  return {
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    statusCounts,
    peakRssMb: rss.length > 0 ? Math.max(...rss) : undefined,
    measuredWindowsMicros: runs.flatMap((run) => run.measuredWindowsMicros),
    requestsPerSecondRounds: runs.map((run) => run.requestsPerSecond),
    p99RoundsMs: runs.map((run) => run.p99Ms),
    cpuMsPerRequest: medianCpu(runs),
  }
}

/** Each process's CPU per request, the median of the rounds that measured it. */
function medianCpu(runs: readonly LoadSummary[]): CpuByProcess | undefined {
  const of = (name: keyof CpuByProcess) => {
    const values = runs.map((run) => run.cpuMsPerRequest?.[name]).filter((ms): ms is number => ms !== undefined)
    return values.length > 0 ? median(values) : undefined
  }
  const cpu = { service: of('service'), database: of('database'), loadGenerator: of('loadGenerator') }
  return Object.values(cpu).some((ms) => ms !== undefined) ? cpu : undefined
}

/**
 * Each target measured `rounds` times, the targets taking turns within each round, each figure the
 * median of its rounds. A run's p99 on this 2-core virtual machine is decided by its few slowest
 * requests, and one pause of the machine (another tenant, a checkpoint) in one run lands on every
 * request in flight: the list's p99 against its floor measured 0.91 to 1.9 in single runs of the
 * same night. Alternating keeps a slow minute from falling on one target only.
 */
async function measureInTurns(
  targets: readonly { label: string; target: Targets }[],
  request: () => LoadRequest,
  requestsPerSecond?: number,
): Promise<RoundsSummary[]> {
  const runs = targets.map(() => [] as LoadSummary[])
  for (let round = 1; round <= rounds; round++) {
    for (const [index, { label, target }] of targets.entries()) {
      log(`    ${label}, round ${round} of ${rounds}…`)
      runs[index]!.push(await warmThenMeasure(target, request, requestsPerSecond))
    }
  }
  return runs.map(medianOfRounds)
}

/** The service against its floor, in turns. */
async function alternate(service: Targets, floor: Targets | undefined, request: () => LoadRequest) {
  const targets = [{ label: 'service', target: service }, ...(floor ? [{ label: 'floor', target: floor }] : [])]
  const [serviceSummary, floorSummary] = await measureInTurns(targets, request)
  return { service: serviceSummary!, floor: floorSummary }
}

async function fetchEtag(target: Targets, id: string): Promise<string | undefined> {
  const response = await fetch(`${target.server.url}/cases/${id}`, { headers: target.headers })
  await response.arrayBuffer()
  return response.ok ? (response.headers.get('etag') ?? undefined) : undefined
}

async function versionsOf(databaseUrl: string, ids: readonly string[]): Promise<Map<string, number>> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ id: string; version: number }>('SELECT id, version FROM cases WHERE id = ANY($1::uuid[])', [ids])
    return new Map(rows.map((row) => [row.id, row.version]))
  })
}

/** PATCH runs on their own idle-case queue; afterwards every success must show as a version step. */
async function measurePatch(databaseUrl: string, target: Targets, caseIds: readonly string[]) {
  const run = async () => {
    await awaitSealed(databaseUrl)
    const idle: { id: string; etag: string }[] = []
    for (const id of caseIds) {
      const etag = await fetchEtag(target, id)
      if (etag) idle.push({ id, etag })
    }
    const before = await versionsOf(databaseUrl, caseIds)
    const { request, tally } = patchRequest({ idle, headers: target.headers, refetch: (id) => fetchEtag(target, id) })
    const summary = await runLoad({
      url: target.server.url,
      connections,
      warmupSeconds,
      durationSeconds,
      request,
      headers: target.headers,
      pid: target.server.pid,
    })
    // Let answers still in flight land before the versions are read.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = await versionsOf(databaseUrl, caseIds)
    let lostUpdates = 0
    for (const [id, successes] of tally.successes) {
      const steps = (after.get(id) ?? 0) - (before.get(id) ?? 0)
      if (steps < successes) lostUpdates += successes - steps
    }
    return { ...summary, preconditionFailed: tally.preconditionFailed, lostUpdates }
  }
  return run()
}

async function timedRequests(target: Targets, urlPath: string, times: number): Promise<{ ms: number[]; status: number; body: unknown }> {
  const ms: number[] = []
  let status = 0
  let body: unknown
  for (let attempt = 0; attempt < times; attempt++) {
    const started = performance.now()
    const response = await fetch(`${target.server.url}${urlPath}`, { headers: target.headers })
    body = await response.json().catch(() => undefined)
    ms.push(Math.round(performance.now() - started))
    status = response.status
    if (status === 404) break
  }
  return { ms, status, body }
}

/** Round trips of a replayed scenario: its first request's statements, the same for service and floor. */
function replayTrips(captured: CapturedScenarios, scenario: string): { service: number; floor: number } {
  const first = Object.entries(captured).find(([name]) => name.startsWith(`${scenario} `))?.[1]
  const service = first?.statements.length ?? 0
  return {
    service,
    floor: first ? first.statements.filter((s) => !s.sql.trim().toLowerCase().startsWith('select "users"."id"')).length : 0,
  }
}

/** The statements the service sends per scenario (the floor replays them, bench/replay.ts). */
function roundTripsOf(captured: CapturedScenarios) {
  const roundTrips: Record<string, { service: number; floor: number }> = {}
  for (const [name, capture] of Object.entries(captured)) {
    const withoutUserLookup = capture.statements.filter(
      (statement) => !statement.sql.trim().toLowerCase().startsWith('select "users"."id"'),
    )
    roundTrips[name] = { service: capture.statements.length, floor: withoutUserLookup.length }
  }
  return roundTrips
}

async function machineFacts(databaseUrl: string) {
  const postgres = await withClient(
    databaseUrl,
    async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version,
  )
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: loadAverage(),
  }
}

/** The machine's load averages over 1, 5 and 15 minutes, to two decimals. */
const loadAverage = () => os.loadavg().map((load) => Number(load.toFixed(2)))

interface Generation {
  readonly cases: number
  readonly auditEvents: number
  readonly seconds: number
  readonly loadAverage: number[]
  readonly finishedAt: string
}

/** The finished generation this database holds, or undefined if it was interrupted (or never made). */
async function generationOf(databaseUrl: string): Promise<Generation | undefined> {
  return withClient(databaseUrl, async (client) => {
    if (!(await tableExists(client, 'bench_generation'))) return undefined
    const { rows } = await client.query<{
      cases: number
      audit_events: number
      seconds: number
      load_average: number[]
      finished_at: Date
    }>('SELECT * FROM bench_generation ORDER BY finished_at DESC LIMIT 1')
    const row = rows[0]
    return row
      ? {
          cases: row.cases,
          auditEvents: row.audit_events,
          seconds: row.seconds,
          loadAverage: row.load_average,
          finishedAt: row.finished_at.toISOString(),
        }
      : undefined
  })
}

/**
 * Generates the bench data once: a database that holds a finished generation is reused as it is
 * (pass --reset to generate again), after the bench's later additions are brought to it.
 */
async function ensureData(databaseUrl: string, cases: number, auditEvents: number): Promise<Generation> {
  if (args.reset) await generate({ databaseUrl, cases, auditEvents, reset: true, log })
  await ensureBenchDatabase(databaseUrl)
  let generation = await generationOf(databaseUrl)
  if (!generation) {
    const existing = await withClient(databaseUrl, async (client) =>
      Number((await client.query<{ count: string }>('SELECT count(*) AS count FROM cases')).rows[0]?.count),
    )
    if (existing > 0)
      throw new Error(`${databaseUrl} holds ${existing} cases but no finished generation (interrupted?); pass --reset to generate again`)
    log(`generating ${cases.toLocaleString('en')} cases…`)
    await generate({ databaseUrl, cases, auditEvents, log })
    generation = await generationOf(databaseUrl)
    if (!generation) throw new Error('the generation left no record')
  } else {
    log(
      `reusing ${generation.cases.toLocaleString('en')} cases and ${generation.auditEvents.toLocaleString('en')} audit events generated in ${generation.seconds} s (${databaseUrl})`,
    )
  }
  await withClient(databaseUrl, async (client) => {
    const assigned = await ensureAssignments(client)
    if (assigned > 0) log(`  assigned ${assigned.toLocaleString('en')} cases (a caseload per user)`)
    const repaired = await client.query(REPAIR_FUTURE_TIMES)
    if (repaired.rowCount) log(`  brought ${repaired.rowCount} derived times back from the future`)
  })
  return generation
}

/** tsx's loader runs in a worker thread that writes its own small profile: the main thread's is the largest. */
function newestMainThreadProfile(since: number): string | undefined {
  const files = readdirSync(RESULTS_DIRECTORY)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(RESULTS_DIRECTORY, name))
    .filter((file) => statSync(file).mtimeMs >= since)
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0]
}

/** The container's heap limit (Dockerfile: NODE_OPTIONS). */
const DEPLOYED_HEAP_LIMIT = '--max-old-space-size=192'

function startService(databaseUrl: string, keys: BenchKeys, profile = false): Promise<Server> {
  return startServer({
    name: 'service',
    // The compiled server, as the container runs it (built by main() before any run).
    entry: 'dist/src/server.js',
    env: {
      ...authEnvironment(keys),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000000',
      DEMO_DATA: 'false',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'atd-bench-')),
    },
    // The heap settings of the container (Dockerfile, NODE_OPTIONS); BENCH_SERVICE_NODE_ARGS measures others.
    nodeArguments: [
      ...(process.env.BENCH_SERVICE_NODE_ARGS?.split(' ') ?? [DEPLOYED_HEAP_LIMIT]),
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS_DIRECTORY}`] : []),
    ],
    readyPath: '/health',
    logDirectory: RESULTS_DIRECTORY,
  })
}

/** The databases of the scale check: small, then large. */
function scaleDatabases(): { url: string; cases: number }[] {
  const base = benchDatabaseUrl()
  const named = args['scale-databases']?.split(',')
  const sizes = [10_000, 1_000_000]
  return sizes.map((cases, index) => {
    const url = new URL(base)
    url.pathname = named?.[index] ? `/${named[index]}` : `${url.pathname}_scale_${cases}`
    return { url: url.toString(), cases }
  })
}

/** The scenarios whose cost must not grow with the number of cases, as the protection officer. */
const SCALE_SCENARIOS = { list: listRequest, search: searchRequest, tasks: pathsRequest(taskPaths()) }

/**
 * p99 of list, search and tasks on a small and a large database (issue 12, issue 15): the scope
 * filter, the name match and the caseload must not cost more with more cases.
 *
 * A service per database runs throughout, and the two sizes are measured in turns (measureInTurns),
 * each size's p99 the median of its rounds.
 */
async function scaleCheck(keys: BenchKeys) {
  const services: { cases: number; service: Server }[] = []
  try {
    for (const { url: databaseUrl, cases } of scaleDatabases()) {
      const generation = await ensureData(databaseUrl, cases, 10_000)
      services.push({ cases: generation.cases, service: await startService(databaseUrl, keys) })
    }
    const headers = { authorization: `Bearer ${benchToken(keys, ACTORS.protectionOfficer.subject)}` }
    const saturated = await measureSizes(services, headers)
    if (scaleRate === undefined) return saturated
    log(`  the same at ${scaleRate} requests per second offered…`)
    return { ...saturated, fixedRate: { requestsPerSecond: scaleRate, ...(await measureSizes(services, headers, scaleRate)) } }
  } finally {
    for (const { service } of services) await service.stop()
  }
}

/** Each scale scenario on each size, in turns; closed loop (saturated) unless a rate is offered. */
async function measureSizes(
  services: readonly { cases: number; service: Server }[],
  headers: Record<string, string>,
  requestsPerSecond?: number,
): Promise<ScaleMeasurement> {
  const results: ScaleMeasurement['results'] = []
  for (const [scenario, request] of Object.entries(SCALE_SCENARIOS)) {
    if (!wanted(scenario)) continue
    const summaries = await measureInTurns(
      services.map(({ cases, service }) => ({
        label: `${scenario} at ${cases.toLocaleString('en')} cases`,
        target: { server: service, headers },
      })),
      request,
      requestsPerSecond,
    )
    for (const [index, { cases }] of services.entries()) {
      const summary = summaries[index]!
      results.push({
        cases,
        scenario,
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        p99RoundsMs: summary.p99RoundsMs,
        requestsPerSecond: summary.requestsPerSecond,
        errors: summary.errors,
        cpuMsPerRequest: summary.cpuMsPerRequest,
      })
    }
  }
  const ratios: Record<string, number> = {}
  for (const scenario of Object.keys(SCALE_SCENARIOS)) {
    const [small, large] = results.filter((result) => result.scenario === scenario)
    if (small && large) ratios[scenario] = Number((large.p99Ms / Math.max(1, small.p99Ms)).toFixed(2))
  }
  return { results, p99Ratios: ratios }
}

function writeReport(report: PrintableReport): void {
  const resultFile = args.output ? path.resolve(args.output) : path.join(RESULTS_DIRECTORY, 'latest.json')
  writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`)
  printTable(report)
}

async function main(): Promise<void> {
  log('building the service (npm run build)…')
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
  mkdirSync(RESULTS_DIRECTORY, { recursive: true })
  if (args['scale-only']) {
    // The facts after the check: its databases may not exist before it generates them. The load
    // average is the one exception: read after the check, "at start" would repeat "at end".
    const loadAverageAtStart = loadAverage()
    const scaleCheckResult = await scaleCheck(makeBenchKeys())
    const machine = await machineFacts(scaleDatabases()[0]!.url)
    writeReport({
      ranAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAtStart, loadAverageAtEnd: loadAverage() },
      settings: { cases: 0, connections, durationSeconds, warmupSeconds, rounds },
      scenarios: [],
      scaleCheck: scaleCheckResult,
    })
    return
  }
  const databaseUrl = benchDatabaseUrl()
  const generation = await ensureData(databaseUrl, Number(args.cases), Number(args['audit-events']))
  const cases = generation.cases
  const machine = await machineFacts(databaseUrl)
  log('capturing the SQL of each scenario…')
  const tasksPaths = taskPaths()
  const replayed = { list: LIST_PATHS, search: SEARCH_PATHS, tasks: tasksPaths }
  const captured = await captureScenarioSql(databaseUrl, replayed)
  const roundTrips = roundTripsOf(captured)
  // The floor replays the service's own statements for the read, the PATCH, the list, the search and the tasks.
  const replayFile = path.join(RESULTS_DIRECTORY, 'replay-scripts.json')
  // The cases the read and the PATCH were captured on (bench/capture-sql.ts), replaced by the requested ones.
  const [capturedReadId, capturedPatchId] = await withClient(databaseUrl, (client) =>
    caseIdsOf(client, ACTORS.caseworker.organizationId, 2),
  )
  const readScriptStatements = caseScript(captured, 'read', String(capturedReadId))
  writeReplayScripts(replayFile, {
    ...replayScripts(captured, Object.keys(replayed)),
    [READ_SCRIPT]: readScriptStatements,
    [PATCH_SCRIPT]: caseScript(captured, 'patch', String(capturedPatchId)),
  })

  const keys = makeBenchKeys()
  // Profiles go to bench/results, where .gitignore keeps *.cpuprofile out of the repository.
  const profileSince = Date.now()
  const service = await startService(databaseUrl, keys, args['cpu-prof'])
  const floorServer = await startServer({
    name: 'floor',
    entry: 'bench/floor.ts',
    env: { DATABASE_URL: databaseUrl, FLOOR_REPLAY_FILE: replayFile },
    readyPath: '/health',
    logDirectory: RESULTS_DIRECTORY,
  })
  const as = (user: (typeof ACTORS)[keyof typeof ACTORS]) => ({
    service: { server: service, headers: { authorization: `Bearer ${benchToken(keys, user.subject)}` } },
    floor: { server: floorServer, headers: floorActorHeaders(user) },
  })
  const scenarios: ScenarioResult[] = []
  const extra: Record<string, unknown> = {}
  try {
    const caseworker = as(ACTORS.caseworker)
    const officer = as(ACTORS.protectionOfficer)
    const readIds = await withClient(databaseUrl, (client) => caseIdsOf(client, ACTORS.caseworker.organizationId, 5_000))
    if (wanted('read')) {
      log('read one case (ngo_caseworker): service, same-SQL floor, naive floor, prepared floor…')
      // The naive floor: BEGIN; SELECT; INSERT audit; COMMIT. The prepared floor: the same
      // statement as the floor's, prepared once per connection.
      const naive = { server: floorServer, headers: { ...caseworker.floor.headers, 'x-bench-floor': 'naive' } }
      const prepared = { server: floorServer, headers: { ...caseworker.floor.headers, 'x-bench-floor': 'prepared' } }
      const [service, floor, naiveFloor, preparedFloor] = await measureInTurns(
        [
          { label: 'service', target: caseworker.service },
          { label: 'floor', target: caseworker.floor },
          { label: 'naive floor', target: naive },
          { label: 'prepared floor', target: prepared },
        ],
        () => readRequest(readIds),
      )
      const floorTrips = readScriptStatements.length
      scenarios.push({
        name: 'read',
        service: service!,
        floor,
        naiveFloor,
        preparedFloor,
        roundTrips: { service: roundTrips.read?.service ?? 0, floor: floorTrips, naive: floorTrips + 2 },
      })
      log('the cost of the audit record: the same read with and without its insert…')
      const unaudited = { server: floorServer, headers: { ...caseworker.floor.headers, 'x-bench-audit': 'off' } }
      const cost = await alternate(caseworker.floor, unaudited, () => readRequest(readIds))
      extra.auditCost = {
        withTrail: { requestsPerSecond: cost.service.requestsPerSecond, p99Ms: cost.service.p99Ms },
        withoutTrail: { requestsPerSecond: cost.floor?.requestsPerSecond, p99Ms: cost.floor?.p99Ms },
        throughputRatio: cost.floor
          ? Number((cost.service.requestsPerSecond / Math.max(1, cost.floor.requestsPerSecond)).toFixed(2))
          : undefined,
      }
    }
    if (wanted('list')) {
      log('list with a stage filter (protection_officer of the federal Procuraduría)…')
      const result = await alternate(officer.service, officer.floor, listRequest)
      scenarios.push({ name: 'list', ...result, roundTrips: replayTrips(captured, 'list') })
    }
    if (wanted('search')) {
      // A name search with typos and names out of order (pg_trgm on the folded names, GIN index),
      // ranked by similarity, as the federal Procuraduría (a participant in ~40% of all cases).
      log('name search, misspelt (protection_officer of the federal Procuraduría)…')
      const result = await alternate(officer.service, officer.floor, searchRequest)
      scenarios.push({ name: 'search', ...result, roundTrips: replayTrips(captured, 'search') })
    }
    if (wanted('tasks')) {
      log('tasks: my overdue, all mine, mine due within the week (protection_officer)…')
      const result = await alternate(officer.service, officer.floor, pathsRequest(tasksPaths))
      scenarios.push({ name: 'tasks', ...result, roundTrips: replayTrips(captured, 'tasks') })
    }
    if (wanted('patch')) {
      log('PATCH a section with If-Match (ngo_caseworker)…')
      // Several cases per connection, never patched by two connections at once.
      const patchIds = readIds.slice(-connections * 4)
      const serviceResult = await measurePatch(databaseUrl, caseworker.service, patchIds)
      const floorResult = await measurePatch(databaseUrl, caseworker.floor, patchIds)
      scenarios.push({
        name: 'patch',
        service: serviceResult,
        floor: floorResult,
        roundTrips: roundTrips.patch ?? { service: 0, floor: undefined },
      })
    }
    const auditor = as(ACTORS.auditor).service
    if (wanted('statistics')) {
      // Fixed periods only (issue 13): a year, a quarter, a month, a week, in turn.
      const periods = statisticsPaths()
      const single = await timedRequests(auditor, periods[0]!, 3)
      log(`statistics (oversight_auditor, ${connections} clients, periods ${periods.map((p) => p.split('=')[1]).join(' ')})…`)
      const summary = await warmThenMeasure(auditor, pathsRequest(periods))
      scenarios.push({
        name: 'statistics',
        service: summary,
        floor: undefined,
        roundTrips: roundTrips.statistics ?? { service: 0, floor: undefined },
      })
      extra.statistics = { singleRequestMs: single.ms, status: single.status, periods }
    }
    if (wanted('verify')) {
      log('chain verification (single timed requests)…')
      const verify = await timedRequests(auditor, '/audit-events/verify', 3)
      extra.verify = { status: verify.status, ms: verify.ms, result: verify.body }
    }
  } finally {
    extra.serviceVmHwmMb = residentMb(service.pid, 'VmHWM')
    extra.floorVmHwmMb = residentMb(floorServer.pid, 'VmHWM')
    await service.stop()
    await floorServer.stop()
  }
  const file = args['cpu-prof'] ? newestMainThreadProfile(profileSince) : undefined
  if (file) {
    const profile = readProfile(file)
    extra.cpuProfile = {
      file: path.relative(process.cwd(), file),
      byModule: summarizeByModule(profile),
      topFunctions: summarizeProfile(profile, 25),
      // The profile spans the service's whole life, floors' runs included; cut to each scenario's
      // measured runs, it names that scenario's bottleneck.
      byScenario: Object.fromEntries(
        scenarios.map((scenario) => [scenario.name, scenarioProfile(profile, scenario.service.measuredWindowsMicros)]),
      ),
    }
  }
  if (args['scale-check']) extra.scaleCheck = await scaleCheck(keys)

  const ratio = (a: number, b: number) => Number((a / Math.max(1, b)).toFixed(2))
  const report = {
    ranAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    settings: { cases, auditEvents: generation.auditEvents, connections, durationSeconds, warmupSeconds, rounds },
    generation,
    scenarios: scenarios.map((scenario) => ({
      ...scenario,
      ratios: scenario.floor
        ? {
            throughput: ratio(scenario.service.requestsPerSecond, scenario.floor.requestsPerSecond),
            p99: ratio(scenario.service.p99Ms, scenario.floor.p99Ms),
            ...(scenario.naiveFloor
              ? { naiveThroughput: ratio(scenario.service.requestsPerSecond, scenario.naiveFloor.requestsPerSecond) }
              : {}),
            ...(scenario.preparedFloor
              ? { preparedThroughput: ratio(scenario.service.requestsPerSecond, scenario.preparedFloor.requestsPerSecond) }
              : {}),
          }
        : undefined,
    })),
    ...extra,
  }
  writeReport(report)
}

await main()

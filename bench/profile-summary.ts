import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

/** A stretch of time on the profile's clock (microseconds, monotonic): a scenario's measured runs. */
export type ProfileWindow = readonly [number, number]

export interface LoadedProfile {
  readonly byId: Map<number, ProfileNode>
  readonly parentOf: Map<number, number>
  /** Each sample: the node it hit and when. */
  readonly samples: { readonly node: ProfileNode; readonly at: number }[]
}

/** A V8 .cpuprofile, read once: its nodes, their parents, and each sample with its time. */
export function readProfile(file: string): LoadedProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[]
    samples: number[]
    timeDeltas: number[]
    startTime: number
  }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  let at = profile.startTime
  const samples = profile.samples.flatMap((id, index) => {
    at += profile.timeDeltas[index] ?? 0
    const node = byId.get(id)
    return node ? [{ node, at }] : []
  })
  return { byId, parentOf, samples }
}

/** The samples taken inside the windows. */
function samplesIn(profile: LoadedProfile, windows: readonly ProfileWindow[]) {
  return profile.samples.filter(({ at }) => windows.some(([from, to]) => at >= from && at < to))
}

const isIdle = (node: ProfileNode) => node.callFrame.functionName === '(idle)'

const share = (count: number, total: number) => `${((100 * count) / Math.max(1, total)).toFixed(1).padStart(5)}%`

/** Counts as `percent  key` lines, largest first. */
function ranked(counts: Map<string, number>, total: number, top: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => `${share(count, total)}  ${key}`)
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const item of items) {
    const key = keyOf(item)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

function functionOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url
    ? `${url.replace(/^file:\/\/.*?node_modules\//, 'node_modules/').replace(/^file:\/\/.*?\/src\//, 'src/')}:${lineNumber + 1}`
    : ''
  return `${functionName || '(anonymous)'}  ${where}`
}

/** A package (node_modules/<name>), a directory of the service's own, a Node module, or V8's own. */
function moduleOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame
  if (url.includes('node_modules/')) return `node_modules/${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`
  if (url.includes('/src/')) return `src/${/\/src\/([^/]+)/.exec(url)?.[1]}`
  if (url.startsWith('node:')) return url
  if (functionName === 'writev') return '(socket writes)'
  return functionName.startsWith('(') ? functionName : '(native/other)'
}

/** The functions with the most self time in a V8 .cpuprofile, as `percent  function  file:line`. */
export function summarizeProfile({ samples }: LoadedProfile, top: number): string[] {
  return ranked(
    countBy(samples, ({ node }) => functionOf(node)),
    samples.length,
    top,
  )
}

/** Self time grouped by package (node_modules/<name>) or by the service's own directories. */
export function summarizeByModule({ samples }: LoadedProfile): string[] {
  return ranked(
    countBy(samples, ({ node }) => moduleOf(node)),
    samples.length,
    25,
  )
}

/** Whether a sample's stack passes through the PostgreSQL driver (a statement being sent). */
function inDatabaseDriver(profile: LoadedProfile, node: ProfileNode): boolean {
  for (let id: number | undefined = node.id; id !== undefined; id = profile.parentOf.get(id)) {
    if (profile.byId.get(id)?.callFrame.url.includes('node_modules/pg/')) return true
  }
  return false
}

/**
 * What the service's main thread did during one scenario's measured runs: how busy it was, and,
 * as shares of its busy time, its socket writes (statements to PostgreSQL, answers to clients), its
 * largest modules and functions. A thread busy nearly all the time is the scenario's bottleneck;
 * one that idles waits for PostgreSQL.
 */
export function scenarioProfile(profile: LoadedProfile, windows: readonly ProfileWindow[]) {
  const inWindows = samplesIn(profile, windows)
  const busy = inWindows.filter(({ node }) => !isIdle(node))
  const writes = busy.filter(({ node }) => node.callFrame.functionName === 'writev')
  const toDatabase = writes.filter(({ node }) => inDatabaseDriver(profile, node)).length
  return {
    samples: inWindows.length,
    busyShare: share(busy.length, inWindows.length).trim(),
    socketWrites: {
      toDatabase: share(toDatabase, busy.length).trim(),
      toClients: share(writes.length - toDatabase, busy.length).trim(),
    },
    byModule: ranked(
      countBy(busy, ({ node }) => moduleOf(node)),
      busy.length,
      12,
    ),
    topFunctions: ranked(
      countBy(busy, ({ node }) => functionOf(node)),
      busy.length,
      12,
    ),
  }
}

export type ScenarioProfile = ReturnType<typeof scenarioProfile>

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2]
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile>')
  const profile = readProfile(file)
  process.stdout.write(`${summarizeByModule(profile).join('\n')}\n\n${summarizeProfile(profile, 40).join('\n')}\n`)
}

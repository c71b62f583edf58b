import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { type CpuByProcess, meterCpu } from './cpu-time.js'

/** One request as autocannon builds it: path, headers and body may change per request. */
export interface LoadRequest {
  readonly method: 'GET' | 'PATCH'
  setupRequest(request: autocannon.Request, context: Record<string, unknown>): autocannon.Request
  onResponse?(status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>): void
}

export interface LoadOptions {
  readonly url: string
  readonly connections: number
  /** Seconds of load before the measured window, on the same connections. */
  readonly warmupSeconds: number
  readonly durationSeconds: number
  readonly request: LoadRequest
  readonly headers: Record<string, string>
  /** The server's pid, to sample its memory while the load runs. */
  readonly pid: number | undefined
}

export interface LoadSummary {
  readonly requests: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Connection errors, timeouts and 5xx answers. */
  readonly errors: number
  readonly statusCounts: Record<string, number>
  readonly peakRssMb: number | undefined
  /**
   * When the measured requests ran, on the monotonic clock in microseconds: the clock V8 stamps a
   * CPU profile's samples with (on Linux), so a profile of the whole service can be cut per scenario.
   */
  readonly measuredWindowsMicros: readonly (readonly [number, number])[]
  /** CPU per answered request in the measured window, by process (cpu-time.ts). */
  readonly cpuMsPerRequest?: CpuByProcess | undefined
}

/** The monotonic clock in microseconds (process.hrtime, the clock of V8's profile timestamps). */
export const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n)

/** Resident memory of a process in MB, from /proc (Linux); undefined elsewhere. */
export function residentMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Math.round(Number(match[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}

/** A percentile of sorted values (nearest rank). */
const percentile = (sorted: readonly number[], share: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!

/** What a loop counted in its measured window: latencies in ms (any order), answers by status, errors. */
export interface Counted {
  readonly latencies: number[]
  readonly statusCounts: Record<string, number>
  readonly requestErrors: number
  readonly peakRssMb: number | undefined
}

/**
 * The measured window of a load run starting now, for both loops: it opens once the warm-up is over
 * (`from`, on performance.now()'s clock), and `summarize` works out its figures when the run ends,
 * with the CPU each process spent in it (cpu-time.ts).
 */
export function measuredWindow(options: Pick<LoadOptions, 'warmupSeconds' | 'durationSeconds' | 'pid'>) {
  const from = performance.now() + options.warmupSeconds * 1000
  const fromMicros = monotonicMicros() + options.warmupSeconds * 1_000_000
  const cpu = meterCpu(options.pid, options.warmupSeconds * 1000)
  return {
    from,
    summarize({ latencies, statusCounts, requestErrors, peakRssMb }: Counted): LoadSummary {
      const cpuMsPerRequest = cpu.stop(latencies.length)
      latencies.sort((a, b) => a - b)
      const serverErrors = Object.entries(statusCounts).reduce((sum, [status, count]) => (Number(status) >= 500 ? sum + count : sum), 0)
      return {
        requests: latencies.length,
        requestsPerSecond: Math.round(latencies.length / options.durationSeconds),
        p50Ms: Math.round(percentile(latencies, 0.5)),
        p99Ms: Math.round(percentile(latencies, 0.99)),
        errors: requestErrors + serverErrors,
        statusCounts,
        peakRssMb,
        measuredWindowsMicros: [[fromMicros, monotonicMicros()]],
        cpuMsPerRequest,
      }
    },
  }
}

/**
 * Load on `connections` connections opened once: the first `warmupSeconds` warm the server up, and
 * only requests sent after them count. Each run opening its own connections would measure the
 * accept queue instead: Node (libuv 1.45 and later) accepts one connection per turn of its event
 * loop, so under load the 64 first requests of a fresh run waited in the kernel's accept queue for
 * up to 2.3 s while the service's own response times never passed 420 ms, and that start was the
 * whole of a run's p99 (README, "Why the connections stay open across the warm-up").
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  let peakRss = residentMb(options.pid)
  const sampler = setInterval(() => {
    const rss = residentMb(options.pid)
    if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss)
  }, 200)
  const measured = measuredWindow(options)
  const latencies: number[] = []
  const statusCounts: Record<string, number> = {}
  let requestErrors = 0
  try {
    // Without a callback autocannon's instance is also the promise of its result.
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.warmupSeconds + options.durationSeconds,
      headers: options.headers,
      requests: [
        {
          method: options.request.method,
          setupRequest: options.request.setupRequest as never,
          ...(options.request.onResponse ? { onResponse: options.request.onResponse as never } : {}),
        },
      ],
    }) as unknown as autocannon.Instance & Promise<autocannon.Result>
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseMs: number) => {
      const now = performance.now()
      if (now - responseMs < measured.from) return
      latencies.push(responseMs)
      statusCounts[status] = (statusCounts[status] ?? 0) + 1
    })
    // autocannon counts timeouts among its request errors.
    instance.on('reqError', () => {
      if (performance.now() >= measured.from) requestErrors += 1
    })
    await instance
    return measured.summarize({ latencies, statusCounts, requestErrors, peakRssMb: peakRss })
  } finally {
    clearInterval(sampler)
  }
}

import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

/** One request as autocannon builds it: path, headers and body may change per request. */
export interface LoadRequest {
  readonly method: 'GET' | 'PATCH'
  setupRequest(request: autocannon.Request, context: Record<string, unknown>): autocannon.Request
  onResponse?(status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>): void
}

export interface LoadOptions {
  readonly url: string
  readonly connections: number
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
}

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

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  let peakRss = residentMb(options.pid)
  const sampler = setInterval(() => {
    const rss = residentMb(options.pid)
    if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss)
  }, 200)
  try {
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      headers: options.headers,
      requests: [
        {
          method: options.request.method,
          setupRequest: options.request.setupRequest as never,
          ...(options.request.onResponse ? { onResponse: options.request.onResponse as never } : {}),
        },
      ],
    })
    const statusCounts: Record<string, number> = {}
    for (const [status, { count }] of Object.entries(
      (result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats ?? {},
    )) {
      statusCounts[status] = count
    }
    const serverErrors = Object.entries(statusCounts).reduce((sum, [status, count]) => (Number(status) >= 500 ? sum + count : sum), 0)
    return {
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      // autocannon counts timeouts among its errors.
      errors: result.errors + serverErrors,
      statusCounts,
      peakRssMb: peakRss,
    }
  } finally {
    clearInterval(sampler)
  }
}

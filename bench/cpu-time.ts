import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

/**
 * Where a run's CPU went: milliseconds of CPU (user + system) per answered request, for the service,
 * the PostgreSQL server and the load generator, which share this machine's cores. A saturated run's
 * latency is its queue, so its p99 says only that a size costs more; these say which process pays
 * (on 6 December 2026: PostgreSQL, three quarters of the machine at both sizes). Read from /proc, so
 * on Linux only, and the database must run on the same machine; elsewhere the figures are absent.
 */
export interface CpuByProcess {
  readonly service: number | undefined
  readonly database: number | undefined
  readonly loadGenerator: number | undefined
}

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times (100 on every common Linux). */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** A process's command name and CPU so far (ms), or undefined when it is gone or /proc is absent. */
function processCpu(pid: number | string): { command: string; cpuMs: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command is in parentheses and may itself hold spaces or parentheses: the fields follow the last ')'.
  const close = stat.lastIndexOf(')')
  const fields = stat.slice(close + 2).split(' ')
  // After the command come state (field 3) … utime (14) and stime (15): indexes 11 and 12 here.
  const ticks = Number(fields[11]) + Number(fields[12])
  if (!Number.isFinite(ticks)) return undefined
  return { command: stat.slice(stat.indexOf('(') + 1, close), cpuMs: (ticks * 1000) / ticksPerSecond }
}

/** The CPU of every PostgreSQL server process on this machine (postmaster, backends, workers). */
function postgresCpuMs(): number | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  let total = 0
  let found = false
  for (const pid of pids) {
    const cpu = processCpu(pid)
    if (cpu?.command !== 'postgres') continue
    total += cpu.cpuMs
    found = true
  }
  return found ? total : undefined
}

/** CPU used so far (ms), by process. */
function snapshot(servicePid: number | undefined): CpuByProcess {
  const own = process.cpuUsage()
  return {
    service: servicePid === undefined ? undefined : processCpu(servicePid)?.cpuMs,
    database: postgresCpuMs(),
    loadGenerator: (own.user + own.system) / 1000,
  }
}

const perRequest = (before: number | undefined, after: number | undefined, requests: number) =>
  before === undefined || after === undefined || requests === 0 ? undefined : Number(((after - before) / requests).toFixed(2))

/**
 * Measures from `delayMs` from now (the end of a warm-up) until `stop` is called with the number of
 * requests answered in between. A backend that exits meanwhile takes its CPU with it, so the
 * database figure is a floor; the bench's connections stay open for the whole run.
 */
export function meterCpu(servicePid: number | undefined, delayMs: number): { stop(requests: number): CpuByProcess | undefined } {
  let before: CpuByProcess | undefined
  const timer = setTimeout(() => {
    before = snapshot(servicePid)
  }, delayMs)
  return {
    stop(requests) {
      clearTimeout(timer)
      if (!before) return undefined
      const after = snapshot(servicePid)
      return {
        service: perRequest(before.service, after.service, requests),
        database: perRequest(before.database, after.database, requests),
        loadGenerator: perRequest(before.loadGenerator, after.loadGenerator, requests),
      }
    },
  }
}

/** The stdout table: one line per scenario and target, then the ratios against the targets of issue 6. */

interface Summary {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  errors: number
  peakRssMb: number | undefined
  preconditionFailed?: number
  lostUpdates?: number
}

export interface PrintableReport {
  machine: { cores: number; cpuModel: string; memoryGb: number; node: string; postgres: string | undefined; loadAverageAtStart: number[] }
  settings: { cases: number; connections: number; durationSeconds: number; warmupSeconds: number }
  scenarios: {
    name: string
    service: Summary
    floor: Summary | undefined
    roundTrips: { service: number; floor: number | undefined }
    ratios: { throughput: number; p99: number } | undefined
  }[]
  statistics?: unknown
  verify?: unknown
  auditCost?: { withTrail: { requestsPerSecond: number }; withoutTrail: { requestsPerSecond?: number }; throughputRatio?: number }
  scaleCheck?: unknown
  warnings: string[]
}

/** Minimum throughput ratio and maximum p99 ratio per scenario (issue 6). */
const TARGETS: Record<string, { throughput: number; p99?: number }> = {
  read: { throughput: 0.7, p99: 1.5 },
  list: { throughput: 0.7 },
  patch: { throughput: 0.6 },
}
const RSS_LIMIT_MB = 250

const pad = (value: unknown, width: number) => String(value ?? '–').padStart(width)

export function printTable(report: PrintableReport): void {
  const out: string[] = []
  const { machine, settings } = report
  out.push(
    `\n${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, PostgreSQL ${machine.postgres}; load average at start ${machine.loadAverageAtStart.join(' ')}`,
    `${settings.cases.toLocaleString('en')} cases, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured per run\n`,
    `${'scenario'.padEnd(11)}${'target'.padEnd(9)}${pad('req/s', 8)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('errors', 8)}${pad('412', 6)}${pad('lost', 6)}${pad('RSS MB', 8)}${pad('DB trips', 10)}`,
  )
  for (const scenario of report.scenarios) {
    const line = (target: string, summary: Summary | undefined, trips: number | undefined) =>
      summary &&
      out.push(
        `${scenario.name.padEnd(11)}${target.padEnd(9)}${pad(summary.requestsPerSecond, 8)}${pad(summary.p50Ms, 8)}${pad(summary.p99Ms, 8)}${pad(summary.errors, 8)}${pad(summary.preconditionFailed, 6)}${pad(summary.lostUpdates, 6)}${pad(summary.peakRssMb, 8)}${pad(trips, 10)}`,
      )
    line('service', scenario.service, scenario.roundTrips.service)
    line('floor', scenario.floor, scenario.roundTrips.floor)
  }
  out.push('', `${'ratio service/floor'.padEnd(22)}${pad('req/s', 8)}${pad('target', 8)}${pad('p99', 8)}${pad('target', 8)}  verdict`)
  for (const scenario of report.scenarios) {
    if (!scenario.ratios) continue
    const target = TARGETS[scenario.name]
    const ok =
      !target || (scenario.ratios.throughput >= target.throughput && (target.p99 === undefined || scenario.ratios.p99 <= target.p99))
    out.push(
      `${scenario.name.padEnd(22)}${pad(scenario.ratios.throughput, 8)}${pad(target ? `≥${target.throughput}` : '', 8)}${pad(scenario.ratios.p99, 8)}${pad(target?.p99 ? `≤${target.p99}` : '', 8)}  ${ok ? 'met' : 'MISSED'}`,
    )
  }
  const peak = Math.max(...report.scenarios.map((scenario) => scenario.service.peakRssMb ?? 0))
  out.push(`service peak RSS under load: ${peak} MB (target < ${RSS_LIMIT_MB} MB: ${peak < RSS_LIMIT_MB ? 'met' : 'MISSED'})`)
  if (report.auditCost) {
    const { withTrail, withoutTrail, throughputRatio } = report.auditCost
    out.push(
      `cost of the audit record (floor read, same run): ${withTrail.requestsPerSecond} req/s with the trail, ${withoutTrail.requestsPerSecond} without (ratio ${throughputRatio})`,
    )
  }
  if (report.statistics) out.push(`statistics: ${JSON.stringify(report.statistics)} (target < 1000 ms at 1,000,000 cases)`)
  if (report.verify) {
    const verify = report.verify as { ms?: number[]; status?: number; result?: { verifiedThrough?: number; intact?: boolean } }
    out.push(
      `chain verification: HTTP ${verify.status}, ${verify.ms?.join(' / ')} ms, intact ${verify.result?.intact}, ${verify.result?.verifiedThrough?.toLocaleString('en')} events (target < 10,000 ms for 1,000,000)`,
    )
  }
  if (report.scaleCheck)
    out.push(`scale check (list p99, 10,000 vs 1,000,000 cases): ${JSON.stringify(report.scaleCheck)} (target ratio ≤ 1.5)`)
  for (const warning of report.warnings) out.push(`WARNING ${warning}`)
  process.stdout.write(`${out.join('\n')}\n`)
}

// Runs once after the whole suite (tap's `after`): every log line the suite wrote must be free of
// tokens, authorization headers, request bodies and every marker value seeded into case data.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

const logDirectory = path.resolve('.tap', 'logs')
const markerDirectory = path.resolve('.tap', 'markers')
const read = (directory: string) =>
  existsSync(directory) ? readdirSync(directory).map((name) => readFileSync(path.join(directory, name), 'utf8')) : []

const markers = read(markerDirectory)
  .flatMap((text) => text.split('\n'))
  .filter((line) => line.length > 0)
const logs = read(logDirectory)
const forbidden: [string, RegExp][] = [
  ['a JSON Web Token', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/],
  ['an authorization header', /"authorization"/i],
  ['a request body', /"body"\s*:/],
]
const leaks: string[] = []
let lines = 0
for (const log of logs) {
  for (const line of log.split('\n')) {
    if (!line) continue
    lines++
    for (const [what, pattern] of forbidden) if (pattern.test(line)) leaks.push(`${what}: ${line.slice(0, 200)}`)
    for (const marker of markers) if (line.includes(marker)) leaks.push(`case data (marker ${marker})`)
  }
}
if (lines === 0) {
  process.stderr.write('log scan: the suite wrote no log lines; the scan proves nothing\n')
  process.exit(1)
}
// A problem detail the code raised that a message catalogue (src/i18n/*.json) lacks: add it to both.
const untranslated = logs.flatMap((log) => log.split('\n')).filter((line) => line.includes('problem detail missing from a catalogue'))
if (untranslated.length > 0) {
  process.stderr.write(
    `catalogue scan: ${untranslated.length} problem details missing from src/i18n/en.json or es-MX.json:\n${untranslated.slice(0, 20).join('\n')}\n`,
  )
  process.exit(1)
}
if (leaks.length > 0) {
  process.stderr.write(`log scan: ${leaks.length} leaks in ${lines} log lines:\n${leaks.slice(0, 20).join('\n')}\n`)
  process.exit(1)
}
process.stdout.write(`log scan: ${lines} log lines from ${logs.length} app instances, ${markers.length} case-data markers, no leaks\n`)

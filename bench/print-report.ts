import { readFileSync } from 'node:fs'
import { type PrintableReport, printTable } from './report.js'

/** Prints a stored bench report again (`npx tsx bench/print-report.ts bench/results/bench-1m.json`). */
const file = process.argv[2] ?? 'bench/results/latest.json'
printTable(JSON.parse(readFileSync(file, 'utf8')) as PrintableReport)

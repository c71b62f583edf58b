import { createHash } from 'node:crypto'
import { canonicalJson } from '../shared/canonical-json.js'

/** The previous hash of the first link: 64 zeros, so every link has the same shape. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * An audit event as hashed: every column of its row, as PostgreSQL's to_jsonb renders it with the
 * session in UTC (timestamps keep their microseconds). Columns that are NULL are left out, so a
 * column added to audit_events later does not change the hashes of the events sealed before it.
 */
export type ChainedEvent = Readonly<Record<string, unknown>>

export function withoutNulls(row: Record<string, unknown>): ChainedEvent {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null))
}

/**
 * Exactly canonicalJson({ seq, prevHash, event: withoutNulls(event) }), written out for speed: verify hashes a million
 * links, and the keys of the three (event < prevHash < seq) are already in order. An event's
 * values are scalars or lists of scalars, whose JSON.stringify is canonical; anything nested goes
 * through canonicalJson.
 */
export function canonicalLink(seq: number, prevHash: string, event: ChainedEvent): string {
  const columns = Object.keys(event).sort(byCodeUnit)
  let body = ''
  for (const column of columns) {
    const value = event[column]
    if (value === undefined || value === null) continue
    const text = value !== null && typeof value === 'object' && !isFlatList(value) ? canonicalJson(value) : JSON.stringify(value)
    body += `${body ? ',' : ''}${JSON.stringify(column)}:${text}`
  }
  return `{"event":{${body}},"prevHash":${JSON.stringify(prevHash)},"seq":${JSON.stringify(seq)}}`
}

/** SHA-256 (hex) of the canonical JSON of { seq, prevHash, event }: each link covers the one before. */
export function linkHash(seq: number, prevHash: string, event: ChainedEvent): string {
  return createHash('sha256').update(canonicalLink(seq, prevHash, event)).digest('hex')
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function isFlatList(value: object): boolean {
  return Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')
}

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
  const event: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(row)) if (value !== null) event[column] = value
  return event
}

/** SHA-256 (hex) of the canonical JSON of { seq, prevHash, event }: each link covers the one before. */
export function linkHash(seq: number, prevHash: string, event: ChainedEvent): string {
  return createHash('sha256').update(canonicalJson({ seq, prevHash, event })).digest('hex')
}

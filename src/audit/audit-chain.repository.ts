import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { ChainedEvent } from './audit-chain.js'

/**
 * Every column of the event that is not NULL, as JSON (stripped by the server: less to send and
 * parse when a verify reads a million). The caller's transaction must be in UTC (useUtc) so the
 * timestamps read the same on every server, whatever its time zone.
 */
const EVENT_JSON = sql`jsonb_strip_nulls(to_jsonb(e))`

/** Makes this transaction render timestamps in UTC (to_jsonb follows the session's time zone). */
export async function useUtc(db: Kysely<Database>): Promise<void> {
  await sql`SET LOCAL TIME ZONE 'UTC'`.execute(db)
}

export interface ChainHead {
  readonly seq: number
  readonly hash: string
  readonly sealedAt: Date
}

export async function findChainHead(db: Kysely<Database>): Promise<ChainHead | undefined> {
  const row = await db.selectFrom('audit_chain').select(['seq', 'hash', 'sealed_at']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
  return row ? { seq: Number(row.seq), hash: row.hash, sealedAt: new Date(row.sealed_at) } : undefined
}

export interface PendingEvent {
  readonly id: number
  readonly event: ChainedEvent
}

/** The oldest committed events not yet sealed, in the order they were written. */
export async function pendingEvents(db: Kysely<Database>, limit: number): Promise<PendingEvent[]> {
  const { rows } = await sql<{ id: number | string; event: Record<string, unknown> }>`SELECT e.id, ${EVENT_JSON} AS event
    FROM (SELECT event_id FROM audit_pending ORDER BY event_id LIMIT ${limit}) p
    JOIN audit_events e ON e.id = p.event_id
    ORDER BY e.id`.execute(db)
  return rows.map((row) => ({ id: Number(row.id), event: row.event }))
}

export interface NewLink {
  readonly seq: number
  readonly eventId: number
  readonly prevHash: string
  readonly hash: string
}

export async function appendLinks(db: Kysely<Database>, links: readonly NewLink[]): Promise<void> {
  await db
    .insertInto('audit_chain')
    .values(links.map((link) => ({ seq: link.seq, event_id: link.eventId, prev_hash: link.prevHash, hash: link.hash })))
    .execute()
  await db
    .deleteFrom('audit_pending')
    .where(
      'event_id',
      'in',
      links.map((link) => link.eventId),
    )
    .execute()
}

export interface StoredLink {
  readonly seq: number
  readonly prevHash: string
  readonly hash: string
  /** undefined when the event the link names is gone */
  readonly event: ChainedEvent | undefined
}

/** Links after `afterSeq` up to `throughSeq`, with their events, in order: one page of a verify. */
export async function chainPage(db: Kysely<Database>, afterSeq: number, throughSeq: number): Promise<StoredLink[]> {
  const { rows } = await sql<{ seq: number | string; prev_hash: string; hash: string; event: Record<string, unknown> | null }>`
    SELECT c.seq, c.prev_hash, c.hash,
      -- A subplan: one index lookup per link, in seq order (a join may read every event per page).
      (SELECT ${EVENT_JSON} FROM audit_events e WHERE e.id = c.event_id) AS event
    FROM audit_chain c
    WHERE c.seq > ${afterSeq} AND c.seq <= ${throughSeq}
    ORDER BY c.seq
    LIMIT ${throughSeq - afterSeq}`.execute(db)
  return rows.map((row) => ({
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    event: row.event ?? undefined,
  }))
}

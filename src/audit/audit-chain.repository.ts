import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Checkpoint } from './audit-chain.js'

export interface ChainHead {
  readonly seq: number
  readonly hash: string
  readonly sealedAt: Date
}

export async function findChainHead(db: Kysely<Database>): Promise<ChainHead | undefined> {
  const row = await db.selectFrom('audit_chain').select(['seq', 'hash', 'sealed_at']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
  return row ? { seq: Number(row.seq), hash: row.hash, sealedAt: new Date(row.sealed_at) } : undefined
}

/**
 * Links up to `batch` pending events after the head, hashed by the database (audit_seal). The
 * caller's transaction must hold the sealer's lock.
 */
export async function sealPending(db: Kysely<Database>, batch: number): Promise<number> {
  const { rows } = await sql<{ sealed: number | string }>`SELECT audit_seal(${batch}::integer) AS sealed`.execute(db)
  return Number(rows[0]?.sealed ?? 0)
}

/** Why a link fails, in the order a link is checked; a fault is `seq * 8 + kind`. */
export const FAULT_KINDS = {
  1: 'missing-link',
  2: 'previous-hash-mismatch',
  3: 'event-missing',
  4: 'hash-mismatch',
  5: 'checkpoint-mismatch',
} as const

export interface ChainCheck {
  /** the head as this statement saw it: every link checked is at or before it */
  readonly head: { readonly seq: number; readonly hash: string } | undefined
  /** the first fault at or after `fromSeq`, as `seq * 8 + kind`; undefined when there is none */
  readonly fault: number | undefined
}

/**
 * Checks every link from `fromSeq` to the head in one statement (one snapshot, so no transaction
 * is needed and a concurrent sealer cannot tear it): each link's hash is recomputed from its event
 * (in parallel where PostgreSQL can), each link must follow the one before it (one ordered pass
 * over the chain's primary key, lag()), and the checkpoint's link must still have its hash.
 * `fromPrevHash` is what the first link's prev_hash must be (the genesis hash from 1; unknown,
 * so unchecked, from a later link, whose own hash the caller's checkpoint vouches for). A NULL
 * where a hash should be (a constraint dropped by a superuser) is a fault, never a pass.
 */
export async function checkChain(
  db: Kysely<Database>,
  range: { readonly fromSeq: number; readonly fromPrevHash: string | null; readonly checkpoint: Checkpoint | undefined },
): Promise<ChainCheck> {
  const { fromSeq, fromPrevHash, checkpoint } = range
  const { rows } = await sql<{ head_seq: number | string | null; head_hash: string | null; fault: number | string | null }>`SELECT
      (SELECT max(seq) FROM audit_chain) AS head_seq,
      (SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS head_hash,
      least(
        (SELECT min(CASE WHEN l.seq <> l.previous_seq + 1 THEN (l.previous_seq + 1) * 8 + 1
                         WHEN (l.seq <> ${fromSeq}::bigint OR ${fromPrevHash}::text IS NOT NULL) AND l.prev_hash IS DISTINCT FROM l.previous_hash
                           THEN l.seq * 8 + 2 END)
          FROM (SELECT seq, prev_hash, lag(seq, 1, ${fromSeq - 1}::bigint) OVER w AS previous_seq, lag(hash, 1, ${fromPrevHash}::text) OVER w AS previous_hash
                FROM audit_chain WHERE seq >= ${fromSeq}::bigint WINDOW w AS (ORDER BY seq)) l),
        (SELECT min(c.seq * 8 + CASE WHEN e.id IS NULL THEN 3 WHEN audit_link_hash(c.form, c.prev_hash, c.seq, e) IS DISTINCT FROM c.hash THEN 4 END)
          FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
          WHERE c.seq >= ${fromSeq}::bigint),
        (SELECT seq * 8 + 5 FROM audit_chain WHERE seq = ${checkpoint?.seq ?? 0}::bigint AND hash IS DISTINCT FROM ${checkpoint?.hash ?? ''}::text)
      ) AS fault`.execute(db)
  const row = rows[0]!
  return {
    head: row.head_seq === null || row.head_hash === null ? undefined : { seq: Number(row.head_seq), hash: row.head_hash },
    fault: row.fault === null ? undefined : Number(row.fault),
  }
}

import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { type Checkpoint, GENESIS_HASH } from './audit-chain.js'
import { FAULT_KINDS, checkChain } from './audit-chain.repository.js'

export type { Checkpoint } from './audit-chain.js'

export type VerifyResult =
  | { readonly intact: true; readonly verifiedThrough: number; readonly headHash: string | null }
  | { readonly intact: false; readonly brokenAt: number; readonly reason: ChainBreak }

export type ChainBreak = (typeof FAULT_KINDS)[keyof typeof FAULT_KINDS]

/**
 * Recomputes the chain up to the head as it stands when the verify starts: every link must follow
 * the one before (seq + 1, its hash as prevHash) and its hash must be the hash of its event now.
 *
 * - `checkpoint`: a head kept outside the system; its link must still have its hash, which proves
 *   the history before it was not rewritten wholesale (a rewritten chain would be self-consistent
 *   but end elsewhere).
 * - `from`: incremental verification from a checkpoint the caller verified before: only the links
 *   from it on are read (cost proportional to the events since), its link must still have the hash
 *   kept, and every later link must chain from it. Events before it are vouched for by the earlier
 *   verification, not rechecked.
 *
 * One statement, so it reads one snapshot without a transaction, whatever the caller runs it in.
 */
export async function verifyChain(
  db: Kysely<Database>,
  options: { checkpoint?: Checkpoint | undefined; from?: Checkpoint | undefined } = {},
): Promise<VerifyResult> {
  const { from } = options
  // The query schema refuses both at once: a checkpoint before `from` would not be read at all.
  if (from && options.checkpoint) throw new Error('verifyChain takes a checkpoint or a starting point, not both')
  const checkpoint = from ?? options.checkpoint
  const { head, fault } = await checkChain(db, { fromSeq: from?.seq ?? 1, fromPrevHash: from ? null : GENESIS_HASH, checkpoint })
  const through = head?.seq ?? 0
  if (checkpoint && checkpoint.seq > through) return { intact: false, brokenAt: through + 1, reason: 'checkpoint-mismatch' }
  if (fault !== undefined) {
    return { intact: false, brokenAt: Math.floor(fault / 8), reason: FAULT_KINDS[(fault % 8) as keyof typeof FAULT_KINDS] }
  }
  return { intact: true, verifiedThrough: through, headHash: head?.hash ?? null }
}

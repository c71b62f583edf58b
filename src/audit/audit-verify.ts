import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { GENESIS_HASH, linkHash } from './audit-chain.js'
import { chainPage, findChainHead, useUtc } from './audit-chain.repository.js'

/** Large keyset pages: a million links verify in a few dozen round trips. */
const VERIFY_PAGE_SIZE = 20_000

export type VerifyResult =
  | { readonly intact: true; readonly verifiedThrough: number; readonly headHash: string | null }
  | { readonly intact: false; readonly brokenAt: number; readonly reason: ChainBreak }

export type ChainBreak = 'missing-link' | 'event-missing' | 'previous-hash-mismatch' | 'hash-mismatch' | 'checkpoint-mismatch'

export interface Checkpoint {
  readonly seq: number
  readonly hash: string
}

/**
 * Recomputes the chain from the first link to the head as it stands when the verify starts, page by
 * page: every link must follow the one before (seq + 1, its hash as prevHash) and its hash must be
 * the hash of its event now. A checkpoint kept outside proves the history before it was not
 * rewritten wholesale (a rewritten chain would be self-consistent but end elsewhere).
 */
export async function verifyChain(db: Kysely<Database>, options: { checkpoint?: Checkpoint | undefined; pageSize?: number } = {}): Promise<VerifyResult> {
  await useUtc(db)
  const head = await findChainHead(db)
  const through = head?.seq ?? 0
  const checkpoint = options.checkpoint
  if (checkpoint && checkpoint.seq > through) return { intact: false, brokenAt: through + 1, reason: 'checkpoint-mismatch' }
  const pageSize = options.pageSize ?? VERIFY_PAGE_SIZE
  // Pages are ranges of sequence numbers, so the next one is asked for before this one is hashed:
  // the database reads while Node hashes.
  const fetchPage = (afterSeq: number) => chainPage(db, afterSeq, Math.min(afterSeq + pageSize, through))
  let expectedSeq = 1
  let prevHash = GENESIS_HASH
  let next = through > 0 ? fetchPage(0) : undefined
  while (next) {
    const page = await next
    const pageEnd = Math.min(expectedSeq - 1 + pageSize, through)
    next = pageEnd < through ? fetchPage(pageEnd) : undefined
    for (const link of page) {
      if (link.seq !== expectedSeq) return settle(next, { intact: false, brokenAt: expectedSeq, reason: 'missing-link' })
      if (link.prevHash !== prevHash) return settle(next, { intact: false, brokenAt: link.seq, reason: 'previous-hash-mismatch' })
      if (!link.event) return settle(next, { intact: false, brokenAt: link.seq, reason: 'event-missing' })
      if (linkHash(link.seq, link.prevHash, link.event) !== link.hash) return settle(next, { intact: false, brokenAt: link.seq, reason: 'hash-mismatch' })
      if (checkpoint && checkpoint.seq === link.seq && checkpoint.hash !== link.hash) {
        return settle(next, { intact: false, brokenAt: link.seq, reason: 'checkpoint-mismatch' })
      }
      prevHash = link.hash
      expectedSeq += 1
    }
    if (expectedSeq <= pageEnd) return settle(next, { intact: false, brokenAt: expectedSeq, reason: 'missing-link' })
  }
  return { intact: true, verifiedThrough: through, headHash: head?.hash ?? null }
}

/** Waits for a page already asked for, so the transaction is not ended under a running query. */
async function settle(pending: Promise<unknown> | undefined, result: VerifyResult): Promise<VerifyResult> {
  await pending?.catch(() => undefined)
  return result
}

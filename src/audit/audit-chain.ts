/**
 * The audit hash chain: each link hashes the one before it with its event, so no event can be
 * altered, removed or reordered without breaking every link after it. How a link is hashed is
 * defined once, in the database (migrations/2026-12-01-30-audit-canonical-form.ts, published in
 * README "For auditors"): the sealer and verify both compute it there, so Node never renders an
 * event and no session setting can change what is hashed.
 */

/** The previous hash of the first link: 64 zeros, so every link has the same shape. */
export const GENESIS_HASH = '0'.repeat(64)

export interface Checkpoint {
  readonly seq: number
  readonly hash: string
}

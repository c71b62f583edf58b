import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { sealPending } from './audit-chain.repository.js'

/** Events sealed per transaction; a tick seals batch after batch until the queue is empty. */
export const SEAL_BATCH_SIZE = 1_000

/** One advisory lock for the whole chain: instances sharing a database never interleave links. */
const SEAL_LOCK_KEY = 5_171_202_611

/**
 * Seals up to `batchSize` committed events into the chain, in one transaction (the lock and the
 * links it guards commit together). The database hashes each link (audit_seal), with the same
 * definition verify recomputes. Answers how many it sealed: 0 when the queue is empty or another
 * sealer holds the lock (it will do the work).
 */
export async function sealBatch(db: Kysely<Database>, batchSize = SEAL_BATCH_SIZE): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${SEAL_LOCK_KEY}::bigint) AS locked`.execute(trx)
    if (!rows[0]?.locked) return 0
    // Under the lock: the previous sealer committed before releasing it, so audit_seal sees the head.
    return sealPending(trx, batchSize)
  })
}

/** Seals until the queue is empty (or another instance holds the lock). */
export async function sealAll(db: Kysely<Database>, batchSize = SEAL_BATCH_SIZE): Promise<number> {
  let total = 0
  for (;;) {
    const sealed = await sealBatch(db, batchSize)
    total += sealed
    if (sealed < batchSize) return total
  }
}

export interface AuditSealer {
  /**
   * Stops the timer, waits for a running seal, then seals what is still pending once more: a
   * service stopped gracefully leaves a complete chain (an embedded data folder copied after the
   * stop holds no unsealed event). A failed last seal is reported; the next start seals it.
   */
  stop(): Promise<void>
}

/**
 * Seals every `intervalMs`. An event is therefore in the chain at most one interval plus the time
 * to seal the queue after its commit. Ticks never overlap; a failed tick is logged and retried.
 */
export function startAuditSealer(options: {
  db: Kysely<Database>
  intervalMs: number
  batchSize?: number
  onError: (error: unknown) => void
  onFinalSealError: (error: unknown) => void
}): AuditSealer {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  const tick = () => {
    running = sealAll(options.db, options.batchSize)
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stopped) options.onError(error)
        },
      )
      .finally(() => {
        if (!stopped) schedule()
      })
  }
  const schedule = () => {
    timer = setTimeout(tick, options.intervalMs)
    // The sealer alone must not keep a process alive.
    timer.unref()
  }
  schedule()
  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
      await sealAll(options.db, options.batchSize).catch(options.onFinalSealError)
    },
  }
}

import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { type AuditEventInput, insertAuditEvents } from './audit.repository.js'

/** At most this many events in one statement (15 parameters each). */
export const MAX_AUDIT_BATCH = 64

type InsertEvents = (events: readonly AuditEventInput[]) => Promise<void>

interface Waiting {
  readonly event: AuditEventInput
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * The audit events of reads, written together (group commit). A read's event is its only write, so
 * it needs no transaction of its own: the events that requests hand over while the event loop turns
 * once go to the database in one INSERT, and each request waits until its event is written before it
 * answers, as with an INSERT of its own. Under load this is one statement for many requests instead
 * of one each; sending a statement is the largest single cost of a list or statistics request (README,
 * "Where the time goes").
 *
 * When a batch fails, each of its events is written again alone, so one event the database refuses
 * never costs another request its answer; an event that fails alone rejects its own request (503).
 */
export class AuditEventBatcher {
  #waiting: Waiting[] = []
  #flushScheduled = false
  readonly #insert: InsertEvents

  constructor(insert: InsertEvents) {
    this.#insert = insert
  }

  /** Resolves when the event is written; rejects with the database's error when it cannot be. */
  write(event: AuditEventInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ event, resolve, reject })
      if (this.#waiting.length >= MAX_AUDIT_BATCH) this.#flush()
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#flushScheduled = false
    const batch = this.#waiting
    if (batch.length === 0) return
    this.#waiting = []
    void this.#insert(batch.map(({ event }) => event)).then(
      () => {
        for (const waiting of batch) waiting.resolve()
      },
      (error: unknown) => {
        if (batch.length === 1) batch[0]!.reject(error)
        else for (const waiting of batch) this.#insert([waiting.event]).then(waiting.resolve, waiting.reject)
      },
    )
  }
}

const batchers = new WeakMap<Kysely<Database>, AuditEventBatcher>()

/** The batcher of a database handle: one per service instance and database. */
export function auditBatcherOf(db: Kysely<Database>): AuditEventBatcher {
  let batcher = batchers.get(db)
  if (!batcher) batchers.set(db, (batcher = new AuditEventBatcher((events) => insertAuditEvents(db, events))))
  return batcher
}

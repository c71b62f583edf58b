import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { caseExists } from '../cases/case.repository.js'
import { insertAuditEvent } from './audit.repository.js'

export interface AuditRecord {
  readonly caseIds: readonly string[]
  readonly fields: readonly string[]
  /** The organisation a share let in (case.share). */
  readonly targetOrganizationId?: string
}

/** Records what the work disclosed or changed, in the work's own transaction. */
export type RecordAudit = (record: AuditRecord) => Promise<void>

/**
 * Runs a request's work in one transaction with its audit event: the event is written before the
 * response leaves, and if it cannot be written nothing is returned (503). A refused attempt (403,
 * or 404 for a case that exists outside the caller's scope) is recorded as denied.
 */
export async function audited<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  action: string,
  work: (db: Kysely<Database>, recordAudit: RecordAudit) => Promise<T>,
  options: { caseId?: string } = {},
): Promise<T> {
  const base = {
    requestId: request.id,
    actorId: request.principal.userId,
    actorRole: request.principal.role,
    actorOrganizationId: request.principal.organizationId,
    action,
    policyVersion: app.policyVersion,
  }
  let recorded = false
  // A read writes nothing but its audit event, so it needs no transaction (two round trips fewer);
  // the event is still committed before the response leaves. Every other method is one transaction.
  const run = <R>(fn: (db: Kysely<Database>) => Promise<R>): Promise<R> =>
    request.method === 'GET' ? fn(app.db) : app.db.transaction().execute(fn)
  try {
    return await run((trx) =>
      work(trx, async (record) => {
        try {
          await insertAuditEvent(trx, { ...base, ...record, outcome: 'allowed' })
          recorded = true
        } catch (error) {
          throw new AuditUnavailableError().withCause(error)
        }
      }),
    )
  } catch (error) {
    if (error instanceof AppError && (error.status === 403 || error.status === 404) && !recorded) {
      await recordDenied(app.db, { ...base, error, caseId: options.caseId })
    }
    throw error
  }
}

class AuditUnavailableError extends AppError {
  constructor() {
    super('service-unavailable', 'The audit trail cannot be written; no data is returned')
  }
}

async function recordDenied(
  db: Kysely<Database>,
  event: Omit<Parameters<typeof insertAuditEvent>[1], 'outcome' | 'caseIds' | 'fields'> & { error: AppError; caseId: string | undefined },
): Promise<void> {
  const { error, caseId, ...base } = event
  const deniedFields = Array.isArray(error.extensions.deniedFields) ? (error.extensions.deniedFields as string[]) : []
  // A 404 names the case only when it exists: an attempt on a case outside the caller's scope.
  const existing = caseId && (error.status === 403 || (await caseExists(db, caseId))) ? [caseId] : []
  try {
    await insertAuditEvent(db, {
      ...base,
      caseIds: existing,
      fields: deniedFields,
      outcome: 'denied',
      reason: error.status === 404 ? (existing.length ? 'out-of-scope' : 'not-found') : error.code,
    })
  } catch (auditError) {
    throw new AuditUnavailableError().withCause(auditError)
  }
}

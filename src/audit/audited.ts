import type { FastifyInstance, FastifyRequest } from 'fastify'
import { detailText } from '../i18n/messages.js'
import type { Kysely } from 'kysely'
import { contractOf } from '../access/route-contract.js'
import { caseExists } from '../cases/case.repository.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { clientRequestIdOf } from '../http/client-request-id.js'
import { type AuditEventBase, type AuditEventInput, insertAuditEvent } from './audit.repository.js'
import { auditBatcherOf } from './audit-batcher.js'

export interface AuditRecord {
  readonly caseIds: readonly string[]
  readonly fields: readonly string[]
  /** The organisation a share, transfer or referral let in, or an administrative act was about. */
  readonly targetOrganizationId?: string
  /** What a change changed (`fields`: what its answer disclosed). */
  readonly changedFields?: readonly string[]
  /** The user an administrative act was about. */
  readonly targetUserId?: string
}

/** What a refused attempt was about, beside its case. */
export interface AuditTarget {
  readonly caseId?: string | undefined
  readonly targetUserId?: string | undefined
  readonly targetOrganizationId?: string | undefined
}

/** Records what the work disclosed or changed, in the work's own transaction. */
export interface RecordAudit {
  (record: AuditRecord): Promise<void>
  /**
   * For a statement that writes the event itself, beside the data it returns (the audited read,
   * cases/case.repository.ts): hands it the event, and takes the event as written when `recorded`
   * says so of the statement's answer. A statement that fails answers 503 and no data, as a failed
   * insert does.
   */
  inStatement<R>(statement: (event: AuditEventBase) => Promise<R>, recorded: (result: R) => boolean): Promise<R>
}

/** Refusals recorded as denied attempts: the walls (403, 404) and the business refusals on case data. */
export const RECORDED_REFUSALS: ReadonlySet<number> = new Set([403, 404, 409, 412, 422, 428])

/**
 * Runs a request's work with its audit event, as the route's contract says (access/route-contract.ts):
 * the event is written before the response leaves, and if it cannot be written nothing is returned
 * (503). Work that changes data runs in one transaction with its event; a read writes nothing but
 * its event, so it needs none. A refused attempt is recorded as denied, with its reason.
 */
export async function audited<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  work: (db: Kysely<Database>, recordAudit: RecordAudit) => Promise<T>,
  options: AuditTarget = {},
): Promise<T> {
  const contract = contractOf(request)
  if (!contract.audit) throw new Error(`${request.routeOptions.url} records nothing by its contract, yet asks for an audit event`)
  const base = eventBase(app, request, contract.audit)
  const run = <R>(fn: (db: Kysely<Database>) => Promise<R>): Promise<R> =>
    contract.changes ? app.db.transaction().execute(fn) : fn(app.db)
  // A change writes its event in its own transaction; a read's event is its only write, and is
  // written together with other reads' (audit-batcher.ts).
  const write = contract.changes
    ? (trx: Kysely<Database>, event: AuditEventInput) => insertAuditEvent(trx, event)
    : (_db: Kysely<Database>, event: AuditEventInput) => auditBatcherOf(app.db).write(event)
  const recorderIn = (trx: Kysely<Database>): RecordAudit =>
    Object.assign(
      async (record: AuditRecord) => {
        try {
          await write(trx, { ...base, ...record, outcome: 'allowed' })
          request.auditRecorded = true
        } catch (error) {
          throw new AuditUnavailableError().withCause(error)
        }
      },
      {
        inStatement: async <R>(statement: (event: AuditEventBase) => Promise<R>, recorded: (result: R) => boolean) => {
          let result: R
          try {
            result = await statement(base)
          } catch (error) {
            throw new AuditUnavailableError().withCause(error)
          }
          if (recorded(result)) request.auditRecorded = true
          return result
        },
      },
    )
  try {
    return await run((trx) => work(trx, recorderIn(trx)))
  } catch (error) {
    if (error instanceof AppError && RECORDED_REFUSALS.has(error.status) && !request.auditRecorded) {
      await recordRefusal(app.db, { ...base, error, ...options })
      request.auditRecorded = true
    }
    throw error
  }
}

function eventBase(app: FastifyInstance, request: FastifyRequest, action: string) {
  return {
    requestId: request.id,
    clientRequestId: clientRequestIdOf(request.raw),
    actorId: request.principal.userId,
    actorRole: request.principal.role,
    actorOrganizationId: request.principal.organizationId,
    action,
    policyVersion: app.policyVersion,
  }
}

/**
 * Records a refusal raised outside `audited` (a missing If-Match, a role that may not administer):
 * the same denied event, with its reason. Answers false when there was nothing to record.
 */
export async function recordRefusalOf(
  app: FastifyInstance,
  request: FastifyRequest,
  error: unknown,
  target: AuditTarget,
): Promise<boolean> {
  const action = request.routeOptions.config.contract?.audit
  if (!action || !request.principal || request.auditRecorded) return false
  if (!(error instanceof AppError) || !RECORDED_REFUSALS.has(error.status)) return false
  await recordRefusal(app.db, { ...eventBase(app, request, action), error, ...target })
  request.auditRecorded = true
  return true
}

class AuditUnavailableError extends AppError {
  constructor() {
    super('service-unavailable', detailText('The audit trail cannot be written; no data is returned'))
  }
}

/** Why an attempt was refused, as a stable code: the wall, the guard, the stale version… */
async function refusalReason(
  db: Kysely<Database>,
  error: AppError,
  caseId: string | undefined,
): Promise<{ reason: string; caseIds: string[] }> {
  if (error.status === 404) {
    if (!caseId) return { reason: error.resource && error.resource !== 'case' ? `${error.resource}-not-found` : 'not-found', caseIds: [] }
    // A missing record of a case the caller reaches names the case; a case outside the caller's
    // scope is named only when it exists (an attempt on someone else's case).
    if (error.resource !== 'case') return { reason: `${error.resource ?? 'resource'}-not-found`, caseIds: [caseId] }
    return (await caseExists(db, caseId)) ? { reason: 'out-of-scope', caseIds: [caseId] } : { reason: 'not-found', caseIds: [] }
  }
  const given = error.extensions.reason ?? error.extensions.code
  return { reason: typeof given === 'string' ? given : error.code, caseIds: caseId ? [caseId] : [] }
}

async function recordRefusal(
  db: Kysely<Database>,
  event: Omit<Parameters<typeof insertAuditEvent>[1], 'outcome' | 'caseIds' | 'fields' | 'targetOrganizationId' | 'targetUserId'> &
    AuditTarget & { error: AppError },
): Promise<void> {
  const { error, caseId, ...base } = event
  const deniedFields = Array.isArray(error.extensions.deniedFields) ? (error.extensions.deniedFields as string[]) : []
  try {
    const { reason, caseIds } = await refusalReason(db, error, caseId)
    await insertAuditEvent(db, { ...base, caseIds, fields: deniedFields, outcome: 'denied', reason })
  } catch (auditError) {
    throw new AuditUnavailableError().withCause(auditError)
  }
}

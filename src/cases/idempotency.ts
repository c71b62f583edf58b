import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { z } from 'zod'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { canonicalJson } from '../shared/canonical-json.js'

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/

/**
 * Claims an Idempotency-Key for this caller inside the create's transaction. A concurrent duplicate
 * waits on the key's row and then finds it taken, so only one resource is ever created.
 * Returns the id of the resource the key already made, or undefined when this request may create it.
 */
export async function claimIdempotencyKey(
  db: Kysely<Database>,
  claim: { userId: string; key: string; body: unknown; resourceId: string },
): Promise<string | undefined> {
  const requestHash = createHash('sha256').update(canonicalJson(claim.body)).digest('hex')
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ user_id: claim.userId, key: claim.key, request_hash: requestHash, resource_id: claim.resourceId })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('resource_id')
    .executeTakeFirst()
  if (inserted) return undefined
  const existing = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'resource_id'])
    .where('user_id', '=', claim.userId)
    .where('key', '=', claim.key)
    .executeTakeFirstOrThrow()
  if (existing.request_hash !== requestHash) {
    throw new AppError('unprocessable-entity', 'This Idempotency-Key was used with a different request body')
  }
  return existing.resource_id
}

/** The optional Idempotency-Key header of every create route. */
export const idempotencyKeyHeaders = z.object({ 'idempotency-key': z.string().regex(IDEMPOTENCY_KEY).optional() })

/**
 * Creates a resource once per Idempotency-Key: a retry with the same key and body answers the
 * resource the key made (marked `Idempotent-Replayed: true`); without a key it simply creates.
 * `scope` is what the key stands for besides the body (the case a record is added to, say).
 */
export async function createOnce<T>(
  db: Kysely<Database>,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: unknown,
  handlers: { create: (id: string) => Promise<T>; replay: (id: string) => Promise<T> },
): Promise<T> {
  const id = uuidv7()
  const key = request.headers['idempotency-key']
  if (typeof key === 'string') {
    const earlier = await claimIdempotencyKey(db, {
      userId: request.principal.userId,
      key,
      body: { scope, body: request.body },
      resourceId: id,
    })
    if (earlier) {
      reply.header('idempotent-replayed', 'true')
      return handlers.replay(earlier)
    }
  }
  return handlers.create(id)
}

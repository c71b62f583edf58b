import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'

/**
 * Every route declares, in its options, what it discloses or changes (PRODUCT.md, "One door"): the
 * audit action it records and whether its work changes data (and so runs in one transaction with
 * its audit event). A route that declares nothing does not start, and a route that declared an audit
 * action but answered without recording one fails loudly instead of disclosing silently.
 *
 *   config: { contract: { audit: 'case.read', changes: false } }
 *   config: { public: true }                       // health, readiness, the API reference
 *   config: { contract: { audit: null, changes: false, discloses: 'the caller’s own user' } }
 */
export interface RouteContract {
  /** The audit action every answer of this route records; null for a route that discloses no case data nor administration. */
  readonly audit: string | null
  /** Whether the work changes data: then it runs in one transaction with its audit event. */
  readonly changes: boolean
  /** For a route that records nothing: what it discloses, in words, for the reviewer. */
  readonly discloses?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    contract?: RouteContract
  }
  interface FastifyRequest {
    /** Set when the request's audit event was written (audit/audited.ts). */
    auditRecorded: boolean
  }
}

export class MissingRouteContractError extends Error {
  constructor(route: string) {
    super(`${route} declares no contract: say what it discloses (config.contract) or that it is public (config.public)`)
    this.name = 'MissingRouteContractError'
  }
}

/** The contract of the route that is answering (every non-public route has one). */
export function contractOf(request: FastifyRequest): RouteContract {
  const contract = request.routeOptions.config.contract
  if (!contract) throw new MissingRouteContractError(`${request.method} ${request.routeOptions.url ?? request.url}`)
  return contract
}

function checkContract(route: RouteOptions): void {
  const config = (route.config ?? {}) as { public?: boolean; contract?: RouteContract }
  if (config.public) return
  const contract = config.contract
  const name = `${[route.method].flat().join(',')} ${route.url}`
  if (!contract) throw new MissingRouteContractError(name)
  if (contract.audit === null && !contract.discloses)
    throw new MissingRouteContractError(`${name} records nothing and says nothing of what it discloses:`)
}

/** Refuses to answer from a route that promised an audit event and wrote none. */
async function requireRecordedAudit(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const contract = request.routeOptions.config.contract
  if (!contract?.audit || reply.statusCode >= 400 || request.auditRecorded) return payload
  request.log.error({ route: request.routeOptions.url, audit: contract.audit }, 'a route answered without recording its audit event')
  reply.code(500).type('application/problem+json')
  return JSON.stringify({
    type: 'urn:atd:problem:internal-error',
    title: 'Internal server error',
    status: 500,
    detail: 'The answer was withheld: its audit event was not recorded',
  })
}

async function routeContractsPlugin(app: FastifyInstance): Promise<void> {
  app.decorateRequest('auditRecorded', false)
  app.addHook('onRoute', checkContract)
  app.addHook('onSend', requireRecordedAudit)
}

/** Registered before any route: every route registered after it is checked. */
export const routeContracts = fp(routeContractsPlugin, { name: 'route-contracts', fastify: '5.x' })

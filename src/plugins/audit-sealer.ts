import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { startAuditSealer } from '../audit/audit-sealer.js'
import { recordAuthenticationFailure } from '../audit/authentication-failure.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Marks the request's token as refused; the event is written before the 401 leaves. */
    noteAuthenticationFailure(request: FastifyRequest, reason: string): void
  }
  interface FastifyRequest {
    authenticationFailure: string | null
  }
}

/**
 * The audit trail's background work: seals committed events into the hash chain every
 * `intervalMs` (stopped when the app closes), and writes refused logins into the trail.
 */
async function auditSealerPlugin(app: FastifyInstance, options: { intervalMs: number }): Promise<void> {
  const sealer = startAuditSealer({
    db: app.db,
    intervalMs: options.intervalMs,
    onError: (error) => app.log.error({ err: error }, 'sealing the audit chain failed; retrying'),
  })
  app.addHook('onClose', () => sealer.stop())

  app.decorateRequest('authenticationFailure', null)
  app.decorate('noteAuthenticationFailure', (request: FastifyRequest, reason: string) => {
    request.authenticationFailure = reason
  })
  app.addHook('onError', async (request) => {
    const reason = request.authenticationFailure
    if (!reason) return
    try {
      await recordAuthenticationFailure(app.db, { requestId: request.id, reason, policyVersion: app.policyVersion })
    } catch (error) {
      // The caller gets the 401 either way; the lost count is worth an alarm, not a different answer.
      request.log.error({ err: error }, 'recording a refused token in the audit trail failed')
    }
  })
}

export const auditSealer = fp(auditSealerPlugin, {
  name: 'audit-sealer',
  fastify: '5.x',
  dependencies: ['database', 'abilities'],
})

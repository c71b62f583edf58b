import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { startAuditSealer } from '../audit/audit-sealer.js'

/**
 * The audit trail's background work: seals committed events into the hash chain every
 * `intervalMs` (stopped when the app closes). Refused logins: plugins/edge-limits.ts.
 */
async function auditSealerPlugin(app: FastifyInstance, options: { intervalMs: number }): Promise<void> {
  const sealer = startAuditSealer({
    db: app.db,
    intervalMs: options.intervalMs,
    onError: (error) => app.log.error({ err: error }, 'sealing the audit chain failed; retrying'),
  })
  app.addHook('onClose', () => sealer.stop())
}

export const auditSealer = fp(auditSealerPlugin, {
  name: 'audit-sealer',
  fastify: '5.x',
  dependencies: ['database', 'abilities'],
})

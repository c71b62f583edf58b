import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { startAuditSealer } from '../audit/audit-sealer.js'

/**
 * The audit trail's background work: seals committed events into the hash chain every
 * `intervalMs`, and once more when the app closes. Refused logins: plugins/edge-limits.ts.
 */
async function auditSealerPlugin(app: FastifyInstance, options: { intervalMs: number }): Promise<void> {
  const sealer = startAuditSealer({
    db: app.db,
    intervalMs: options.intervalMs,
    onError: (error) => app.log.error({ err: error }, 'sealing the audit chain failed; retrying'),
    onFinalSealError: (error) =>
      app.log.warn({ err: error }, 'the last seal before stopping failed; the next start seals the pending events'),
  })
  app.addHook('onClose', () => sealer.stop())
}

export const auditSealer = fp(auditSealerPlugin, {
  name: 'audit-sealer',
  fastify: '5.x',
  dependencies: ['database', 'abilities'],
})

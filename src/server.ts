import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import { app, fastifyOptions } from './app.js'
import { verificationKeyFromConfig } from './auth/verification-key.js'
import { loadConfig } from './config.js'
import { prepareDatabase } from './db/prepare.js'
import { loggerOptions } from './logger.js'
import { loadPolicy } from './access/policy.js'
import { baseUrlOf, startupMessage } from './startup-message.js'

// The only file that listens. Start-up fails loudly on bad configuration or an invalid policy.
const startedAt = performance.now()
const config = loadConfig()
const policy = loadPolicy()
const fastify = Fastify({ ...fastifyOptions(), logger: loggerOptions(config.logLevel) })
const { handle, demoUsers } = await prepareDatabase(config, fastify.log)

await fastify.register(app, { config, database: handle, verificationKey: verificationKeyFromConfig(config), policy })
fastify.server.keepAliveTimeout = 5_000
fastify.server.requestTimeout = 30_000

const shutdown = closeWithGrace({ delay: 10_000, skip: ['SIGTERM', 'SIGINT'] }, async ({ err, signal }) => {
  if (err) fastify.log.error({ err }, 'shutting down after an error')
  else if (signal) fastify.log.info({ signal }, 'shutting down')
  await fastify.close()
  await handle.db.destroy()
})
// Under `npm start`, a signal sent to the process group (Ctrl-C, a process manager) reaches this
// process twice: directly and relayed by tsx. close-with-grace takes any second signal for an
// impatient operator and exits at once, cutting in-flight requests; so a repeat within a second is
// the relayed copy and is ignored, and a later one still forces the exit.
let firstSignalAt: number | undefined
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now()
      fastify.log.info({ signal }, 'shutting down')
      void shutdown.close()
    } else if (Date.now() - firstSignalAt > 1_000) {
      fastify.log.error({ signal }, 'second signal, exiting at once')
      process.exit(1)
    }
  })
}

await fastify.listen({ port: config.port, host: config.host })
fastify.log.info({ startupMs: Math.round(performance.now() - startedAt), database: handle.kind }, 'ready')
// The compiled image has no tsx (a dev dependency): there the compiled script prints tokens.
const tokenCommand = import.meta.url.endsWith('.ts') ? 'npm run -s token --' : 'node dist/scripts/token.js'
process.stdout.write(`${startupMessage({ baseUrl: baseUrlOf(fastify.server.address(), config.port), demoUsers, tokenCommand })}\n`)

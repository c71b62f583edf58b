import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../http/problem.js'
import { problemSchema } from '../http/problem-schema.js'

const statusSchema = z.object({ status: z.string().describe('ok: the process answers; ready: it reaches its database') })

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/health',
    {
      config: { public: true, rateLimit: false },
      schema: { tags: ['service'], summary: 'The process is alive', security: [], response: { 200: statusSchema } },
    },
    async () => ({ status: 'ok' }),
  )
  routes.get(
    '/ready',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['service'],
        summary: 'The database is reachable',
        security: [],
        response: { 200: statusSchema, 503: problemSchema },
      },
    },
    async () => {
      try {
        await sql`SELECT 1`.execute(app.db)
      } catch (error) {
        throw new AppError('service-unavailable', 'The database is not reachable', {}).withCause(error)
      }
      return { status: 'ready' }
    },
  )
}

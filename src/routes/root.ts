import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { SERVICE_NAME, SERVICE_VERSION } from '../service-info.js'

const rootSchema = z
  .object({
    name: z.string().describe('The service'),
    version: z.string().describe('Its version'),
    links: z
      .object({
        docs: z.string().describe('The API reference (Swagger UI)'),
        openapi: z.string().describe('The OpenAPI document as JSON'),
        health: z.string().describe('Liveness'),
        vocabulary: z.string().describe('Every code list with labels in es-MX and English'),
      })
      .describe('Where to go next'),
  })
  .meta({
    id: 'ServiceRoot',
    example: {
      name: SERVICE_NAME,
      version: SERVICE_VERSION,
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', vocabulary: '/vocabulary' },
    },
  })

export const ROOT_LINKS = { docs: '/docs', openapi: '/openapi.json', health: '/health', vocabulary: '/vocabulary' } as const

/** GET / says what this is and where the reference is; GET /openapi.json serves the document. */
export async function rootRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/',
    {
      config: { public: true },
      schema: {
        tags: ['service'],
        summary: 'What this service is and where its reference is',
        description: 'Public. Links to the API reference (`/docs`), the OpenAPI document (`/openapi.json`), liveness and the vocabulary.',
        security: [],
        response: { 200: rootSchema },
      },
    },
    async () => ({ name: SERVICE_NAME, version: SERVICE_VERSION, links: ROOT_LINKS }),
  )
}

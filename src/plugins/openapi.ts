import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod'
import type { RouteContract } from '../access/route-contract.js'
import { serializerCompiler } from '../http/serializer.js'
import { registerComponentSchemas } from '../openapi/components.js'
import { describeRoute, finishDocument, operationIdOf } from '../openapi/document.js'
import { SERVICE_NAME, SERVICE_VERSION } from '../service-info.js'

export class MissingRouteSummaryError extends Error {
  constructor(route: string) {
    super(`${route} has no schema.summary: say in one line what it does (it becomes the operation's summary in openapi.yaml)`)
    this.name = 'MissingRouteSummaryError'
  }
}

const documented = (route: Pick<RouteOptions, 'url' | 'schema'>) =>
  !route.url.startsWith('/docs') && !(route.schema as { hide?: boolean } | undefined)?.hide

/**
 * The same zod schemas validate requests, describe them in openapi.yaml and /docs, and shape the
 * answers: compiled serializers write only what a response schema declares (src/http/serializer.ts).
 */
async function openapiPlugin(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerComponentSchemas()
  // A route without a summary does not start: every operation is named and described (src/openapi/document.ts).
  app.addHook('onRoute', (route) => {
    if (!documented(route) || route.method === 'HEAD') return
    const summary = (route.schema as { summary?: unknown } | undefined)?.summary
    if (typeof summary !== 'string' || summary.trim() === '')
      throw new MissingRouteSummaryError(`${[route.method].flat().join(',')} ${route.url}`)
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: SERVICE_NAME,
        description:
          'Case management for alternatives to immigration detention of unaccompanied and separated migrant children. ' +
          'Every response carries only the sections and fields the caller may read (see policies/MATRIX.md).\n\n' +
          'Errors are `application/problem+json` (RFC 9457, schema `Problem`, with its type catalogue). Titles, details and the labels of ' +
          '`GET /vocabulary` come in Spanish (es-MX) or English by `Accept-Language`. Changes use optimistic concurrency: ' +
          '`ETag` on reads, `If-Match` required on updates (428 when missing, 412 when stale); creates accept an `Idempotency-Key` and ' +
          'answer 201 with a `Location` that GET reads. Every answer carries `x-ratelimit-*` headers; a 429 carries `Retry-After`.\n\n' +
          'A typed client: `npx openapi-typescript openapi.yaml -o api-types.ts`, then `createClient<paths>()` from openapi-fetch.',
        version: SERVICE_VERSION,
        license: { name: 'Proprietary: not licensed for reuse', identifier: 'LicenseRef-Proprietary' },
      },
      servers: [{ url: 'http://127.0.0.1:3000', description: 'A local instance (`npm start`; PORT and HOST change it)' }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A JWT signed with ES256 or RS256 (never HMAC, never none) by the configured key or JWKS. Claims: `iss` = AUTH_ISSUER, ' +
              '`aud` = AUTH_AUDIENCE, `sub` = the subject of an active user of this service (its role and organisation come from the ' +
              'users table, not the token), `exp` required (30 s clock tolerance), `iat` not in the future. Locally: ' +
              '`npm run -s token -- demo-ngo-caseworker`.',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    // Every operation gets an operationId and a description derived from what the route declares.
    transform: (input) => {
      const { schema, url, route } = input
      if (!schema || (schema as { hide?: boolean }).hide) return jsonSchemaTransform(input)
      const method = String([route.method].flat()[0]).toLowerCase()
      const config = (route.config ?? {}) as { public?: boolean; contract?: RouteContract }
      const given = schema as { operationId?: string; description?: string; summary?: string }
      const augmented = {
        ...schema,
        operationId: given.operationId ?? operationIdOf(method, url),
        description:
          given.description ??
          describeRoute({
            summary: given.summary ?? '',
            public: config.public === true,
            audit: config.contract?.audit,
            changes: config.contract?.changes,
            discloses: config.contract?.discloses,
          }),
      }
      return jsonSchemaTransform({ ...input, schema: augmented })
    },
    transformObject: (input) =>
      finishDocument(jsonSchemaTransformObject(input) as Record<string, unknown>) as ReturnType<typeof jsonSchemaTransformObject>,
  })
  // The reference page is public; the API it describes is not.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } })
  // The document itself at a plain address (the same as /docs/json), for generators and GET /'s links.
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
}

export const openapi = fp(openapiPlugin, { name: 'openapi', fastify: '5.x' })

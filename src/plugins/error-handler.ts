import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, type ProblemCode, problemDocument } from '../http/problem.js'
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable.js'

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad-request',
}

function sendProblem(reply: FastifyReply, code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}): FastifyReply {
  const body = problemDocument(code, detail, { instance: reply.request.url.split('?')[0], ...extensions })
  return reply.code(body.status).type('application/problem+json').send(body)
}

/** The one place where errors become responses. 5xx bodies never say what went wrong inside. */
async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // Unavailable is not broken: a 503 with Retry-After, so that clients retry what was not acknowledged.
    if (error instanceof AppError && error.status === 503) {
      request.log.warn({ err: error.cause ?? error }, 'service unavailable')
      reply.header('retry-after', String(RETRY_AFTER_SECONDS))
      return sendProblem(reply, error.code, error.detail)
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable')
      reply.header('retry-after', String(RETRY_AFTER_SECONDS))
      return sendProblem(reply, 'service-unavailable', 'The database is not available now; retry later')
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error.cause ?? error }, 'request failed')
      return sendProblem(reply, error.code, error.detail, { ...error.extensions })
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      // Paths and messages only: a message never repeats the value that was sent.
      const errors = error.validation.map((issue) => ({
        in: error.validationContext ?? 'body',
        path: issue.instancePath || '/',
        message: issue.message,
      }))
      return sendProblem(reply, 'validation-error', 'Some fields are missing or malformed', { errors })
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined
    if (mapped) return sendProblem(reply, mapped, mapped === 'bad-request' ? 'The body is not valid JSON' : undefined)
    if (error.statusCode === 429) return sendProblem(reply, 'too-many-requests', 'Slow down and retry later')
    if (error.statusCode === 503) return sendProblem(reply, 'service-unavailable', 'The service is overloaded; retry later')
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error')
      return sendProblem(reply, 'bad-request', 'The request could not be understood')
    }
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, 'internal-error')
  })

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not-found', 'No such route'))
}

export const errorHandler = fp(errorHandlerPlugin, { name: 'error-handler', fastify: '5.x' })

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, type ProblemCode, problemDocument } from '../http/problem.js'
import { localizeProblem } from '../i18n/localize-problem.js'
import { detailText } from '../i18n/messages.js'

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad-request',
}

function sendProblem(reply: FastifyReply, code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}): FastifyReply {
  const body = problemDocument(code, detail, { instance: reply.request.url.split('?')[0], ...extensions })
  // The one place every problem is translated (src/i18n): title, detail and condition messages.
  const localized = localizeProblem(body, code, reply.request.language, (key) =>
    reply.request.log.warn({ problemCode: code, catalogueKey: key }, 'problem detail missing from a catalogue'),
  )
  return reply
    .code(body.status)
    .type('application/problem+json')
    .header('content-language', reply.request.language)
    .header('vary', 'Accept-Language')
    .send(localized)
}

/** The one place where errors become responses. 5xx bodies never say what went wrong inside. */
async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
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
      return sendProblem(reply, 'validation-error', detailText('Some fields are missing or malformed'), { errors })
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined
    if (mapped) return sendProblem(reply, mapped, mapped === 'bad-request' ? detailText('The body is not valid JSON') : undefined)
    if (error.statusCode === 429) return sendProblem(reply, 'too-many-requests', detailText('Slow down and retry later'))
    if (error.statusCode === 503) return sendProblem(reply, 'service-unavailable', detailText('The service is overloaded; retry later'))
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error')
      return sendProblem(reply, 'bad-request', detailText('The request could not be understood'))
    }
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, 'internal-error')
  })

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not-found', detailText('No such route')))
}

export const errorHandler = fp(errorHandlerPlugin, { name: 'error-handler', fastify: '5.x' })

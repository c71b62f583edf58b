import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, type ProblemCode, problemDocument } from '../http/problem.js'
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable.js'
import { localizeProblem } from '../i18n/localize-problem.js'
import { answerLanguage, languageOf } from './language.js'
import { detailText } from '../i18n/messages.js'
import { validationMessage } from '../i18n/validation-messages.js'

// Framework errors in the contract's shape, each with a detail of its own (never the framework's
// message, which may quote the request).
const FASTIFY_CODES: Record<string, { code: ProblemCode; detail: (request: FastifyRequest) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload-too-large',
    detail: (request) => detailText(`The body may not be larger than ${Math.floor((request.routeOptions.bodyLimit ?? 0) / 1024)} KiB`),
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported-media-type', detail: () => detailText('Send the body as application/json') },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad-request', detail: () => detailText('The Content-Length does not match the body') },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'bad-request', detail: () => detailText('The body is empty but its type says JSON') },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'bad-request', detail: () => detailText('The body is not valid JSON') },
  FST_ERR_BAD_URL: { code: 'bad-request', detail: () => detailText('The URL is not validly percent-encoded') },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri-too-long', detail: () => detailText('A part of the URL is too long') },
}

// `instance` names the request path only when it is plain text: a hostile path is never echoed.
const PLAIN_PATH = /^[A-Za-z0-9._~/-]{1,300}$/

function sendProblem(reply: FastifyReply, code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}): FastifyReply {
  const path = reply.request.url.split('?')[0] ?? ''
  const instance = reply.request.routeOptions.url && PLAIN_PATH.test(path) ? { instance: path } : {}
  const body = problemDocument(code, detail, { ...instance, ...extensions })
  // The one place every problem is translated (src/i18n): title, detail and condition messages.
  const language = answerLanguage(reply)
  const localized = localizeProblem(body, code, language, (key) =>
    reply.request.log.warn({ problemCode: code, catalogueKey: key }, 'problem detail missing from a catalogue'),
  )
  return reply.code(body.status).type('application/problem+json').send(localized)
}

/**
 * Errors the framework meets before any route is found (a URL that does not decode, a parameter
 * over the router's limit): set as the `frameworkErrors` option of the Fastify instance.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = FASTIFY_CODES[error.code]
  request.log.info({ code: error.code }, 'framework refused the request')
  reply.header('x-request-id', request.id)
  void sendProblem(reply, mapped?.code ?? 'bad-request', mapped?.detail(request) ?? 'The request could not be understood')
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
      return sendProblem(reply, 'service-unavailable', detailText('The database is not available now; retry later'))
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error.cause ?? error }, 'request failed')
      return sendProblem(reply, error.code, error.detail, { ...error.extensions })
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      // Paths and messages only: a message never repeats the value that was sent.
      const language = languageOf(request)
      const errors = error.validation.map((issue) => ({
        in: error.validationContext ?? 'body',
        path: issue.instancePath || '/',
        message: validationMessage({ code: issue.keyword, message: issue.message ?? '', params: issue.params }, language),
      }))
      return sendProblem(reply, 'validation-error', detailText('Some fields are missing or malformed'), { errors })
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined
    if (mapped) return sendProblem(reply, mapped.code, mapped.detail(request))
    if (error.statusCode === 429) return sendProblem(reply, 'too-many-requests', detailText('Slow down and retry later'))
    if (error.statusCode === 503) return sendProblem(reply, 'service-unavailable', detailText('The service is overloaded; retry later'))
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error')
      return sendProblem(reply, 'bad-request', detailText('The request could not be understood'))
    }
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, 'internal-error')
  })

  app.setNotFoundHandler((request, reply) => {
    // A path that exists under other methods is a 405 naming them, not a 404.
    const allowed = request.server.allowedMethodsOf?.(request.url) ?? []
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(reply, 'method-not-allowed', detailText(`This path answers ${allowed.join(', ')}`))
    }
    return sendProblem(reply, 'not-found', detailText('No such route'))
  })
}

export const errorHandler = fp(errorHandlerPlugin, { name: 'error-handler', fastify: '5.x' })

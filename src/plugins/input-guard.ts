import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { cleanInput, refuseText } from '../http/hostile-text.js'
import { AppError } from '../http/problem.js'

/** Longer than any URL this API makes (ids, a cursor, a few filters), far below the 16 KiB of headers. */
export const MAX_URL_LENGTH = 2_048

/**
 * Every request passes here before its own schema sees it: a URL of sane length, and strings that
 * can be stored (see http/hostile-text.ts). One hook for all routes, so no route can forget it.
 */
async function inputGuardPlugin(app: FastifyInstance): Promise<void> {
  // Bodies are JSON only: a text/plain body is a 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain')
  app.addHook('onRequest', async (request) => {
    if (request.url.length > MAX_URL_LENGTH)
      throw new AppError('uri-too-long', `The URL may not be longer than ${MAX_URL_LENGTH} characters`)
  })
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const refused = cleanInput(request.params, 'params') ?? cleanInput(request.query, 'querystring') ?? cleanInput(request.body, 'body')
    if (refused) throw refuseText(refused)
  })
}

export const inputGuard = fp(inputGuardPlugin, { name: 'input-guard', fastify: '5.x', dependencies: ['error-handler'] })

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type Language, negotiateLanguage } from '../i18n/language.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The language of this request's problems and labels: `?lang=`, else Accept-Language, else DEFAULT_LANGUAGE. */
    readonly language: Language
  }
}

const explicitLanguage = (request: FastifyRequest): string | undefined => {
  const query = request.query as Record<string, unknown> | undefined
  const fromQuery = query && typeof query.lang === 'string' ? query.lang : undefined
  if (fromQuery) return fromQuery
  // The query may not be parsed yet when an error happens early (a bad URL); read it from the URL.
  const raw = /[?&]lang=([A-Za-z-]{2,20})(?:&|$)/.exec(request.url)
  return raw?.[1]
}

/**
 * The language of a request the framework refuses before its decorators exist (a URL that does not
 * decode, a parameter over the router's limit): the same negotiation, on the raw request.
 */
let configuredDefault: Language = 'es-MX'
export function languageOf(request: FastifyRequest): Language {
  if (request.language) return request.language
  const header = request.headers?.['accept-language']
  return negotiateLanguage(typeof header === 'string' ? header : undefined, configuredDefault, explicitLanguage(request))
}

/**
 * The language an answer that speaks is in: says it (Content-Language) and that the answer follows
 * Accept-Language (Vary, so a cache keeps one copy per language), and returns it for the words.
 */
export function answerLanguage(reply: FastifyReply): Language {
  const language = languageOf(reply.request)
  reply.header('content-language', language).header('vary', 'Accept-Language')
  return language
}

/** Decorates every request with its language, computed when first asked for. */
async function languagePlugin(app: FastifyInstance, options: { defaultLanguage: Language }): Promise<void> {
  configuredDefault = options.defaultLanguage
  app.decorateRequest('language', {
    getter(this: FastifyRequest): Language {
      const header = this.headers['accept-language']
      return negotiateLanguage(typeof header === 'string' ? header : undefined, options.defaultLanguage, explicitLanguage(this))
    },
  })
}

export const language = fp(languagePlugin, { name: 'language', fastify: '5.x' })

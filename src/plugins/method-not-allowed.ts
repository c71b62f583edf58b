import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods some route answers at this path; empty when no route has the path at all. */
    allowedMethodsOf(url: string): string[]
  }
}

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** A route's path as a pattern over the raw (still percent-encoded) path of a request. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : escapeRegExp(segment)))
    .join('/')
  return new RegExp(`^${source}/?$`)
}

/**
 * Remembers which methods each path answers, so that a request with another method on an existing
 * path is a 405 naming them in `Allow` (RFC 9110) instead of a 404 that says the path is not there.
 */
async function methodNotAllowedPlugin(app: FastifyInstance): Promise<void> {
  const routes: { pattern: RegExp; methods: string[] }[] = []
  app.addHook('onRoute', (route) => {
    // The catch-all (CORS preflight, `OPTIONS *`) would make every path look like it exists.
    if (route.url === '*' || route.url === '/*') return
    const methods = ([] as string[]).concat(route.method)
    routes.push({ pattern: patternOf(route.url ?? route.path), methods })
  })
  app.decorate('allowedMethodsOf', (url: string) => {
    const path = url.split('?')[0] ?? ''
    const allowed = new Set<string>()
    for (const route of routes) if (route.pattern.test(path)) for (const method of route.methods) allowed.add(method)
    return [...allowed].sort()
  })
}

export const methodNotAllowed = fp(methodNotAllowedPlugin, { name: 'method-not-allowed', fastify: '5.x' })

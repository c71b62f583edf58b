// A client generated from openapi.yaml (`npm run api-types` writes api-types.ts with openapi-typescript),
// calling the app in-process through openapi-fetch. When the document and the service drift apart, the
// tests written against this client stop compiling (tsc) or fail.
import type { FastifyInstance } from 'fastify'
import createClient from 'openapi-fetch'
import type { Test } from 'tap'
import type { paths } from './api-types.js'

export type ApiClient = ReturnType<typeof createClient<paths>>

/** openapi-fetch over app.inject: no socket, the same routes, hooks and serialisers as a real call. */
export function apiClient(app: FastifyInstance, headers: Record<string, string> = {}): ApiClient {
  return createClient<paths>({
    baseUrl: 'http://127.0.0.1:3000',
    headers,
    fetch: async (request: Request) => {
      const url = new URL(request.url)
      const body = request.body ? await request.text() : undefined
      const response = await app.inject({
        method: request.method as 'GET',
        url: url.pathname + url.search,
        headers: Object.fromEntries(request.headers.entries()),
        ...(body !== undefined ? { payload: body } : {}),
      })
      const responseHeaders = new Headers()
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value))
      }
      return new Response(response.statusCode === 204 ? null : response.body, { status: response.statusCode, headers: responseHeaders })
    },
  })
}

/** The body of an answer that has the expected status (the test fails, and stops here, otherwise). */
export function answered<D>(t: Test, result: { data?: D; error?: unknown; response: Response }, status: number, what = ''): D {
  t.equal(result.response.status, status, `${what}${JSON.stringify(result.error)}`)
  if (result.data === undefined) throw new Error(`${result.response.status}: ${JSON.stringify(result.error)}`)
  return result.data
}

/** A value the schema leaves optional (the policy decides what a reader sees) that this reader must get. */
export function present<V>(value: V | null | undefined, what: string): V {
  if (value === undefined || value === null) throw new Error(`${what} is missing`)
  return value
}

import type { LoadRequest } from './load.js'
import { LIST_STAGES, patchBody } from './scenarios.js'

/** GET /cases/{id} over random ids of the caller's organisation. */
export function readRequest(caseIds: readonly string[]): LoadRequest {
  let next = 0
  return {
    method: 'GET',
    setupRequest: (request) => ({ ...request, path: `/cases/${caseIds[next++ % caseIds.length]}` }),
  }
}

/** The list scenario's paths: a stage filter, 25 a page, the stage changing with every request. */
export const LIST_PATHS = LIST_STAGES.map((stage) => `/cases?stage=${stage}&limit=25`)

/** Numbers the PATCH bodies of the whole process, so no PATCH repeats an earlier value (a no-op keeps the version). */
let patchNumber = Math.floor(Math.random() * 50_000_000)

export interface PatchTally {
  /** Successful PATCHes per case, to compare with the versions in the database afterwards. */
  readonly successes: Map<string, number>
  preconditionFailed: number
}

/**
 * PATCH with If-Match. A case is never patched by two connections at once: a request takes a case
 * from the queue of idle cases with its current ETag and puts it back, with the ETag the answer
 * carries, when the answer arrives. With more cases than connections every connection always has a
 * case of its own, so a 412 means the service lost track of a version (or another writer).
 */
export function patchRequest(options: {
  idle: { id: string; etag: string }[]
  headers: Record<string, string>
  refetch: (id: string) => Promise<string | undefined>
}): { request: LoadRequest; tally: PatchTally } {
  const tally: PatchTally = { successes: new Map(), preconditionFailed: 0 }
  const request: LoadRequest = {
    method: 'PATCH',
    setupRequest: (base, context) => {
      // The queue holds several cases per connection, so it is only empty if answers stop coming.
      const entry = options.idle.shift()
      if (!entry) throw new Error('no idle case left to PATCH: the server stopped answering')
      context.caseId = entry.id
      return {
        ...base,
        path: `/cases/${entry.id}`,
        headers: { ...options.headers, 'if-match': entry.etag, 'content-type': 'application/json' },
        body: patchBody(patchNumber++),
      }
    },
    onResponse: (status, _body, context, headers) => {
      const id = String(context.caseId)
      const etag = headers.etag
      if (status >= 200 && status < 300 && typeof etag === 'string') {
        tally.successes.set(id, (tally.successes.get(id) ?? 0) + 1)
        options.idle.push({ id, etag })
        return
      }
      if (status === 412) tally.preconditionFailed += 1
      void options.refetch(id).then((fresh) => fresh && options.idle.push({ id, etag: fresh }))
    },
  }
  return { request, tally }
}

/** Names as a caseworker types them: misspelt, unaccented, family name first. */
export const SEARCH_NAMES = [
  'Maria Hernadez Lopez',
  'Jose Peres Garsia',
  'Lopez Hernandez Maria',
  'Fernanda Ramires Cruz',
  'Kevin Xol Caal',
  'Dulse Mejia Castiyo',
  'Brayan Rodrigues Aju',
  'Ixchel Tzul Choc',
  'Wilmer Martines Reyes',
  'Glenda Choc',
]

/** The search scenario's paths: a name search ranked by similarity, 25 a page. */
export const SEARCH_PATHS = SEARCH_NAMES.map((name) => `/cases?q=${encodeURIComponent(name)}&limit=25`)

/**
 * The protection officer's day (PRODUCT.md, "Finding cases and the day's work"): what is overdue on
 * my cases, everything on my cases, and what falls due on them within the week.
 */
export function taskPaths(now = new Date()): string[] {
  const inAWeek = new Date(now.getTime() + 7 * 86_400_000).toISOString().slice(0, 10)
  return ['/tasks?assignedTo=me&overdue=true', '/tasks?assignedTo=me', `/tasks?assignedTo=me&dueBefore=${inAWeek}`]
}

/** GET over the given paths in turn, one path per request. */
export function pathsRequest(paths: readonly string[]): () => LoadRequest {
  return () => {
    let next = 0
    return {
      method: 'GET',
      setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }),
    }
  }
}

/** GET /cases?stage=…&limit=25, the stage changing with every request. */
export const listRequest = pathsRequest(LIST_PATHS)

/** GET /cases?q=…&limit=25: a name search (ranked by similarity), the name changing with every request. */
export const searchRequest = pathsRequest(SEARCH_PATHS)

/**
 * GET /statistics for fixed periods (a year, a quarter, a month, an ISO week), the period changing
 * with every request: the oversight view of issue 13 over the generated years.
 */
export function statisticsPaths(now = new Date()): string[] {
  const year = now.getUTCFullYear()
  const month = String(now.getUTCMonth() + 1).padStart(2, '0')
  return [
    `/statistics?period=${year}`,
    `/statistics?period=${year - 1}`,
    `/statistics?period=${year}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`,
    `/statistics?period=${year - 1}-Q2`,
    `/statistics?period=${year}-${month}`,
    `/statistics?period=${year - 2}-11`,
    `/statistics?period=${year - 1}-W47`,
  ]
}

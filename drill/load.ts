// The write load a fault is drilled under: creates, PATCHes and notes, each carrying a unique marker,
// from a few concurrent clients. Every attempt is remembered with whether the service acknowledged
// it (2xx), so that afterwards the database can be checked against what clients were told.
import { randomUUID } from 'node:crypto'

export interface Attempt {
  readonly kind: 'create' | 'patch' | 'note'
  readonly marker: string
  readonly caseId?: string
  /** the created record's id, when acknowledged */
  id?: string
  status: number
  at: number
}

export interface LoadResult {
  readonly attempts: Attempt[]
  readonly requests: number
  readonly acknowledged: number
  /** 5xx answers other than 503: what the service must never give */
  readonly other5xx: number
}

export interface Target {
  readonly url: () => string
  readonly token: string
}

async function send(
  target: Target,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; etag: string | undefined }> {
  try {
    const response = await fetch(`${target.url()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await response.text()
    let json: any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: response.status, json, etag: response.headers.get('etag') ?? undefined }
  } catch {
    return { status: 0, json: undefined, etag: undefined } // no answer: not acknowledged
  }
}

/** One client: opens a case, then alternates PATCHes and notes on its own cases. */
async function client(targets: Target[], running: () => boolean, attempts: Attempt[], clientNumber: number): Promise<void> {
  const own: { id: string; etag: string }[] = []
  for (let step = 0; running(); step++) {
    const target = targets[(clientNumber + step) % targets.length]!
    const marker = `drill-${randomUUID()}`
    const kind = own.length === 0 || step % 3 === 0 ? 'create' : step % 3 === 1 ? 'patch' : 'note'
    if (kind === 'create') {
      const answer = await send(
        target,
        'POST',
        '/cases',
        { riskLevel: 'medium', identity: { givenName: marker } },
        { 'idempotency-key': marker },
      )
      const attempt: Attempt = { kind, marker, status: answer.status, at: Date.now() }
      if (answer.status === 201) {
        attempt.id = answer.json.id
        own.push({ id: answer.json.id, etag: answer.etag ?? '' })
      }
      attempts.push(attempt)
    } else if (kind === 'patch') {
      const mine = own[step % own.length]!
      const read = await send(target, 'GET', `/cases/${mine.id}`, undefined)
      if (read.status !== 200 || !read.etag) {
        attempts.push({ kind, marker, caseId: mine.id, status: read.status, at: Date.now() })
        continue
      }
      const answer = await send(target, 'PATCH', `/cases/${mine.id}`, { identity: { familyName: marker } }, { 'if-match': read.etag })
      attempts.push({ kind, marker, caseId: mine.id, status: answer.status, at: Date.now() })
    } else {
      const mine = own[step % own.length]!
      const answer = await send(target, 'POST', `/cases/${mine.id}/notes`, { body: marker }, { 'idempotency-key': marker })
      attempts.push({
        kind,
        marker,
        caseId: mine.id,
        id: answer.status === 201 ? answer.json.id : undefined,
        status: answer.status,
        at: Date.now(),
      })
    }
    if (answer5xxOrNone(attempts.at(-1)!)) await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function answer5xxOrNone(attempt: Attempt): boolean {
  return attempt.status === 0 || attempt.status >= 500
}

/** Starts `clients` concurrent clients spread over the targets; `stop` ends them and tells what happened. */
export function startLoad(targets: Target[], clients = 6): { stop: () => Promise<LoadResult> } {
  const attempts: Attempt[] = []
  let running = true
  const done = Promise.all(Array.from({ length: clients }, (_, index) => client(targets, () => running, attempts, index)))
  return {
    async stop() {
      running = false
      await done
      return {
        attempts,
        requests: attempts.length,
        acknowledged: attempts.filter((attempt) => attempt.status >= 200 && attempt.status < 300).length,
        other5xx: attempts.filter((attempt) => attempt.status >= 500 && attempt.status !== 503).length,
      }
    },
  }
}

/** A load for a fixed time. */
export async function runLoad(targets: Target[], seconds: number, clients = 6): Promise<LoadResult> {
  const load = startLoad(targets, clients)
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  return load.stop()
}

/** Seconds from `since` to the first acknowledged write after it (null if none came). */
export function recoverySeconds(result: LoadResult, since: number): number | null {
  const first = result.attempts
    .filter((attempt) => attempt.at >= since && attempt.status >= 200 && attempt.status < 300)
    .sort((a, b) => a.at - b.at)[0]
  return first ? Math.round((first.at - since) / 100) / 10 : null
}

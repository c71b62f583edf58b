import { PROBLEM_TYPE_PREFIX, PROBLEM_TYPES } from '../http/problem.js'
import { CATALOGUES } from '../i18n/catalogue.js'
import { attachExamples, DEMO_CASE_PATH, problemExamples } from './examples.js'

/**
 * The OpenAPI document as a product, in one module: what every route would otherwise repeat is
 * added here, from the route's own declarations, so a new route complies by declaring a summary,
 * its contract and its zod schemas (PRODUCT.md, "What stands behind every endpoint"):
 * - `operationIdOf` / `describeRoute`: an operationId and a description for every operation;
 * - `finishDocument`: problems as application/problem+json ($ref Problem, with the type catalogue and
 *   extension fields), the standard problem responses, ETag / If-Match (required) / Idempotency-Key /
 *   Location / Retry-After / RateLimit headers, date-time formats, no ±2^53 bounds, licence, servers,
 *   the token's claims;
 * - an example on every request body and 2xx answer, from the demo's invented children (./examples.ts).
 */

type Json = Record<string, any>

const METHOD_VERBS: Record<string, string> = { get: 'get', post: 'create', patch: 'update', put: 'set', delete: 'delete' }

const pascal = (word: string) =>
  word
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
const singular = (word: string) =>
  word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('ss') ? word : word.endsWith('s') ? word.slice(0, -1) : word
const isParam = (segment: string) => segment.startsWith(':') || segment.startsWith('{')

/**
 * A stable operationId from the method and path: GET /cases → listCases, GET /cases/{id} → getCase,
 * POST /cases/{id}/placements → createCasePlacement, PATCH …/placements/{pid} → updateCasePlacement,
 * POST /cases/{id}/participants/{organizationId}/end → endCaseParticipant. A route may set its own
 * (`schema.operationId`).
 */
export function operationIdOf(method: string, url: string): string {
  const segments = url.split('/').filter(Boolean)
  if (segments.length === 0) return `${method.toLowerCase()}ServiceIndex`
  const last = segments[segments.length - 1]!
  const endsWithParam = isParam(last)
  const statics = segments.filter((segment) => !isParam(segment))
  const verb = method.toLowerCase()
  const plural = (word: string) => /[^s]s$/.test(word)
  // POST /transfers/{tid}/accept, …/determinations/{did}/decision: an action on a record.
  if (verb === 'post' && !endsWithParam && statics.length > 1 && !plural(last)) {
    const action = statics.pop()!
    return action.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) + statics.map((word) => pascal(singular(word))).join('')
  }
  const list = verb === 'get' && !endsWithParam && plural(last)
  const nouns = statics.map((word, index) => pascal(list && index === statics.length - 1 ? word : singular(word)))
  if (verb === 'get') return (list ? 'list' : 'get') + nouns.join('')
  return (METHOD_VERBS[verb] ?? verb) + nouns.join('')
}

interface RouteFacts {
  readonly summary: string
  readonly public: boolean
  readonly audit: string | null | undefined
  readonly changes: boolean | undefined
  readonly discloses: string | undefined
}

/** A description from what the route declares: its summary, who may call it, what it records. */
export function describeRoute(facts: RouteFacts): string {
  const parts = [facts.summary.endsWith('.') ? facts.summary : `${facts.summary}.`]
  if (facts.public) parts.push('Public: no token needed.')
  else {
    parts.push('Needs a bearer token; the answer carries only what the caller’s role and organisation may read (policies/MATRIX.md).')
    if (facts.audit) parts.push(`Every answer, allowed or denied, is recorded in the audit trail as \`${facts.audit}\`.`)
    else if (facts.discloses) parts.push(`Records no audit event; it discloses ${facts.discloses}.`)
    if (facts.changes) parts.push('The change and its audit event are written in one transaction.')
  }
  return parts.join(' ')
}

const PROBLEM_EXTENSIONS: Json = {
  errors: {
    type: 'array',
    description: 'validation-error: each malformed field (where, JSON pointer, message); the value sent is never repeated',
    items: {
      type: 'object',
      properties: {
        in: { type: 'string', description: 'where the field is: body, querystring, params or headers' },
        path: { type: 'string', description: 'the field, as a JSON pointer' },
        message: { type: 'string', description: 'what is wrong with it' },
      },
      required: ['in', 'path', 'message'],
    },
  },
  deniedFields: {
    type: 'array',
    items: { type: 'string' },
    description: 'forbidden-fields, forbidden: the fields (section.field) this user may not write or filter on',
  },
  readOnlyFields: { type: 'array', items: { type: 'string' }, description: 'read-only-field: derived fields that nobody writes' },
  invalidFields: {
    type: 'array',
    items: { type: 'string' },
    description:
      'unprocessable-entity, forbidden: the fields (section.field) that break a rule against the rest of the record, or that a role may not change retroactively',
  },
  unmetConditions: {
    type: 'array',
    items: { type: 'string', description: 'a guard condition code' },
    description: 'guard-failed: the code of every condition the move lacks (GET /vocabulary, list guardConditions)',
  },
  conditions: {
    type: 'array',
    description: 'guard-failed: each unmet condition, spelled out: what satisfies it and who may provide it',
    items: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'the condition’s code (as in unmetConditions)' },
        message: { type: 'string', description: 'the condition in words' },
        satisfiedBy: { type: 'string', description: 'the field (section.field) or record that satisfies it' },
        roles: { type: 'array', items: { type: 'string' }, description: 'the roles that may provide it' },
      },
      required: ['code', 'message', 'satisfiedBy', 'roles'],
    },
  },
  nextStage: { type: 'string', description: 'conflict (code stage_skipped): the one stage the case may move to next' },
  allowedKinds: {
    type: 'array',
    items: { type: 'string' },
    description: 'unprocessable-entity (reason role_does_not_fit_organization): the organisation kinds the role may belong to',
  },
  deniedParameters: {
    type: 'array',
    items: { type: 'string' },
    description: 'forbidden: the query parameters (filters, sort) that name a field this user may not read',
  },
  reason: {
    type: 'string',
    description:
      'forbidden, conflict, unprocessable-entity: a stable code saying which wall or rule refused (e.g. consent_required, withholding_from_lead, role)',
  },
  code: {
    type: 'string',
    description:
      'conflict, unprocessable-entity, forbidden: a stable code of the refusal (e.g. same_stage, placement_ended, determination_decided, retroactive_placement_change)',
  },
}

function problemComponent(): Json {
  const types = Object.keys(PROBLEM_TYPES).map((code) => `${PROBLEM_TYPE_PREFIX}${code}`)
  const catalogue = Object.entries(PROBLEM_TYPES)
    .map(
      ([code, { status, title }]) =>
        `- \`${PROBLEM_TYPE_PREFIX}${code}\` (${status}): ${title} / ${CATALOGUES['es-MX'].problemTypes[code]}`,
    )
    .join('\n')
  return {
    type: 'object',
    description:
      'RFC 9457 problem document, served as application/problem+json. Clients branch on `type` (stable); people read `title` and `detail`, ' +
      'which come in Spanish (es-MX) or English by Accept-Language. A detail never carries stored values, SQL or a stack.\n\nProblem types:\n' +
      catalogue,
    properties: {
      type: { type: 'string', format: 'uri', enum: types, description: 'The problem type, a URN' },
      title: { type: 'string', description: 'The type in words, in the answer’s language' },
      status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status' },
      detail: { type: 'string', description: 'What went wrong this time, in the answer’s language' },
      instance: { type: 'string', description: 'The path of the request' },
      ...PROBLEM_EXTENSIONS,
    },
    required: ['type', 'title', 'status'],
    additionalProperties: true,
    example: {
      type: 'urn:atd:problem:forbidden-fields',
      title: 'Some fields may not be written by this user',
      status: 403,
      detail: 'You may not write: health.conditions',
      instance: DEMO_CASE_PATH,
      deniedFields: ['health.conditions'],
    },
  }
}

const STATUS_TEXT: Record<string, [string, string]> = {
  '400': ['BadRequest', 'The request is malformed or not valid (bad-request, validation-error, read-only-field)'],
  '401': ['Unauthorized', 'No valid bearer token (unauthorized); carries WWW-Authenticate: Bearer'],
  '403': ['Forbidden', 'The role or organisation may not do this (forbidden, forbidden-fields)'],
  '404': ['NotFound', 'No such record, or it is outside the caller’s scope (not-found)'],
  '405': ['MethodNotAllowed', 'The method is not allowed on this path (method-not-allowed)'],
  '409': ['Conflict', 'The state forbids it (conflict, guard-failed)'],
  '412': ['PreconditionFailed', 'If-Match names a version that is no longer current (precondition-failed)'],
  '413': ['PayloadTooLarge', 'The body is larger than 256 KiB (payload-too-large)'],
  '415': ['UnsupportedMediaType', 'The body is not application/json (unsupported-media-type)'],
  '422': ['UnprocessableEntity', 'Well-formed but wrong (unprocessable-entity)'],
  '428': ['PreconditionRequired', 'If-Match is missing (precondition-required)'],
  '429': ['TooManyRequests', 'Rate limit reached (too-many-requests); retry after Retry-After seconds'],
  '500': ['InternalError', 'Something failed inside; nothing of it is disclosed (internal-error)'],
  '503': ['ServiceUnavailable', 'Overloaded, the database unreachable, or the audit trail cannot be written (service-unavailable)'],
}

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }

const HEADERS: Json = {
  ETag: { description: 'The record’s version; send it back as If-Match to change the record', schema: { type: 'string', example: '"3"' } },
  Location: { description: 'The path of the created record; GET reads it', schema: { type: 'string', format: 'uri-reference' } },
  RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  RateLimitLimit: { description: 'Requests allowed per window (per address)', schema: { type: 'integer', minimum: 0 } },
  RateLimitRemaining: { description: 'Requests left in this window', schema: { type: 'integer', minimum: 0 } },
  RateLimitReset: { description: 'Seconds until the window resets', schema: { type: 'integer', minimum: 0 } },
  ContentLanguage: {
    description: 'The language of titles, details and labels: es-MX or en',
    schema: { type: 'string', enum: ['es-MX', 'en'] },
  },
}

const RATE_LIMIT_HEADERS = {
  'x-ratelimit-limit': { $ref: '#/components/headers/RateLimitLimit' },
  'x-ratelimit-remaining': { $ref: '#/components/headers/RateLimitRemaining' },
  'x-ratelimit-reset': { $ref: '#/components/headers/RateLimitReset' },
}

function problemResponseComponents(): Json {
  const responses: Json = {}
  for (const [status, [name, description]] of Object.entries(STATUS_TEXT)) {
    const headers: Json = { 'content-language': { $ref: '#/components/headers/ContentLanguage' } }
    if (status === '429') Object.assign(headers, { 'retry-after': { $ref: '#/components/headers/RetryAfter' }, ...RATE_LIMIT_HEADERS })
    if (status === '503') headers['retry-after'] = { $ref: '#/components/headers/RetryAfter' }
    const examples = problemExamples(Number(status))
    const content =
      Object.keys(examples).length > 0
        ? { 'application/problem+json': { ...PROBLEM_CONTENT['application/problem+json'], examples } }
        : PROBLEM_CONTENT
    responses[name] = { description, headers, content }
  }
  return responses
}

const MAX_SAFE = 9007199254740991

/**
 * A field described in its schema and made nullable where it is used (`anyOf: [described, null]`)
 * keeps its description on the field, where readers and generated clients look for it.
 */
function hoistDescription(property: Json): void {
  if (!property || property.description || !Array.isArray(property.anyOf)) return
  const described = property.anyOf.filter((member: Json) => member?.type !== 'null')
  if (described.length === 1 && typeof described[0]?.description === 'string') property.description = described[0].description
}

/** Walks every schema: drops zod's ±2^53 integer bounds, gives timestamps their format. */
function tidySchema(node: unknown, key?: string): void {
  if (Array.isArray(node)) {
    for (const item of node) tidySchema(item)
    return
  }
  if (!node || typeof node !== 'object') return
  const schema = node as Json
  if (schema.minimum === -MAX_SAFE) delete schema.minimum
  if (schema.maximum === MAX_SAFE) delete schema.maximum
  const isString = schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'))
  if (key && isString && !schema.format && !schema.enum && !schema.pattern && /(At|Since)$/.test(key)) schema.format = 'date-time'
  if (schema.properties && typeof schema.properties === 'object') {
    for (const [name, child] of Object.entries(schema.properties)) {
      tidySchema(child, name)
      hoistDescription(child as Json)
    }
  }
  for (const [name, child] of Object.entries(schema)) {
    if (name !== 'properties' && name !== 'example' && name !== 'examples' && typeof child === 'object') tidySchema(child)
  }
}

function successDescription(method: string, status: string, operation: Json): string {
  if (status === '201') return 'Created: the record as the creator may read it'
  if (status === '204') return 'Done; no content'
  const summary = typeof operation.summary === 'string' ? operation.summary : ''
  return summary ? `OK: ${summary[0]!.toLowerCase()}${summary.slice(1)}` : method === 'get' ? 'OK' : 'Done'
}

/** The GET route of the records a create makes: the create answers its Location, and its ETag when the record is versioned (changed with If-Match). */
interface ItemRead {
  readonly exists: boolean
  readonly versioned: boolean
}

function finishOperation(path: string, method: string, operation: Json, pathHasIfMatch: boolean, itemRead: ItemRead): void {
  const responses: Json = (operation.responses ??= {})
  const isPublic = Array.isArray(operation.security) && operation.security.length === 0
  const parameters: Json[] = (operation.parameters ??= [])
  let hasIfMatch = false
  for (const parameter of parameters) {
    if (parameter.in !== 'header') continue
    const name = String(parameter.name).toLowerCase()
    if (name === 'if-match') {
      hasIfMatch = true
      parameter.required = true
      parameter.description = 'The ETag of the version you read; missing: 428, stale: 412'
    } else if (name === 'idempotency-key') {
      parameter.description =
        'Any unique string (≤ 200): a retry with the same key and body answers the first result instead of creating twice'
    }
  }
  if (parameters.length === 0) delete operation.parameters
  const wanted = new Set<string>(['400', '429', '500', '503'])
  if (!isPublic) for (const status of ['401', '403']) wanted.add(status)
  if (path.includes('{')) wanted.add('404')
  if (operation.requestBody) for (const status of ['413', '415']) wanted.add(status)
  if (hasIfMatch) for (const status of ['412', '428']) wanted.add(status)
  for (const status of wanted) responses[status] ??= {}
  for (const [status, response] of Object.entries(responses) as [string, Json][]) {
    const code = Number(status)
    if (code >= 400) {
      const named = STATUS_TEXT[status]
      responses[status] = named ? { $ref: `#/components/responses/${named[0]}` } : { description: 'Problem', content: PROBLEM_CONTENT }
      continue
    }
    if (!response.description || response.description === 'Default Response')
      response.description = successDescription(method, status, operation)
    const headers: Json = (response.headers ??= {})
    if (status === '201' && itemRead.exists) {
      headers.location = { $ref: '#/components/headers/Location' }
      // A create that is an update of its parent (If-Match: a transition of a case) answers the parent's new ETag.
      if (itemRead.versioned || hasIfMatch) headers.etag = { $ref: '#/components/headers/ETag' }
    } else if (status === '200' && (hasIfMatch || (method === 'get' && pathHasIfMatch))) {
      headers.etag = { $ref: '#/components/headers/ETag' }
    }
    if (Object.keys(headers).length === 0) delete response.headers
  }
}

function rewriteRefs(node: unknown, from: string, to: string): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item, from, to)
    return
  }
  if (!node || typeof node !== 'object') return
  const object = node as Json
  if (object.$ref === from) object.$ref = to
  for (const child of Object.values(object)) if (typeof child === 'object') rewriteRefs(child, from, to)
}

const refCount = (document: Json, ref: string) => JSON.stringify(document).split(`"${ref}"`).length - 1

/**
 * zod names a schema read in requests `<Name>Input`: one name is enough where request and answer
 * agree or only one side uses it. Then components nothing refers to are dropped.
 */
function tidyComponents(document: Json): void {
  const schemas: Json = document.components.schemas
  for (const name of Object.keys(schemas)) {
    if (!name.endsWith('Input')) continue
    const base = name.slice(0, -'Input'.length)
    const same = schemas[base] !== undefined && JSON.stringify(schemas[base]) === JSON.stringify(schemas[name])
    if (schemas[base] === undefined || same || refCount(document, `#/components/schemas/${base}`) === 0) {
      schemas[base] = schemas[name]
      delete schemas[name]
      rewriteRefs(document, `#/components/schemas/${name}`, `#/components/schemas/${base}`)
    }
  }
  for (let changed = true; changed; ) {
    changed = false
    for (const kind of ['schemas', 'responses', 'headers']) {
      const group: Json = document.components[kind] ?? {}
      for (const name of Object.keys(group)) {
        if (refCount(document, `#/components/${kind}/${name}`) === 0) {
          delete group[name]
          changed = true
        }
      }
    }
  }
}

/** Applied to the whole document after the route schemas are turned into it. */
export function finishDocument(document: Json): Json {
  const components: Json = (document.components ??= {})
  const schemas: Json = (components.schemas ??= {})
  schemas.Problem = problemComponent()
  components.responses = { ...problemResponseComponents(), ...components.responses }
  components.headers = { ...HEADERS, ...components.headers }
  const hasIfMatch = (item: Json) =>
    Object.values(item).some(
      (operation: any) =>
        Array.isArray(operation?.parameters) &&
        operation.parameters.some((p: Json) => p.in === 'header' && String(p.name).toLowerCase() === 'if-match'),
    )
  for (const [path, item] of Object.entries((document.paths ?? {}) as Json)) {
    const ifMatchHere = hasIfMatch(item as Json)
    const itemPath = Object.entries(document.paths as Json).find(
      ([other, otherItem]) => other.startsWith(`${path}/{`) && !other.slice(path.length + 1).includes('/') && (otherItem as Json).get,
    )
    const itemRead: ItemRead = { exists: itemPath !== undefined, versioned: itemPath !== undefined && hasIfMatch(itemPath[1] as Json) }
    for (const [method, operation] of Object.entries(item as Json)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      finishOperation(path, method, operation as Json, ifMatchHere, itemRead)
    }
  }
  tidySchema(document.paths)
  tidySchema(schemas)
  tidyComponents(document)
  attachExamples(document)
  return document
}

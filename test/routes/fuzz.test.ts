// A generated fuzz test: it walks every operation of the served OpenAPI document and sends values
// derived from each operation's own schemas, mixed with hostile ones (NUL, lone surrogates, 10k-char
// strings, year 0 and 99999, huge and negative numbers, forged cursors, wrong types, repeated query
// keys), with real tokens of several roles. Whatever is sent, the answer is never a 5xx, every 4xx is
// a problem document, and a refusal changes nothing: a fingerprint of every business table (one
// statement, test/helpers/business-state.ts) is the same after each 4xx of a write as before it
// (a 2xx, a valid request the fuzzer happened to make, may change state), and the same after all
// the requests of a read. RUNS_PER_OPERATION × operations requests per database: 1,460 with the 73
// operations of today.
import fc from 'fast-check'
import t from 'tap'
import { build, createCast, createUser, type TestUser, grantParticipation } from '../helpers/build.js'
import { businessFingerprint, changedTables, unsortedTables } from '../helpers/business-state.js'

const RUNS_PER_OPERATION = 20

interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  format?: string
  pattern?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  additionalProperties?: boolean | JsonSchema
  $ref?: string
}

interface Operation {
  method: string
  path: string
  parameters: { in: string; name: string; schema?: JsonSchema; required?: boolean }[]
  body?: JsonSchema
}

const cursorOf = (text: string) => Buffer.from(text).toString('base64url')

const hostileString = fc.constantFrom(
  '\u0000',
  'Ana\u0000Lucía',
  '\ud800',
  'x\udc00',
  'x'.repeat(10_000),
  '0000-01-01',
  '99999-12-31',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  cursorOf('-'.repeat(36)),
  cursorOf(`cases|${'-'.repeat(36)}`),
  cursorOf('audit-events|99999999999999999999'),
  'zzz',
  "' OR 1=1 --",
  '1e309',
  '-1',
  '9007199254740993',
  '__proto__',
  '',
  ' ',
  'Jose\u0301',
)
const hostileNumber = fc.constantFrom(1e308, -1e308, 2 ** 60, -(2 ** 60), -1, 0, 1.5, Number.MAX_SAFE_INTEGER + 2)
const wrongType = fc.constantFrom<unknown>(null, true, [], {}, 'x', 42, [null], { a: { b: { c: [] } } })
const hostile: fc.Arbitrary<unknown> = fc.oneof(hostileString, hostileNumber, wrongType)

/** A value for a JSON schema: plausible most of the time, hostile at any node some of the time. */
function valueFor(schema: JsonSchema | undefined, ids: fc.Arbitrary<string>, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: plausible(schema, ids, depth) }, { weight: 1, arbitrary: hostile })
}

function plausible(schema: JsonSchema | undefined, ids: fc.Arbitrary<string>, depth: number): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return hostile
  const choices = schema.anyOf ?? schema.oneOf ?? schema.allOf
  if (choices && choices.length > 0) return fc.oneof(...choices.map((choice) => valueFor(choice, ids, depth + 1)))
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const type = Array.isArray(schema.type) ? schema.type.find((name) => name !== 'null') : schema.type
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return fc.oneof(ids, fc.uuid())
      if (schema.format === 'date')
        return fc.oneof(
          fc.constant('2026-11-20'),
          fc
            .date({ min: new Date(-62_198_755_200_000), max: new Date(8.64e15), noInvalidDate: true })
            .map((date) => date.toISOString().slice(0, 10)),
        )
      if (schema.format === 'date-time')
        return fc.oneof(
          fc.constant('2026-11-20T10:00:00.000Z'),
          fc.date({ min: new Date(-62_198_755_200_000), max: new Date(8.64e15), noInvalidDate: true }).map((date) => date.toISOString()),
        )
      return fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.constantFrom('GT', 'Ana María', 'true', '1'),
      )
    case 'integer':
      return fc.oneof(fc.integer({ min: -5, max: 200 }), hostileNumber)
    case 'number':
      return fc.oneof(fc.double(), hostileNumber)
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(valueFor(schema.items, ids, depth + 1), { maxLength: 3 })
    case 'object': {
      const properties = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valueFor(property, ids, depth + 1)])),
        { requiredKeys: Object.keys(properties).filter((name) => required.has(name) || Math.random() < 0.5) },
      )
      // Sometimes a field the schema does not know, with a hostile name.
      return fc.oneof(
        { weight: 5, arbitrary: record },
        {
          weight: 1,
          arbitrary: fc
            .tuple(record, fc.constantFrom('extra', 'x\u0000', '\ud800', '__proto__'), hostile)
            .map(([value, key, extra]) => ({ ...value, [key]: extra })),
        },
      )
    }
    default:
      return hostile
  }
}

/** Percent-encodes like a client would, and a lone surrogate as the bytes of its (invalid) UTF-8 form. */
function encodePart(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
  let encoded = ''
  for (const char of text) {
    try {
      encoded += encodeURIComponent(char)
    } catch {
      const code = char.charCodeAt(0)
      encoded +=
        `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase()
    }
  }
  return encoded
}

t.test('fuzzing every operation of the OpenAPI document: no 5xx, every 4xx a problem document that changed nothing', async (t) => {
  const { app, database } = await build(t)
  const cast = await createCast(database)
  const protection = await createUser(database, 'protection_officer')
  const created = await app.inject({ method: 'POST', url: '/cases', headers: cast.ngo.headers, payload: { riskLevel: 'medium' } })
  t.equal(created.statusCode, 201, created.body)
  const caseId: string = created.json().id
  for (const user of [cast.attorney, cast.migration, protection]) {
    await grantParticipation(database.db, user.organizationId, caseId, cast.ngo.id)
  }
  const beforeNote = await businessFingerprint(database.db)
  const note = await app.inject({
    method: 'POST',
    url: `/cases/${caseId}/notes`,
    headers: cast.ngo.headers,
    payload: { body: 'First visit' },
  })
  // The fingerprint sees a change: the note just written.
  t.same(changedTables(beforeNote, await businessFingerprint(database.db)), ['case_history', 'case_notes'], 'a new note is seen')
  const ids = fc.constantFrom(caseId, note.json().id as string, cast.ngo.id, cast.ngo.organizationId, cast.attorney.organizationId)
  const users: TestUser[] = [cast.ngo, cast.attorney, cast.migration, cast.auditor, cast.admin, protection]

  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<string, { parameters?: Operation['parameters']; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
    >
  }
  const operations: Operation[] = []
  for (const [path, methods] of Object.entries(document.paths)) {
    if (path.startsWith('/docs')) continue
    for (const [method, operation] of Object.entries(methods)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      })
    }
  }
  t.ok(operations.length >= 40, `${operations.length} operations in the document`)

  t.same(await unsortedTables(database.db), [], 'every table is either business state or meant to change on a refusal')
  let fingerprintMs = 0
  const fingerprint = async () => {
    const started = performance.now()
    const taken = await businessFingerprint(database.db)
    fingerprintMs += performance.now() - started
    return taken
  }
  let state = await fingerprint()
  let requests = 0
  const statuses = new Map<number, number>()
  for (const operation of operations) {
    const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path')
    const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query')
    // A read changes no business state whatever its answer, so one fingerprint after all its runs
    // checks it; a write is checked after each request (its 2xx may change state, its 4xx not).
    const isRead = operation.method === 'GET'
    const request = fc.record({
      user: fc.constantFrom(...users),
      path: fc.tuple(...pathParameters.map(() => fc.oneof({ weight: 3, arbitrary: ids }, { weight: 1, arbitrary: hostile }))),
      query: fc.record(Object.fromEntries(queryParameters.map((parameter) => [parameter.name, valueFor(parameter.schema, ids)])), {
        requiredKeys: [],
      }),
      repeatKey: fc.boolean(),
      body: operation.body ? valueFor(operation.body, ids) : fc.constant(undefined),
      ifMatch: fc.constantFrom(undefined, '"1"', '"1152921504606846976"', '"\u00ff"', 'W/"0"'),
    })
    try {
      await fc.assert(
        fc.asyncProperty(request, async (input) => {
          let index = 0
          const path = operation.path.replace(/\{\w+\}/g, () => encodePart(input.path[index++]))
          const pairs = Object.entries(input.query).map(([name, value]) => `${encodePart(name)}=${encodePart(value)}`)
          if (input.repeatKey && pairs[0]) pairs.push(pairs[0])
          const url = pairs.length ? `${path}?${pairs.join('&')}` : path
          const response = await app.inject({
            method: operation.method as 'GET',
            url,
            headers: {
              ...input.user.headers,
              ...(input.ifMatch ? { 'if-match': input.ifMatch } : {}),
              ...(input.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(input.body === undefined ? {} : { payload: JSON.stringify(input.body) }),
          })
          requests++
          // Taken before any check throws, so the next run compares with the state as it now is.
          const before = state
          if (!isRead) state = await fingerprint()
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
          const where = `${operation.method} ${url.slice(0, 300)} as ${input.user.role}`
          if (response.statusCode >= 500) throw new Error(`${where}: ${response.statusCode} ${response.body.slice(0, 300)}`)
          if (response.statusCode >= 400 && !/^application\/problem\+json/.test(String(response.headers['content-type']))) {
            throw new Error(`${where}: ${response.statusCode} in ${String(response.headers['content-type'])}`)
          }
          if (/FST_ERR/.test(response.body)) throw new Error(`${where}: a framework code in the body`)
          const changed = changedTables(before, state)
          if (response.statusCode >= 400 && changed.length > 0)
            throw new Error(`${where}: ${response.statusCode}, yet ${changed.join(', ')} changed`)
        }),
        { numRuns: RUNS_PER_OPERATION },
      )
      if (isRead) {
        const before = state
        state = await fingerprint()
        const changed = changedTables(before, state)
        if (changed.length > 0) throw new Error(`a read changed ${changed.join(', ')}`)
      }
      t.pass(`${operation.method} ${operation.path}`)
    } catch (error) {
      t.fail(`${operation.method} ${operation.path}: ${(error as Error).message.slice(0, 2_000)}`)
      // The next operation is judged against the state as it now is, not blamed for this one's change.
      state = await fingerprint()
    }
  }
  t.ok(requests >= operations.length * RUNS_PER_OPERATION, `${requests} requests sent`)
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`)
  t.comment(`fingerprints: ${Math.round(fingerprintMs)} ms in all`)
  // The fuzzing may well have deactivated the cast's users or organisations (a valid PATCH as the
  // admin): a user made afterwards proves the service still answers.
  const afterwards = await createUser(database, 'ngo_caseworker')
  t.equal(
    (await app.inject({ method: 'GET', url: '/cases?limit=1', headers: afterwards.headers })).statusCode,
    200,
    'the service still answers',
  )
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})

import { readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { OPENAPI_FILE, renderOpenApi } from '../scripts/openapi.js'
import { build } from './helpers/build.js'

t.test('the committed openapi.yaml is what the code generates', async (t) => {
  const { app } = await build(t)
  const generated = await renderOpenApi(app)
  const committed = await readFile(OPENAPI_FILE, 'utf8')
  if (committed !== generated) {
    const committedLines = committed.split('\n')
    const generatedLines = generated.split('\n')
    const line = generatedLines.findIndex((text, index) => text !== committedLines[index])
    t.fail(
      `${OPENAPI_FILE} is out of date: run \`npm run openapi\` and commit it ` +
        `(first difference at line ${line + 1}: committed ${JSON.stringify(committedLines[line])}, generated ${JSON.stringify(generatedLines[line])})`,
    )
  } else {
    t.pass(`${OPENAPI_FILE} is up to date`)
  }

  const document = parse(generated)
  t.equal(document.openapi, '3.1.0')
  for (const path of ['/health', '/ready', '/me', '/organizations', '/users', '/users/{id}', '/cases', '/cases/{id}']) {
    t.ok(document.paths[path], `${path} is described`)
  }
  t.same(Object.keys(document.paths['/users/{id}']).sort(), ['get', 'patch'])
  for (const path of [
    '/cases/{id}/transfers',
    '/cases/{id}/transfers/{tid}',
    '/transfers',
    '/transfers/{tid}/accept',
    '/transfers/{tid}/decline',
    '/cases/{id}/participants/{organizationId}/end',
  ]) {
    t.ok(document.paths[path], `${path} is described`)
  }
  t.ok(document.paths['/ready'].get.responses['503'], '/ready documents its 503')
  t.same(document.paths['/health'].get.security, [], 'public routes need no token')
  t.same(document.security, [{ bearer: [] }], 'every other route needs a bearer token')
  t.notOk(
    Object.keys(document.paths).some((path) => path.startsWith('/docs')),
    'the reference page is not part of the API',
  )
})

t.test('the document as a product (src/openapi/document.ts)', async (t) => {
  const { app } = await build(t)
  const document = parse(await renderOpenApi(app))
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  )
  const ids = operations.map(({ operation }) => operation.operationId)
  t.same(
    ids.filter((id) => typeof id !== 'string' || id.length === 0),
    [],
    'every operation has an operationId',
  )
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  t.equal(document.paths['/cases/{id}/placements'].post.operationId, 'createCasePlacement')
  t.equal(document.paths['/cases'].get.operationId, 'listCases')
  t.equal(document.paths['/cases/{id}'].get.operationId, 'getCase')
  for (const { path, method, operation } of operations) {
    const where = `${method.toUpperCase()} ${path}`
    t.ok(operation.summary && operation.description, `${where} has a summary and a description`)
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      if (Number(status) >= 400) t.match(response.$ref, /^#\/components\/responses\//, `${where} ${status} is a problem response`)
      else t.not(response.description, 'Default Response', `${where} ${status} says what it answers`)
    }
    if (operation.security?.length !== 0) t.ok(operation.responses['401'] && operation.responses['403'], `${where} documents 401 and 403`)
    t.ok(operation.responses['429'] && operation.responses['503'], `${where} documents 429 and 503`)
    if (operation.requestBody) t.ok(operation.responses['413'] && operation.responses['415'], `${where} documents 413 and 415`)
    const ifMatch = (operation.parameters ?? []).find((parameter: any) => parameter.in === 'header' && parameter.name === 'if-match')
    if (ifMatch) {
      t.equal(ifMatch.required, true, `${where}: If-Match is required (428 without it)`)
      t.ok(operation.responses['428'] && operation.responses['412'], `${where} documents 428 and 412`)
    }
    const created = operation.responses['201']
    if (created) t.ok(created.headers?.location, `${where} 201 documents its Location`)
  }
  // Every Location resolves: each \`.header('location', …)\` in src/routes names a path with a GET.
  const { readdirSync, readFileSync } = await import('node:fs')
  const locations = readdirSync('src/routes').flatMap((file) =>
    [...readFileSync(`src/routes/${file}`, 'utf8').matchAll(/header\('location', `([^`]+)`\)/g)].map((match) =>
      match[1]!.replace(/\$\{[^}]*\}/g, '{}'),
    ),
  )
  t.ok(locations.length >= 6, `found ${locations.length} Location headers`)
  const shapes = new Map(Object.keys(document.paths).map((path) => [path.replace(/\{[^}]*\}/g, '{}'), path]))
  for (const location of locations) {
    const path = shapes.get(location)
    t.ok(path && document.paths[path].get, `Location ${location} has a GET`)
    if (path) {
      const creator = Object.keys(document.paths).find(
        (candidate) => path.startsWith(`${candidate}/{`) && document.paths[candidate].post?.responses['201'],
      )
      t.ok(creator && document.paths[creator].post.responses['201'].headers?.location, `the create answering ${location} documents it`)
    }
  }
  const problemResponse = document.components.responses.Forbidden
  t.ok(problemResponse.content['application/problem+json'], 'problems are application/problem+json')
  const problem = document.components.schemas.Problem
  for (const field of ['deniedFields', 'unmetConditions', 'readOnlyFields', 'reason', 'errors'])
    t.ok(problem.properties[field], `Problem documents ${field}`)
  t.ok(problem.properties.type.enum.includes('urn:atd:problem:guard-failed'), 'the problem type catalogue')
  for (const name of ['Case', 'Placement', 'Problem', 'NewCase', 'Consent', 'Note'])
    t.ok(document.components.schemas[name], `component ${name}`)
  t.equal(
    document.paths['/cases/{id}'].get.responses['200'].content['application/json'].schema.$ref,
    '#/components/schemas/Case',
    'the case is a $ref',
  )
  const text = JSON.stringify(document)
  t.notMatch(text, '9007199254740991', 'no ±2^53 bounds')
  t.ok(document.info.license, 'a licence')
  t.ok(document.servers?.length, 'servers')
  t.match(document.components.securitySchemes.bearer.description, /aud/, 'the token’s claims')
  t.equal(document.components.schemas.Case.properties.openedAt.format, 'date-time', 'timestamps are date-time')
  t.ok(document.paths['/cases/{id}'].get.responses['200'].headers.etag, 'a read documents its ETag')
})

t.test('a route without a summary does not start', async (t) => {
  const Fastify = (await import('fastify')).default
  const { openapi, MissingRouteSummaryError } = await import('../src/plugins/openapi.js')
  const app = Fastify({ logger: false })
  await app.register(openapi)
  t.throws(() => app.get('/nameless', { config: { public: true } }, async () => ({})), MissingRouteSummaryError)
  await app.close()
})

t.test('the typed client’s types are what openapi.yaml generates (npm run api-types)', async (t) => {
  const { default: openapiTS, astToString } = await import('openapi-typescript')
  const { pathToFileURL } = await import('node:url')
  // As `npm run api-types` does: a request field with a default is optional (the service fills it in).
  const generated = astToString(await openapiTS(pathToFileURL(OPENAPI_FILE), { defaultNonNullable: false }))
  const committed = await readFile('test/helpers/api-types.ts', 'utf8')
  t.ok(committed.endsWith(generated), 'test/helpers/api-types.ts is up to date: run `npm run api-types` after `npm run openapi`')
})

t.test('every field of every schema says what it is (descriptions live in the zod schemas)', async (t) => {
  const { app } = await build(t)
  const document = parse(await renderOpenApi(app))
  const undescribed: string[] = []
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, where)
      return
    }
    if (!node || typeof node !== 'object') return
    const schema = node as Record<string, any>
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, any>)) {
      // A $ref is described where it points: components are walked too.
      if (!property?.description && !property?.$ref) undescribed.push(`${where}.${name}`)
    }
    for (const [key, child] of Object.entries(schema)) {
      if (key === 'example' || key === 'examples') continue
      if (key === 'properties')
        for (const [name, property] of Object.entries(child as Record<string, unknown>)) visit(property, `${where}.${name}`)
      else visit(child, where)
    }
  }
  for (const [name, schema] of Object.entries(document.components.schemas as Record<string, unknown>)) visit(schema, name)
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`
      visit(operation.requestBody, `${where} body`)
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, unknown>))
        visit(response, `${where} ${status}`)
    }
  }
  t.same(undescribed, [], 'no property without a description')
  t.ok(Object.keys(document.components.schemas).length > 10, 'the walk reached the components')
})

t.test('every query, path and header parameter of every operation says what it is (described in the zod schemas)', async (t) => {
  const { app } = await build(t)
  const document = parse(await renderOpenApi(app))
  const undescribed: string[] = []
  let walked = 0
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    // Parameters may sit on the path item (shared by its operations) or on each operation.
    const shared = (item.parameters ?? []) as Record<string, any>[]
    for (const [method, operation] of Object.entries(item)) {
      if (!methods.includes(method)) continue
      for (const parameter of [...shared, ...((operation.parameters ?? []) as Record<string, any>[])]) {
        const resolved = parameter.$ref
          ? document.components.parameters?.[String(parameter.$ref).replace('#/components/parameters/', '')]
          : parameter
        walked++
        if (typeof resolved?.description !== 'string' || resolved.description.trim() === '')
          undescribed.push(`${method.toUpperCase()} ${path} ${resolved?.in ?? '?'} ${resolved?.name ?? parameter.$ref}`)
      }
    }
  }
  t.same(undescribed, [], 'no parameter without a description')
  t.ok(walked > 100, `the walk reached the parameters (${walked})`)
})

t.test('every request body and 2xx JSON answer has an example that fits its schema (src/openapi/examples.ts)', async (t) => {
  const { app } = await build(t)
  const document = parse(await renderOpenApi(app))
  const { Ajv2020 } = await import('ajv/dist/2020.js')
  const { default: addFormats } = await import('ajv-formats')
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  ;(addFormats as unknown as (ajv: unknown) => void)(ajv)
  // The schemas refer to `#/components/schemas/…`: validate against the document's own components.
  ajv.addSchema({ $id: 'openapi', components: document.components })
  const rebase = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'))
  const missing: string[] = []
  const invalid: string[] = []
  let checked = 0
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`
      const media: [string, any][] = []
      if (operation.requestBody) media.push([`${where} body`, operation.requestBody.content?.['application/json']])
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        if (/^2\d\d$/.test(status) && status !== '204') media.push([`${where} ${status}`, response.content?.['application/json']])
      }
      for (const [what, content] of media) {
        if (!content) continue
        if (content.example === undefined) {
          missing.push(what)
          continue
        }
        const validate = ajv.compile(rebase(content.schema))
        checked++
        if (!validate(content.example)) invalid.push(`${what}: ${ajv.errorsText(validate.errors)}`)
      }
    }
  }
  for (const [name, response] of Object.entries(document.components.responses as Record<string, any>)) {
    const content = response.content?.['application/problem+json']
    const examples = Object.entries((content?.examples ?? {}) as Record<string, any>)
    if (!content || examples.length === 0) {
      missing.push(`response ${name}`)
      continue
    }
    const validate = ajv.compile(rebase(content.schema))
    for (const [code, example] of examples) {
      checked++
      if (!validate(example.value)) invalid.push(`response ${name} ${code}: ${ajv.errorsText(validate.errors)}`)
      else if (example.value.type !== `urn:atd:problem:${code}`) invalid.push(`response ${name} ${code}: type ${example.value.type}`)
    }
  }
  t.same(missing, [], 'every request body, 2xx JSON answer and problem response has an example')
  t.same(invalid, [], 'every example validates against its schema')
  t.ok(checked > 60, `checked ${checked} examples`)
  const newCase = document.paths['/cases'].post.requestBody.content['application/json'].example
  const { DEMO_CHILDREN } = await import('../src/db/demo-cases.js')
  t.ok(
    DEMO_CHILDREN.some(([given, family]) => newCase.identity.givenName === given && newCase.identity.familyName === family),
    'the case examples are a demo child',
  )
  // A broken example is caught: the check is not vacuous.
  const caseSchema = ajv.compile(rebase({ $ref: '#/components/schemas/Case' }))
  const caseExample = document.paths['/cases/{id}'].get.responses['200'].content['application/json'].example
  t.notOk(caseSchema({ ...caseExample, stage: 'nowhere' }), 'an example with a wrong stage does not validate')
})

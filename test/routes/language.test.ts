import t from 'tap'
import { PROBLEM_TYPES, type ProblemCode, problemDocument } from '../../src/http/problem.js'
import { CATALOGUES, findDetail, translateDetail } from '../../src/i18n/catalogue.js'
import { LANGUAGES, negotiateLanguage } from '../../src/i18n/language.js'
import { localizeProblem } from '../../src/i18n/localize-problem.js'
import { VOCABULARY_LISTS } from '../../src/i18n/vocabulary-lists.js'
import { build, createUser } from '../helpers/build.js'
import { detailShape, findProblemDetails } from '../helpers/problem-details.js'

const placeholders = (text: string) => [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]).sort()

t.test('the message catalogues', async (t) => {
  await t.test('every problem detail the code can raise has an entry in both catalogues', async (t) => {
    const found = findProblemDetails()
    t.ok(found.length > 40, `found ${found.length} details in src`)
    for (const language of LANGUAGES) {
      const shapes = new Set(Object.keys(CATALOGUES[language].details).map(detailShape))
      const missing = found.filter((detail) => !shapes.has(detail.shape))
      t.same(
        missing.map((detail) => `${detail.file}:${detail.line} ${JSON.stringify(detail.shape)}`),
        [],
        `src/i18n/${language}.json lacks these details (key: the English text, {name} for each \${…})`,
      )
    }
  })

  await t.test('both catalogues have the same keys, and a translation keeps every placeholder', async (t) => {
    const en = CATALOGUES.en
    const es = CATALOGUES['es-MX']
    t.same(Object.keys(es.details).sort(), Object.keys(en.details).sort(), 'the same details')
    t.same(Object.keys(es.problemTypes).sort(), Object.keys(PROBLEM_TYPES).sort(), 'es-MX titles every problem type')
    t.same(Object.keys(en.problemTypes).sort(), Object.keys(PROBLEM_TYPES).sort(), 'en titles every problem type')
    for (const language of LANGUAGES) {
      for (const [key, value] of Object.entries(CATALOGUES[language].details)) {
        t.same(placeholders(value), placeholders(key), `${language}: ${JSON.stringify(key)} keeps its placeholders`)
      }
    }
  })

  await t.test('every code of every list has a label in both languages', async (t) => {
    for (const language of LANGUAGES) {
      const lists = CATALOGUES[language].lists
      for (const [name, codes] of Object.entries(VOCABULARY_LISTS)) {
        const unlabelled = codes.filter((code) => typeof lists[name]?.[code] !== 'string' || lists[name]![code]!.length === 0)
        t.same(unlabelled, [], `${language}: lists.${name}`)
      }
    }
  })

  await t.test('details translate, exact entries before patterns, filled-in parts carried over', async (t) => {
    t.same(translateDetail('No such case', 'es-MX'), { text: 'No existe el expediente', missing: false })
    t.same(translateDetail('No such referral', 'es-MX'), { text: 'No existe el recurso (referral)', missing: false })
    t.same(translateDetail('You may not write: identity.givenName, notes.notes', 'es-MX'), {
      text: 'No puede escribir: identity.givenName, notes.notes',
      missing: false,
    })
    t.same(
      translateDetail('The case does not meet 2 condition(s) for custody', 'es-MX').text,
      'El expediente no cumple 2 condición(es) para custody',
    )
    t.same(translateDetail('No such case', 'en'), { text: 'No such case', missing: false })
    t.same(translateDetail('A detail nobody catalogued', 'es-MX'), { text: 'A detail nobody catalogued', missing: true })
    t.equal(findDetail('A detail nobody catalogued'), undefined)
  })

  await t.test('every problem type, in both languages', async (t) => {
    for (const code of Object.keys(PROBLEM_TYPES) as ProblemCode[]) {
      const body = problemDocument(code, 'The cursor is not valid')
      const es = localizeProblem(body, code, 'es-MX', () => t.fail('missing'))
      const en = localizeProblem(body, code, 'en', () => t.fail('missing'))
      t.equal(es.title, CATALOGUES['es-MX'].problemTypes[code], `${code} es-MX`)
      t.equal(en.title, PROBLEM_TYPES[code].title, `${code} en`)
      t.not(es.title, en.title, `${code} is translated`)
      t.equal(es.type, `urn:atd:problem:${code}`, 'the type never changes')
      t.equal(es.detail, 'El cursor no es válido')
    }
    const guard = problemDocument('guard-failed', 'The case does not meet 1 condition(s) for custody', {
      unmetConditions: [{ code: 'no_current_placement', message: 'The child has no current placement' }],
    })
    t.same(localizeProblem(guard, 'guard-failed', 'es-MX', () => {}).unmetConditions, [
      { code: 'no_current_placement', message: 'La niña, niño o adolescente no tiene colocación vigente' },
    ])
  })
})

t.test('choosing the language', async (t) => {
  t.equal(negotiateLanguage(undefined, 'es-MX'), 'es-MX')
  t.equal(negotiateLanguage(undefined, 'en'), 'en')
  t.equal(negotiateLanguage('en-US,en;q=0.9', 'es-MX'), 'en')
  t.equal(negotiateLanguage('es', 'en'), 'es-MX')
  t.equal(negotiateLanguage('fr-FR, en;q=0.5, es-MX;q=0.8', 'en'), 'es-MX', 'by q-value')
  t.equal(negotiateLanguage('fr-FR', 'es-MX'), 'es-MX', 'nothing fits: the default')
  t.equal(negotiateLanguage('en;q=0, es;q=0.1', 'en'), 'es-MX', 'q=0 means not this one')
  t.equal(negotiateLanguage('*', 'en'), 'en')
  t.equal(negotiateLanguage('es-MX', 'es-MX', 'en'), 'en', '?lang= wins')
  t.equal(negotiateLanguage('garbage;;;q=x,,', 'es-MX'), 'es-MX')
})

t.test('problems over HTTP follow Accept-Language', async (t) => {
  const { app, database } = await build(t)
  const worker = await createUser(database, 'ngo_caseworker')

  await t.test('a 401 in Spanish and in English', async (t) => {
    const es = await app.inject({ method: 'GET', url: '/me', headers: { 'accept-language': 'es-MX,es;q=0.9' } })
    t.equal(es.statusCode, 401)
    t.match(es.headers['content-type'], /^application\/problem\+json/)
    t.equal(es.headers['content-language'], 'es-MX')
    t.match(es.headers.vary, /Accept-Language/)
    t.same(es.json(), {
      type: 'urn:atd:problem:unauthorized',
      title: 'Se requiere autenticación',
      status: 401,
      detail: 'Se requiere un token bearer válido',
      instance: '/me',
    })
    const en = await app.inject({ method: 'GET', url: '/me', headers: { 'accept-language': 'en-GB' } })
    t.equal(en.json().title, 'Authentication required')
    t.equal(en.json().detail, 'A valid bearer token is required')
    t.equal(en.headers['content-language'], 'en')
  })

  await t.test('a 404 for a case, a validation error and an unknown route in Spanish', async (t) => {
    const headers = { ...worker.headers, 'accept-language': 'es' }
    const missing = await app.inject({ method: 'GET', url: '/cases/0190a0b0-0000-7000-8000-000000000000', headers })
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().title, 'No encontrado')
    t.equal(missing.json().detail, 'No existe el expediente')
    const invalid = await app.inject({ method: 'POST', url: '/cases', headers, payload: { riskLevel: 'enormous' } })
    t.equal(invalid.statusCode, 400)
    t.equal(invalid.json().title, 'La solicitud no es válida')
    t.equal(invalid.json().detail, 'Faltan algunos campos o tienen un formato incorrecto')
    const route = await app.inject({ method: 'GET', url: '/no-such-route', headers })
    t.same([route.json().title, route.json().detail], ['No encontrado', 'No existe esta ruta'])
    const json = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{',
    })
    t.same([json.statusCode, json.json().detail], [400, 'El cuerpo no es JSON válido'])
  })
})

t.test('the deployment default is es-MX unless configured', async (t) => {
  const { app } = await build(t, { environment: { DEFAULT_LANGUAGE: 'es-MX' } })
  const plain = await app.inject({ method: 'GET', url: '/me' })
  t.equal(plain.json().title, 'Se requiere autenticación')
  const english = await app.inject({ method: 'GET', url: '/me', headers: { 'accept-language': 'en' } })
  t.equal(english.json().title, 'Authentication required')
  const vocabulary = await app.inject({ method: 'GET', url: '/vocabulary' })
  t.equal(vocabulary.json().lang, 'es-MX')
})

t.test('GET /vocabulary', async (t) => {
  const { app } = await build(t)

  await t.test('every list, labelled in the language asked for, without a token', async (t) => {
    const en = await app.inject({ method: 'GET', url: '/vocabulary?lang=en' })
    t.equal(en.statusCode, 200, en.body)
    t.equal(en.json().lang, 'en')
    t.equal(en.headers['content-language'], 'en')
    const es = await app.inject({ method: 'GET', url: '/vocabulary', headers: { 'accept-language': 'es-MX' } })
    t.equal(es.json().lang, 'es-MX')
    const names = [...Object.keys(VOCABULARY_LISTS), 'problemTypes'].sort()
    t.same(Object.keys(en.json().lists).sort(), names)
    t.same(Object.keys(es.json().lists).sort(), names)
    for (const [name, codes] of Object.entries(VOCABULARY_LISTS)) {
      t.same(
        es.json().lists[name].map((entry: { code: string }) => entry.code),
        codes,
        `${name}: every code, in order`,
      )
    }
    const label = (body: { lists: Record<string, { code: string; label: string }[]> }, list: string, code: string) =>
      body.lists[list]!.find((entry) => entry.code === code)?.label
    t.equal(label(es.json(), 'stages', 'best_interest_determination'), 'Determinación del interés superior')
    t.equal(label(en.json(), 'stages', 'best_interest_determination'), 'Best-interests determination')
    t.equal(label(es.json(), 'legalBasisCodes', 'migration_law_handover'), 'Puesta a disposición conforme a la Ley de Migración (art. 112)')
    t.equal(label(es.json(), 'placementTypes', 'dif_shelter'), 'Albergue del DIF')
    t.equal(label(es.json(), 'problemTypes', 'not-found'), 'No encontrado')
    t.equal(label(en.json(), 'problemTypes', 'not-found'), 'Not found')
  })

  await t.test('?lang= wins over Accept-Language; an unknown one falls back', async (t) => {
    const chosen = await app.inject({ method: 'GET', url: '/vocabulary?lang=es-MX', headers: { 'accept-language': 'en' } })
    t.equal(chosen.json().lang, 'es-MX')
    const unknown = await app.inject({ method: 'GET', url: '/vocabulary?lang=fr', headers: { 'accept-language': 'es' } })
    t.equal(unknown.json().lang, 'es-MX')
  })
})

t.test('GET / says what this is and where the reference is', async (t) => {
  const { app } = await build(t)
  const root = await app.inject({ method: 'GET', url: '/' })
  t.equal(root.statusCode, 200, root.body)
  t.match(root.json(), {
    name: String,
    version: String,
    links: { docs: '/docs', openapi: '/openapi.json', health: '/health', vocabulary: '/vocabulary' },
  })
  for (const link of Object.values(root.json().links as Record<string, string>)) {
    const followed = await app.inject({ method: 'GET', url: link })
    t.ok(followed.statusCode < 400, `${link} answers ${followed.statusCode}`)
  }
})

t.test('the start-up message names the docs address and what to try, with the real port', async (t) => {
  const { baseUrlOf, startupMessage } = await import('../../src/startup-message.js')
  t.equal(baseUrlOf({ address: '0.0.0.0', port: 4321 }, 3000), 'http://127.0.0.1:4321')
  t.equal(baseUrlOf({ address: '::1', port: 80, family: 'IPv6' }, 3000), 'http://[::1]:80')
  const text = startupMessage({
    baseUrl: 'http://127.0.0.1:4321',
    demoUsers: [{ subject: 'demo-ngo-caseworker', role: 'ngo_caseworker' }],
    tokenCommand: 'npm run -s token --',
  })
  t.match(text, 'http://127.0.0.1:4321/docs')
  t.match(text, 'TOKEN=$(npm run -s token -- demo-ngo-caseworker)')
  t.match(text, 'curl -s "http://127.0.0.1:4321/cases?limit=1"')
  t.notMatch(startupMessage({ baseUrl: 'http://x:1', demoUsers: [], tokenCommand: 'x' }), 'TOKEN=')
})

t.test('through the client generated from openapi.yaml (test/helpers/api-client.ts)', async (t) => {
  const { apiClient } = await import('../helpers/api-client.js')
  const { app, database } = await build(t)
  const worker = await createUser(database, 'ngo_caseworker')
  const client = apiClient(app, { ...worker.headers, 'accept-language': 'es-MX' })
  const { data, response } = await client.GET('/vocabulary', { params: { query: { lang: 'en' } } })
  t.equal(response.status, 200)
  t.equal(data?.lang, 'en')
  t.ok(data?.lists.stages?.some((entry) => entry.code === 'custody' && entry.label === 'Custody'))
  const missing = await client.GET('/cases/{id}', { params: { path: { id: '0190a0b0-0000-7000-8000-000000000000' } } })
  t.equal(missing.response.status, 404)
  t.equal(missing.error?.type, 'urn:atd:problem:not-found')
  t.equal(missing.error?.detail, 'No existe el expediente')
  const created = await client.POST('/cases', {
    body: { riskLevel: 'high', demographics: { nationality: 'GT', sex: 'female', separationStatus: 'unaccompanied' } },
  })
  t.ok(created.response.status === 201 || created.response.status === 400, `POST /cases answers ${created.response.status}`)
  if (created.data?.id) {
    const read = await client.GET('/cases/{id}', { params: { path: { id: created.data.id } } })
    t.equal(read.data?.id, created.data.id)
    t.ok(read.response.headers.get('etag'), 'the documented ETag is there')
  }
})

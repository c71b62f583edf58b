import t from 'tap'
import { PROBLEM_TYPES, type ProblemCode, problemDocument } from '../../src/http/problem.js'
import { CATALOGUES, findDetail, translateDetail } from '../../src/i18n/catalogue.js'
import { type Language, LANGUAGES, negotiateLanguage } from '../../src/i18n/language.js'
import { localizeProblem } from '../../src/i18n/localize-problem.js'
import { VOCABULARY_LISTS } from '../../src/i18n/vocabulary-lists.js'
import { ALERT_RULES } from '../../src/lifecycle/alert-rules.js'
import { GUARD_CODES } from '../../src/lifecycle/stage-guards.js'
import { statisticsMethod } from '../../src/statistics/statistics.service.js'
import { TASK_RULES } from '../../src/tasks/task-rules.js'
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

  await t.test('every guard condition, task rule and alert rule has its sentence in both catalogues, and no other', async (t) => {
    const kinds = { guards: [...GUARD_CODES], tasks: Object.keys(TASK_RULES), alerts: Object.keys(ALERT_RULES), statistics: ['method'] }
    for (const language of LANGUAGES) {
      for (const [kind, codes] of Object.entries(kinds)) {
        const sentences: Record<string, string> = CATALOGUES[language].sentences[kind as keyof typeof kinds] ?? {}
        const unsaid = codes.filter((code) => typeof sentences[code] !== 'string' || sentences[code].trim().length === 0)
        t.same(unsaid, [], `${language}: sentences.${kind} says each`)
        t.same(Object.keys(sentences).sort(), [...codes].sort(), `${language}: sentences.${kind} has no stray entry`)
      }
    }
    for (const code of GUARD_CODES) {
      t.not(CATALOGUES['es-MX'].sentences.guards[code], CATALOGUES.en.sentences.guards[code], `${code} is translated`)
    }
    const method = (language: Language) => CATALOGUES[language].sentences.statistics.method ?? ''
    t.same(placeholders(method('es-MX')), placeholders(method('en')), 'the method keeps its numbers')
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
    const condition = {
      code: 'no_current_placement',
      message: 'Record where the child is placed now.',
      satisfiedBy: 'custody.placementType',
      roles: [],
    }
    const guard = problemDocument('guard-failed', 'The case does not meet 1 condition(s) for custody', {
      unmetConditions: ['no_current_placement'],
      conditions: [condition],
    })
    const spanish = localizeProblem(guard, 'guard-failed', 'es-MX', () => t.fail('missing'))
    t.same(spanish.unmetConditions, ['no_current_placement'], 'the codes never change')
    t.same(spanish.conditions, [{ ...condition, message: 'Registrar el alojamiento actual de la niña, niño o adolescente.' }])
    t.same(localizeProblem(guard, 'guard-failed', 'en', () => t.fail('missing')).conditions, [condition])
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
  const { app, api, database } = await build(t)
  const worker = await createUser(database, 'ngo_caseworker')

  await t.test('a 401 in Spanish and in English', async (t) => {
    const es = await api(undefined, { 'accept-language': 'es-MX,es;q=0.9' }).GET('/me')
    t.equal(es.response.status, 401)
    t.match(es.response.headers.get('content-type'), /^application\/problem\+json/)
    t.equal(es.response.headers.get('content-language'), 'es-MX')
    t.match(es.response.headers.get('vary'), /Accept-Language/)
    t.same(es.error, {
      type: 'urn:atd:problem:unauthorized',
      title: 'Se requiere autenticación',
      status: 401,
      detail: 'Se requiere un token bearer válido',
      instance: '/me',
    })
    const en = await api(undefined, { 'accept-language': 'en-GB' }).GET('/me')
    t.equal(en.error?.title, 'Authentication required')
    t.equal(en.error?.detail, 'A valid bearer token is required')
    t.equal(en.response.headers.get('content-language'), 'en')
  })

  await t.test('a 404 for a case, a validation error and an unknown route in Spanish', async (t) => {
    const spanish = { 'accept-language': 'es' }
    const missing = await api(worker, spanish).GET('/cases/{id}', { params: { path: { id: '0190a0b0-0000-7000-8000-000000000000' } } })
    t.equal(missing.response.status, 404)
    t.equal(missing.error?.title, 'No encontrado')
    t.equal(missing.error?.detail, 'No existe el expediente')
    // What the document forbids (a risk level it does not list, a path it does not have, a body that
    // is not JSON) cannot go through the typed client: these go raw.
    const headers = { ...worker.headers, ...spanish }
    const invalid = await app.inject({ method: 'POST', url: '/cases', headers, payload: { riskLevel: 'enormous' } })
    t.equal(invalid.statusCode, 400)
    t.equal(invalid.json().title, 'La solicitud no es válida')
    t.equal(invalid.json().detail, 'Faltan algunos campos o tienen un formato incorrecto')
    t.match(invalid.json().errors, [{ path: '/riskLevel', message: /^Opción inválida: se esperaba una de / }], 'each field’s message too')
    t.notMatch(JSON.stringify(invalid.json().errors), /enormous/, 'never the value sent')
    const english = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...worker.headers, 'accept-language': 'en' },
      payload: { riskLevel: 'enormous' },
    })
    t.match(english.json().errors, [{ path: '/riskLevel', message: /^Invalid option: expected one of / }], 'and in English when asked')
    const ours = await app.inject({
      method: 'POST',
      url: '/cases',
      headers,
      payload: { riskLevel: 'low', demographics: { nationality: 'XX' } },
    })
    t.match(
      ours.json().errors,
      [{ path: '/demographics/nationality', message: 'no es un código de país ISO 3166-1 alfa-2' }],
      'a message of our schemas from the catalogue',
    )
    const refusedText = await app.inject({
      method: 'POST',
      url: '/cases',
      headers,
      payload: { riskLevel: 'low', identity: { givenName: 'Ana\u0000' } },
    })
    t.match(refusedText.json().errors, [{ path: '/identity/givenName', message: 'no se admiten caracteres NUL' }], 'refused text too')
    const auditor = await createUser(database, 'oversight_auditor')
    const period = await app.inject({ method: 'GET', url: '/statistics?period=2026-13', headers: { ...auditor.headers, ...spanish } })
    t.match(period.json().errors, [{ path: '/period', message: 'period: el mes debe ser de 01 a 12' }], 'and a period that does not exist')
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

  await t.test('a guard 409 and the case read’s nextStages say each unmet condition in the language asked for', async (t) => {
    const created = await api(worker).POST('/cases', { body: { riskLevel: 'high' } })
    t.equal(created.response.status, 201, JSON.stringify(created.error))
    const id = created.data?.id ?? ''
    const etag = created.response.headers.get('etag') ?? ''
    const unmet = ['no_current_placement', 'procuraduria_not_notified'] as const
    for (const [language, header] of [
      ['es-MX', 'es-MX'],
      ['en', 'en'],
    ] as const) {
      const sentences = unmet.map((code) => CATALOGUES[language].sentences.guards[code])
      const read = await api(worker, { 'accept-language': header }).GET('/cases/{id}', { params: { path: { id } } })
      t.equal(read.response.status, 200, JSON.stringify(read.error))
      t.equal(read.response.headers.get('content-language'), language)
      t.match(read.response.headers.get('vary'), /Accept-Language/)
      const [next] = read.data?.nextStages ?? []
      t.same(
        next?.unmet.map((condition) => condition.message),
        sentences,
        `nextStages in ${language}`,
      )
      const refused = await api(worker, { 'accept-language': header }).POST('/cases/{id}/transitions', {
        params: { path: { id }, header: { 'if-match': etag } },
        body: { to: 'custody' },
      })
      t.equal(refused.response.status, 409)
      t.equal(refused.error?.type, 'urn:atd:problem:guard-failed')
      t.same(refused.error?.unmetConditions, unmet, 'the codes are the same in every language')
      t.same(
        refused.error?.conditions?.map((condition) => condition.message),
        sentences,
        `the 409 in ${language}`,
      )
      t.same(refused.error?.conditions, next?.unmet, 'the 409 and the read say the same')
    }
    t.equal(CATALOGUES['es-MX'].sentences.guards.no_current_placement, 'Registrar el alojamiento actual de la niña, niño o adolescente.')
    t.equal(CATALOGUES.en.sentences.guards.no_current_placement, 'Record where the child is placed now.')
  })
})

t.test('the statistics say how they are published in the language asked for', async (t) => {
  const { api, database } = await build(t)
  const auditor = await createUser(database, 'oversight_auditor')
  const english = await api(auditor, { 'accept-language': 'en' }).GET('/statistics')
  t.equal(english.response.status, 200, JSON.stringify(english.error))
  t.match(english.data?.method, /rounded to the nearest multiple of 5 .* at least 10 cases/)
  t.equal(english.data?.method, statisticsMethod('en'))
  // Asked again in Spanish: the figures come from the cache, the method in Spanish all the same.
  const spanish = await api(auditor, { 'accept-language': 'es-MX' }).GET('/statistics')
  t.equal(spanish.response.headers.get('content-language'), 'es-MX')
  t.match(spanish.response.headers.get('vary'), /Accept-Language/)
  t.match(spanish.data?.method, /se redondea al múltiplo de 5 .* al menos 10 expedientes/)
  t.equal(spanish.data?.method, statisticsMethod('es-MX'))
  t.same({ ...spanish.data, method: '' }, { ...english.data, method: '' }, 'the figures do not change with the language')
  t.notMatch(spanish.data?.method, /\{/, 'every placeholder filled in')
})

t.test('the deployment default is es-MX unless configured', async (t) => {
  const { api } = await build(t, { environment: { DEFAULT_LANGUAGE: 'es-MX' } })
  const plain = await api().GET('/me')
  t.equal(plain.error?.title, 'Se requiere autenticación')
  const english = await api(undefined, { 'accept-language': 'en' }).GET('/me')
  t.equal(english.error?.title, 'Authentication required')
  const vocabulary = await api().GET('/vocabulary')
  t.equal(vocabulary.data?.lang, 'es-MX')
})

t.test('GET /vocabulary', async (t) => {
  const { api } = await build(t)

  await t.test('every list, labelled in the language asked for, without a token', async (t) => {
    const english = await api().GET('/vocabulary', { params: { query: { lang: 'en' } } })
    t.equal(english.response.status, 200, JSON.stringify(english.error))
    t.equal(english.response.headers.get('content-language'), 'en')
    const spanish = await api(undefined, { 'accept-language': 'es-MX' }).GET('/vocabulary')
    const en = english.data!
    const es = spanish.data!
    t.equal(en.lang, 'en')
    t.equal(es.lang, 'es-MX')
    const names = [...Object.keys(VOCABULARY_LISTS), 'problemTypes'].sort()
    t.same(Object.keys(en.lists).sort(), names)
    t.same(Object.keys(es.lists).sort(), names)
    for (const [name, codes] of Object.entries(VOCABULARY_LISTS)) {
      t.same(
        es.lists[name]?.map((entry) => entry.code),
        codes,
        `${name}: every code, in order`,
      )
    }
    const label = (body: typeof en, list: string, code: string) => body.lists[list]?.find((entry) => entry.code === code)?.label
    t.equal(label(es, 'stages', 'best_interest_determination'), 'Determinación del interés superior')
    t.equal(label(en, 'stages', 'best_interest_determination'), 'Best-interests determination')
    t.equal(label(es, 'legalBasisCodes', 'migration_law_handover'), 'Puesta a disposición conforme a la Ley de Migración (art. 112)')
    t.equal(label(es, 'placementTypes', 'dif_shelter'), 'Albergue del DIF')
    t.equal(label(es, 'problemTypes', 'not-found'), 'No encontrado')
    t.equal(label(en, 'problemTypes', 'not-found'), 'Not found')
  })

  await t.test('?lang= wins over Accept-Language; an unknown one falls back', async (t) => {
    const chosen = await api(undefined, { 'accept-language': 'en' }).GET('/vocabulary', { params: { query: { lang: 'es-MX' } } })
    t.equal(chosen.data?.lang, 'es-MX')
    const unknown = await api(undefined, { 'accept-language': 'es' }).GET('/vocabulary', { params: { query: { lang: 'fr' } } })
    t.equal(unknown.data?.lang, 'es-MX')
  })
})

t.test('GET / says what this is and where the reference is', async (t) => {
  const { app, api } = await build(t)
  const root = await api().GET('/')
  t.equal(root.response.status, 200, JSON.stringify(root.error))
  t.match(root.data, {
    name: String,
    version: String,
    links: { docs: '/docs', openapi: '/openapi.json', health: '/health', vocabulary: '/vocabulary' },
  })
  // Links are followed as the answer gives them, whatever the document says of their paths: raw.
  for (const link of Object.values((root.data?.links ?? {}) as Record<string, string>)) {
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
  const { api, database } = await build(t)
  const worker = await createUser(database, 'ngo_caseworker')
  const client = api(worker, { 'accept-language': 'es-MX' })
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

// Every Location resolves: every operation the OpenAPI document says answers 201 is called here, and
// its Location is read back by the same caller (200, the same record). The list of creating routes
// comes from the live document, so a new create route without a recipe below fails this test, and
// one whose Location is missing, has no GET route or answers another record fails it too.
import t from 'tap'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { fullCaseInput } from '../helpers/case-samples.js'

type Creation = { caller: TestUser; payload: object; ifMatch?: string }

t.test('the Location of every created record answers that record to its creator', async (t) => {
  const { app, database } = await build(t)
  const lead = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'protection_officer')
  const admin = await createUser(database, 'system_admin')

  const send = (user: TestUser, method: 'GET' | 'POST', url: string, payload?: object, ifMatch?: string) =>
    app.inject({ method, url, headers: { ...user.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) }, ...(payload ? { payload } : {}) })
  const made = async (response: Awaited<ReturnType<typeof send>>) => {
    if (response.statusCode >= 300) throw new Error(`setup failed: ${response.statusCode} ${response.body.slice(0, 300)}`)
    return response.json()
  }

  // A case the Procuraduría takes part in, with a consent that allows sharing.
  const { legalStatus: _legalStatus, legal: _legal, ...creatable } = fullCaseInput().input
  const caseId: string = (await made(await send(lead, 'POST', '/cases', creatable))).id
  const consent = await made(
    await send(lead, 'POST', `/cases/${caseId}/consents`, { givenBy: 'child_and_guardian', scopes: ['share_with_organizations'] }),
  )
  await made(await send(lead, 'POST', `/cases/${caseId}/participants`, { organizationId: officer.organizationId, consentId: consent.id }))
  const respondBy = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
  const caseEtag = async () => (await send(lead, 'GET', `/cases/${caseId}`)).headers.etag as string

  // How to create one record with each creating route; `{name}` in a path is filled from `parameters`.
  const parameters: Record<string, string> = { id: caseId }
  const recipes: Record<string, () => Promise<Creation>> = {
    '/cases': async () => ({ caller: lead, payload: { riskLevel: 'high', identity: { givenName: 'Keyla' } } }),
    '/cases/{id}/consents': async () => ({ caller: lead, payload: { givenBy: 'child_assent', scopes: ['services'] } }),
    '/cases/{id}/notes': async () => ({ caller: lead, payload: { body: 'Llamada con la tía en Tapachula.' } }),
    '/cases/{id}/placements': async () => ({ caller: lead, payload: { type: 'ngo_shelter', facilityName: 'Albergue Casa Esperanza' } }),
    '/cases/{id}/assessments': async () => ({ caller: lead, payload: { findings: { safety: 'Sin riesgo inmediato en el albergue.' } } }),
    '/cases/{id}/determinations': async () => ({ caller: officer, payload: { trigger: 'durable_solution' } }),
    '/cases/{id}/participants': async () => ({
      caller: lead,
      payload: { organizationId: await createOrganization(database, 'civil_society'), consentId: consent.id },
    }),
    '/cases/{id}/referrals': async () => ({
      caller: lead,
      payload: {
        toOrganizationId: await createOrganization(database, 'civil_society'),
        service: 'psychosocial',
        sections: ['health'],
        consentId: consent.id,
        respondBy,
      },
    }),
    '/cases/{id}/transfers': async () => ({
      caller: lead,
      payload: { toOrganizationId: await createOrganization(database, 'civil_society'), consentId: consent.id },
    }),
    '/cases/{id}/transitions': async () => ({ caller: lead, payload: { to: 'custody' }, ifMatch: await caseEtag() }),
    '/organizations': async () => ({ caller: admin, payload: { name: `Casa Refugio ${caseId}`, kind: 'civil_society' } }),
    '/users': async () => ({
      caller: admin,
      payload: {
        subject: `new-caseworker-${caseId}`,
        displayName: 'Mariana Torres',
        role: 'ngo_caseworker',
        organizationId: lead.organizationId,
      },
    }),
    '/calendar/non-working-days': async () => ({ caller: admin, payload: { date: '2031-04-17', reason: 'Jueves Santo' } }),
  }

  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, any>> }
  const creating = Object.entries(document.paths).flatMap(([path, item]) =>
    item.post?.responses?.['201'] ? [{ path, documented: item.post.responses['201'] }] : [],
  )
  t.ok(creating.length >= 13, `${creating.length} creating routes in the OpenAPI document`)
  t.same(
    Object.keys(recipes).filter((path) => !creating.some((route) => route.path === path)),
    [],
    'every recipe names a creating route of the document',
  )

  for (const { path, documented } of creating) {
    await t.test(`POST ${path}`, async (t) => {
      const recipe = recipes[path]
      if (!recipe) return t.fail(`POST ${path} answers 201 but this test has no recipe for it: add one`)
      const url = path.replace(/\{(\w+)\}/g, (_whole, name: string) => {
        const value = parameters[name]
        if (!value) throw new Error(`cannot fill {${name}} of ${path}: give it a value`)
        return value
      })
      const { caller, payload, ifMatch } = await recipe()
      const response = await send(caller, 'POST', url, payload, ifMatch)
      t.equal(response.statusCode, 201, response.body.slice(0, 300))
      const body = response.json()
      const location = response.headers.location
      t.ok(documented.headers?.location, 'the document names the Location header')
      if (documented.headers?.etag) t.ok(response.headers.etag, 'the ETag the document names is sent')
      if (typeof location !== 'string') return t.fail('a Location header')
      t.ok(location.startsWith('/'), 'the Location is a path of this service')
      const read = await send(caller, 'GET', location)
      t.equal(read.statusCode, 200, `GET ${location}: ${read.body.slice(0, 300)}`)
      // A record without an id (a calendar day) is named by its date.
      const key = 'id' in body ? 'id' : 'date'
      t.ok(body[key], `the created record has its ${key}`)
      t.equal(read.json()[key], body[key], `GET ${location} answers the record just created`)
    })
  }
})

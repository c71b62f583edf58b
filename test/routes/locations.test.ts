// Every Location resolves: every operation the OpenAPI document says answers 201 is called here, and
// its Location is read back by the same caller (200, the same record). The list of creating routes
// comes from the live document (read as JSON: it is not an operation of itself), so a new create route without a recipe below fails this test, and
// one whose Location is missing, has no GET route or answers another record fails it too.
import t from 'tap'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { fullCaseInput } from '../helpers/case-samples.js'

/** What one creating call gave: its caller, the raw answer, and the key of the record it made. */
type Creation = { caller: TestUser; response: Response; error: unknown; key: string | undefined }

t.test('the Location of every created record answers that record to its creator', async (t) => {
  const { app, api, database } = await build(t)
  const lead = await createUser(database, 'ngo_caseworker')
  const officer = await createUser(database, 'protection_officer')
  const admin = await createUser(database, 'system_admin')

  const made = <T>(result: { data?: T; error?: unknown; response: Response }): T => {
    if (!result.data) throw new Error(`setup failed: ${result.response.status} ${JSON.stringify(result.error).slice(0, 300)}`)
    return result.data
  }
  const creation = (caller: TestUser, result: { data?: { id?: string }; error?: unknown; response: Response }): Creation => ({
    caller,
    response: result.response,
    error: result.error,
    key: result.data?.id,
  })

  // A case the Procuraduría takes part in, with a consent that allows sharing.
  const { legalStatus: _legalStatus, legal: _legal, ...creatable } = fullCaseInput().input
  const caseId = made(await api(lead).POST('/cases', { body: creatable })).id ?? ''
  const path = { id: caseId }
  const consent = made(
    await api(lead).POST('/cases/{id}/consents', {
      params: { path },
      body: { givenBy: 'child_and_guardian', scopes: ['share_with_organizations'] },
    }),
  )
  made(
    await api(lead).POST('/cases/{id}/participants', {
      params: { path },
      body: { organizationId: officer.organizationId, consentId: consent.id },
    }),
  )
  const respondBy = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
  const caseEtag = async () => (await api(lead).GET('/cases/{id}', { params: { path } })).response.headers.get('etag') ?? ''

  // How to create one record with each creating route, through the typed client.
  const recipes: Record<string, () => Promise<Creation>> = {
    '/cases': async () => creation(lead, await api(lead).POST('/cases', { body: { riskLevel: 'high', identity: { givenName: 'Keyla' } } })),
    '/cases/{id}/consents': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/consents', { params: { path }, body: { givenBy: 'child_assent', scopes: ['services'] } }),
      ),
    '/cases/{id}/notes': async () =>
      creation(lead, await api(lead).POST('/cases/{id}/notes', { params: { path }, body: { body: 'Llamada con la tía en Tapachula.' } })),
    '/cases/{id}/placements': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/placements', {
          params: { path },
          body: { type: 'ngo_shelter', facilityName: 'Albergue Casa Esperanza' },
        }),
      ),
    '/cases/{id}/assessments': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/assessments', {
          params: { path },
          body: { findings: { safety: 'Sin riesgo inmediato en el albergue.' } },
        }),
      ),
    '/cases/{id}/determinations': async () =>
      creation(officer, await api(officer).POST('/cases/{id}/determinations', { params: { path }, body: { trigger: 'durable_solution' } })),
    '/cases/{id}/participants': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/participants', {
          params: { path },
          body: { organizationId: await createOrganization(database, 'civil_society'), consentId: consent.id },
        }),
      ),
    '/cases/{id}/referrals': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/referrals', {
          params: { path },
          body: {
            toOrganizationId: await createOrganization(database, 'civil_society'),
            service: 'psychosocial',
            sections: ['health'],
            consentId: consent.id,
            respondBy,
          },
        }),
      ),
    '/cases/{id}/transfers': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/transfers', {
          params: { path },
          body: { toOrganizationId: await createOrganization(database, 'civil_society'), consentId: consent.id },
        }),
      ),
    '/cases/{id}/transitions': async () =>
      creation(
        lead,
        await api(lead).POST('/cases/{id}/transitions', {
          params: { path, header: { 'if-match': await caseEtag() } },
          body: { to: 'custody' },
        }),
      ),
    '/organizations': async () =>
      creation(admin, await api(admin).POST('/organizations', { body: { name: `Casa Refugio ${caseId}`, kind: 'civil_society' } })),
    '/users': async () =>
      creation(
        admin,
        await api(admin).POST('/users', {
          body: {
            subject: `new-caseworker-${caseId}`,
            displayName: 'Mariana Torres',
            role: 'ngo_caseworker',
            organizationId: lead.organizationId,
          },
        }),
      ),
    // A calendar day has no id: it is named by its date.
    '/calendar/non-working-days': async () => {
      const result = await api(admin).POST('/calendar/non-working-days', { body: { date: '2031-04-17', reason: 'Jueves Santo' } })
      return { caller: admin, response: result.response, error: result.error, key: result.data?.date }
    },
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

  for (const { path: route, documented } of creating) {
    await t.test(`POST ${route}`, async (t) => {
      const recipe = recipes[route]
      if (!recipe) return t.fail(`POST ${route} answers 201 but this test has no recipe for it: add one`)
      const { caller, response, error, key } = await recipe()
      t.equal(response.status, 201, JSON.stringify(error)?.slice(0, 300))
      const location = response.headers.get('location')
      t.ok(documented.headers?.location, 'the document names the Location header')
      if (documented.headers?.etag) t.ok(response.headers.get('etag'), 'the ETag the document names is sent')
      if (typeof location !== 'string') return t.fail('a Location header')
      t.ok(location.startsWith('/'), 'the Location is a path of this service')
      // The Location is whatever the service answered, not a path template: read as is, not through the typed client.
      const read = await app.inject({ method: 'GET', url: location, headers: caller.headers })
      t.equal(read.statusCode, 200, `GET ${location}: ${read.body.slice(0, 300)}`)
      const field = location.startsWith('/calendar/') ? 'date' : 'id'
      t.ok(key, `the created record has its ${field}`)
      t.equal(read.json()[field], key, `GET ${location} answers the record just created`)
    })
  }
})

// Generated from the live OpenAPI document and policies/access-matrix.yaml: every GET route that can
// answer anything about a case, asked by every role, with every section of a case (free text
// included) seeded with unique markers, and each section in turn withheld from the reader's
// organisation by a consent. No body or header may carry a marker of a section the reader may not
// read (PRODUCT.md, "Object scope": role letters ∩ participation ∩ not withheld). A new route is
// covered without writing a test; a route whose parameters this file cannot fill fails the test.
import t from 'tap'
import { ROLES, type Role } from '../../src/auth/principal.js'
import { WITHHOLDABLE_SECTIONS } from '../../src/records/consent.schemas.js'
import { mayRead } from '../helpers/access-matrix.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { fullCaseInput, newMarker } from '../helpers/case-samples.js'

type Seeded = { marker: string; section: string; what: string }

const ORGANIZATION_KIND: Record<Role, Parameters<typeof createOrganization>[1]> = {
  migration_officer: 'migration_authority',
  protection_officer: 'child_protection_authority',
  ngo_caseworker: 'civil_society',
  attorney: 'legal_aid',
  oversight_auditor: 'oversight_body',
  system_admin: 'platform',
}

/** The markers a response may not carry: sections the role's letters deny, and the withheld one. */
export function leaks(text: string, seeded: readonly Seeded[], role: Role, withheld: string | undefined): Seeded[] {
  return seeded.filter((item) => (!mayRead(role, item.section) || item.section === withheld) && text.includes(item.marker))
}

t.test('the side-door checker notices a marker behind a wall', async (t) => {
  const seeded = [{ marker: 'MRKabc', section: 'protection', what: 'protection.notes' }]
  t.same(leaks('{"x":"MRKabc"}', seeded, 'migration_officer', undefined), seeded, 'the role may not read protection')
  t.same(leaks('{"x":"MRKabc"}', seeded, 'ngo_caseworker', 'protection'), seeded, 'withheld from the organisation')
  t.same(leaks('{"x":"MRKabc"}', seeded, 'ngo_caseworker', undefined), [])
})

t.test('no door discloses a section behind a wall', async (t) => {
  const { app, database, api } = await build(t)
  const users = {} as Record<Role, TestUser>
  for (const role of ROLES) users[role] = await createUser(database, role, await createOrganization(database, ORGANIZATION_KIND[role]))
  const lead = users.ngo_caseworker
  const seeded: Seeded[] = []
  const seed = (section: string, what: string) => {
    const marker = newMarker(what)
    seeded.push({ marker, section, what })
    return marker
  }
  // The walk below goes over every GET path of the document by its URL, so it calls raw; the setup
  // goes through the client generated from openapi.yaml (build's `api`), typed by the document.
  const send = (user: TestUser, url: string) => app.inject({ method: 'GET', url, headers: user.headers })
  const created = async <T>(result: { data?: T; error?: unknown; response: Response }): Promise<T> => {
    t.ok(result.response.status < 300, JSON.stringify(result.error ?? null).slice(0, 300))
    if (result.data === undefined) throw new Error(`no record in an answer ${result.response.status}`)
    return result.data
  }
  const path = (id: string) => ({ path: { id } })

  // A case with a marker in every free-text field of every section the lead may write.
  const { input, markers } = fullCaseInput()
  for (const [field, marker] of markers) seeded.push({ marker, section: field.slice(0, field.indexOf('.')), what: field })
  const { legalStatus: _legalStatus, legal, ...creatable } = input
  const caseId = (await created(await api(lead).POST('/cases', { body: creatable }))).id ?? 'no case id'
  const consent = await created(
    await api(lead).POST('/cases/{id}/consents', {
      params: path(caseId),
      body: { givenBy: 'child_and_guardian', scopes: ['share_with_organizations'], notes: seed('notes', 'consent notes') },
    }),
  )
  for (const role of ['migration_officer', 'protection_officer', 'attorney'] as const) {
    await created(
      await api(lead).POST('/cases/{id}/participants', {
        params: path(caseId),
        body: { organizationId: users[role].organizationId, consentId: consent.id },
      }),
    )
  }
  // The Procuraduría writes the legal file (it is the guardian) and shares on a cited legal basis.
  const officer = users.protection_officer
  const readEtag = async (user: TestUser) =>
    (await api(user).GET('/cases/{id}', { params: path(caseId) })).response.headers.get('etag') ?? 'no etag'
  await created(
    await api(officer).PATCH('/cases/{id}', {
      params: { ...path(caseId), header: { 'if-match': await readEtag(officer) } },
      body: { legal },
    }),
  )
  const extraOrganization = await createOrganization(database, 'civil_society', 'Albergue (side doors)')
  await created(
    await api(officer).POST('/cases/{id}/participants', {
      params: path(caseId),
      body: {
        organizationId: extraOrganization,
        legalBasis: { code: 'protection_measure', citation: seed('legal', 'participation citation') },
      },
    }),
  )
  const placement = await created(
    await api(lead).POST('/cases/{id}/placements', {
      params: path(caseId),
      body: { type: 'ngo_shelter', facilityName: seed('custody', 'facility name'), facilityAddress: seed('contact', 'facility address') },
    }),
  )
  const ended = await created(
    await api(lead).PATCH('/cases/{id}/placements/{pid}', {
      params: { path: { id: caseId, pid: placement.id }, header: { 'if-match': `"${placement.version}"` } },
      body: { endReasonCode: 'moved_to_other_care', endNotes: seed('notes', 'placement end notes') },
    }),
  )
  await created(
    await api(officer).POST('/cases/{id}/placements', {
      params: path(caseId),
      body: { type: 'dif_shelter', legalBasis: seed('legal', 'placement legal basis') },
    }),
  )
  const note = await created(
    await api(lead).POST('/cases/{id}/notes', { params: path(caseId), body: { body: seed('notes', 'note body') } }),
  )
  const assessment = await created(
    await api(lead).POST('/cases/{id}/assessments', {
      params: path(caseId),
      body: { findings: { safety: seed('bidDeliberation', 'assessment findings') } },
    }),
  )
  const determination = await created(
    await api(officer).POST('/cases/{id}/determinations', {
      params: path(caseId),
      body: { trigger: 'durable_solution', rationale: seed('bidDeliberation', 'determination rationale') },
    }),
  )
  const transition = await created(
    await api(lead).POST('/cases/{id}/transitions', {
      params: { ...path(caseId), header: { 'if-match': await readEtag(lead) } },
      body: { to: 'custody', reason: seed('notes', 'transition reason') },
    }),
  )
  t.ok(ended.id)
  // Referrals carry free text too: a cited legal basis (legal), a decline's reason and a completion's notes (notes).
  const respondBy = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
  const decliner = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid', 'Clínica (side doors)'))
  const referral = await created(
    await api(officer).POST('/cases/{id}/referrals', {
      params: path(caseId),
      body: {
        toOrganizationId: decliner.organizationId,
        service: 'legal_representation',
        sections: ['identity'],
        legalBasis: { code: 'protection_measure', citation: seed('legal', 'referral citation') },
        respondBy,
      },
    }),
  )
  await created(
    await api(decliner).POST('/referrals/{rid}/decline', {
      params: { path: { rid: referral.id } },
      body: { reason: seed('notes', 'referral decline reason') },
    }),
  )
  const completer = await createUser(
    database,
    'ngo_caseworker',
    await createOrganization(database, 'civil_society', 'Psicosocial (side doors)'),
  )
  const completed = await created(
    await api(lead).POST('/cases/{id}/referrals', {
      params: path(caseId),
      body: {
        toOrganizationId: completer.organizationId,
        service: 'psychosocial',
        sections: ['health', 'notes'],
        consentId: consent.id,
        respondBy,
      },
    }),
  )
  await created(await api(completer).POST('/referrals/{rid}/accept', { params: { path: { rid: completed.id } } }))
  await created(
    await api(completer).POST('/referrals/{rid}/complete', {
      params: { path: { rid: completed.id } },
      body: { outcome: 'provided', notes: seed('notes', 'referral completion notes') },
    }),
  )

  // A transfer the receiver declined with a reason (notes), and one pending on a cited legal basis (legal).
  const declinedTransfer = await created(
    await api(lead).POST('/cases/{id}/transfers', {
      params: path(caseId),
      body: { toOrganizationId: await createOrganization(database, 'civil_society'), consentId: consent.id },
    }),
  )
  await database.db
    .updateTable('transfers')
    .set({ status: 'declined', decided_by: lead.id, decided_at: new Date(), decline_reason: seed('notes', 'transfer decline reason') })
    .where('id', '=', declinedTransfer.id)
    .execute()
  await created(
    await api(lead).POST('/cases/{id}/transfers', {
      params: path(caseId),
      body: { toOrganizationId: extraOrganization, consentId: consent.id },
    }),
  )
  await database.db
    .updateTable('transfers')
    .set({ legal_basis_citation: seed('legal', 'transfer citation'), legal_basis_code: 'court_order', consent_id: null })
    .where('case_id', '=', caseId)
    .where('status', '=', 'pending')
    .execute()

  const parameters: Record<string, string> = {
    id: caseId,
    pid: placement.id,
    noteId: note.id,
    consentId: consent.id,
    aid: assessment.id,
    did: determination.id,
    tid: declinedTransfer.id,
    rid: referral.id,
    transitionId: transition.id,
    organizationId: extraOrganization,
    date: '2031-01-01',
  }
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const routes = Object.entries(document.paths)
    .filter(([, operations]) => 'get' in operations)
    .map(([path]) => path)
    .filter((path) => !['/health', '/ready', '/docs', '/'].includes(path) && !path.startsWith('/docs'))
  const urlOf = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_whole, name: string) => {
      const value = parameters[name]
      if (!value) throw new Error(`the side-door test cannot fill {${name}} of ${path}: give it a value`)
      return value
    })
  const urls = routes.map((path) => (path === '/cases' ? '/cases?limit=100' : urlOf(path)))
  t.ok(
    urls.some((url) => url.includes('/placements')) && urls.includes(`/cases/${caseId}`),
    `${urls.length} GET routes from the OpenAPI document`,
  )

  let checked = 0
  for (const role of ROLES) {
    const reader = users[role]
    // The lead and oversight are never withheld from; every other participant, section by section.
    const withholdable =
      role === 'ngo_caseworker' || role === 'oversight_auditor' || role === 'system_admin'
        ? [undefined]
        : [undefined, ...WITHHOLDABLE_SECTIONS]
    for (const withheld of withholdable) {
      let withholding: { id: string; version: number } | undefined
      if (withheld) {
        withholding = await created(
          await api(lead).POST('/cases/{id}/consents', {
            params: path(caseId),
            body: {
              givenBy: 'child_assent',
              scopes: ['services'],
              withheld: [{ section: withheld, fromOrganizationId: reader.organizationId }],
            },
          }),
        )
      }
      for (const url of urls) {
        const response = await send(reader, url)
        const text = `${JSON.stringify(response.headers)}\n${response.body}`
        const found = leaks(text, seeded, role, withheld)
        checked++
        if (found.length > 0)
          t.fail(`${role} ${url} (withheld: ${withheld ?? 'nothing'}) discloses ${found.map((item) => item.what).join(', ')}`)
      }
      if (withholding) {
        await created(
          await api(lead).PATCH('/cases/{id}/consents/{consentId}', {
            params: { path: { id: caseId, consentId: withholding.id }, header: { 'if-match': `"${withholding.version}"` } },
            body: { withdrawnAt: new Date().toISOString() },
          }),
        )
      }
    }
  }
  t.pass(`${checked} route × role × withheld-section combinations answered without a marker behind a wall (${seeded.length} markers)`)
  t.comment(`side doors: ${urls.length} GET routes, ${checked} requests, ${seeded.length} markers`)
})

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
  const { app, database } = await build(t)
  const users = {} as Record<Role, TestUser>
  for (const role of ROLES) users[role] = await createUser(database, role, await createOrganization(database, ORGANIZATION_KIND[role]))
  const lead = users.ngo_caseworker
  const seeded: Seeded[] = []
  const seed = (section: string, what: string) => {
    const marker = newMarker(what)
    seeded.push({ marker, section, what })
    return marker
  }
  const send = async (user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, ifMatch?: string) => {
    const response = await app.inject({
      method,
      url,
      headers: { ...user.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      ...(payload ? { payload: payload as object } : {}),
    })
    return response
  }
  const created = async (response: Awaited<ReturnType<typeof send>>) => {
    t.ok(response.statusCode < 300, response.body.slice(0, 300))
    return response.json()
  }

  // A case with a marker in every free-text field of every section the lead may write.
  const { input, markers } = fullCaseInput()
  for (const [field, marker] of markers) seeded.push({ marker, section: field.slice(0, field.indexOf('.')), what: field })
  const { legalStatus: _legalStatus, legal, ...creatable } = input
  const caseId: string = (await created(await send(lead, 'POST', '/cases', creatable))).id
  const consent = await created(
    await send(lead, 'POST', `/cases/${caseId}/consents`, {
      givenBy: 'child_and_guardian',
      scopes: ['share_with_organizations'],
      notes: seed('notes', 'consent notes'),
    }),
  )
  for (const role of ['migration_officer', 'protection_officer', 'attorney'] as const) {
    await created(
      await send(lead, 'POST', `/cases/${caseId}/participants`, { organizationId: users[role].organizationId, consentId: consent.id }),
    )
  }
  // The Procuraduría writes the legal file (it is the guardian) and shares on a cited legal basis.
  const officer = users.protection_officer
  const readEtag = async (user: TestUser) => (await send(user, 'GET', `/cases/${caseId}`)).headers.etag as string
  await created(await send(officer, 'PATCH', `/cases/${caseId}`, { legal }, await readEtag(officer)))
  const extraOrganization = await createOrganization(database, 'civil_society', 'Albergue (side doors)')
  await created(
    await send(officer, 'POST', `/cases/${caseId}/participants`, {
      organizationId: extraOrganization,
      legalBasis: { code: 'protection_measure', citation: seed('legal', 'participation citation') },
    }),
  )
  const placement = await created(
    await send(lead, 'POST', `/cases/${caseId}/placements`, {
      type: 'ngo_shelter',
      facilityName: seed('custody', 'facility name'),
      facilityAddress: seed('contact', 'facility address'),
    }),
  )
  const ended = await created(
    await send(
      lead,
      'PATCH',
      `/cases/${caseId}/placements/${placement.id}`,
      { endReasonCode: 'moved_to_other_care', endNotes: seed('notes', 'placement end notes') },
      `"${placement.version}"`,
    ),
  )
  await created(
    await send(officer, 'POST', `/cases/${caseId}/placements`, { type: 'dif_shelter', legalBasis: seed('legal', 'placement legal basis') }),
  )
  const note = await created(await send(lead, 'POST', `/cases/${caseId}/notes`, { body: seed('notes', 'note body') }))
  const assessment = await created(
    await send(lead, 'POST', `/cases/${caseId}/assessments`, { findings: { safety: seed('bidDeliberation', 'assessment findings') } }),
  )
  const determination = await created(
    await send(officer, 'POST', `/cases/${caseId}/determinations`, {
      trigger: 'durable_solution',
      rationale: seed('bidDeliberation', 'determination rationale'),
    }),
  )
  const transition = await created(
    await send(
      lead,
      'POST',
      `/cases/${caseId}/transitions`,
      { to: 'custody', reason: seed('notes', 'transition reason') },
      await readEtag(lead),
    ),
  )
  t.ok(ended.id)
  // Referrals carry free text too: a cited legal basis (legal), a decline's reason and a completion's notes (notes).
  const respondBy = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
  const decliner = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid', 'Clínica (side doors)'))
  const referral = await created(
    await send(officer, 'POST', `/cases/${caseId}/referrals`, {
      toOrganizationId: decliner.organizationId,
      service: 'legal_representation',
      sections: ['identity'],
      legalBasis: { code: 'protection_measure', citation: seed('legal', 'referral citation') },
      respondBy,
    }),
  )
  await created(await send(decliner, 'POST', `/referrals/${referral.id}/decline`, { reason: seed('notes', 'referral decline reason') }))
  const completer = await createUser(
    database,
    'ngo_caseworker',
    await createOrganization(database, 'civil_society', 'Psicosocial (side doors)'),
  )
  const completed = await created(
    await send(lead, 'POST', `/cases/${caseId}/referrals`, {
      toOrganizationId: completer.organizationId,
      service: 'psychosocial',
      sections: ['health', 'notes'],
      consentId: consent.id,
      respondBy,
    }),
  )
  await created(await send(completer, 'POST', `/referrals/${completed.id}/accept`))
  await created(
    await send(completer, 'POST', `/referrals/${completed.id}/complete`, {
      outcome: 'provided',
      notes: seed('notes', 'referral completion notes'),
    }),
  )

  // A transfer the receiver declined with a reason (notes), and one pending on a cited legal basis (legal).
  const declinedTransfer = await created(
    await send(lead, 'POST', `/cases/${caseId}/transfers`, {
      toOrganizationId: await createOrganization(database, 'civil_society'),
      consentId: consent.id,
    }),
  )
  await database.db
    .updateTable('transfers')
    .set({ status: 'declined', decided_by: lead.id, decided_at: new Date(), decline_reason: seed('notes', 'transfer decline reason') })
    .where('id', '=', declinedTransfer.id)
    .execute()
  await created(await send(lead, 'POST', `/cases/${caseId}/transfers`, { toOrganizationId: extraOrganization, consentId: consent.id }))
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
          await send(lead, 'POST', `/cases/${caseId}/consents`, {
            givenBy: 'child_assent',
            scopes: ['services'],
            withheld: [{ section: withheld, fromOrganizationId: reader.organizationId }],
          }),
        )
      }
      for (const url of urls) {
        const response = await send(reader, 'GET', url)
        const text = `${JSON.stringify(response.headers)}\n${response.body}`
        const found = leaks(text, seeded, role, withheld)
        checked++
        if (found.length > 0)
          t.fail(`${role} ${url} (withheld: ${withheld ?? 'nothing'}) discloses ${found.map((item) => item.what).join(', ')}`)
      }
      if (withholding) {
        await created(
          await send(
            lead,
            'PATCH',
            `/cases/${caseId}/consents/${withholding.id}`,
            { withdrawnAt: new Date().toISOString() },
            `"${withholding.version}"`,
          ),
        )
      }
    }
  }
  t.pass(`${checked} route × role × withheld-section combinations answered without a marker behind a wall (${seeded.length} markers)`)
  t.comment(`side doors: ${urls.length} GET routes, ${checked} requests, ${seeded.length} markers`)
})

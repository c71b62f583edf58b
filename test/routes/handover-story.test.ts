// "A child's case, end to end" (docs/README-handover.md): the calls of that section, in its order,
// against the demo data, as the demo users make them. If the service and the README drift apart,
// this test fails. Runs on PGlite and on PostgreSQL.
import t from 'tap'
import { loadDemoData } from '../../src/db/demo-data.js'
import { build } from '../helpers/build.js'
import { bearer, signToken } from '../helpers/tokens.js'

t.test('a child’s case, end to end: hand-over, acceptance, share by consent, withdrawal', async (t) => {
  const { app, database } = await build(t)
  await loadDemoData(database.db)
  type Json = Record<string, any>
  const as = (subject: string) => bearer(signToken(subject))
  const INM = as('demo-migration-officer')
  const PROCURADURIA = as('demo-protection-officer')
  const NGO = as('demo-ngo-caseworker-other')
  const AUDITOR = as('demo-auditor')
  const CLINIC = as('demo-attorney')
  const call = async (
    headers: Record<string, string>,
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: unknown,
    extra: Record<string, string> = {},
  ) => {
    const response = await app.inject({
      method,
      url,
      headers: { ...headers, ...extra },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as Json) : {}, headers: response.headers }
  }
  const fifteenYearsAgo = new Date(Date.now() - 15.4 * 365.25 * 86_400_000).toISOString().slice(0, 10)

  // 1. The migration officer opens the case of a 15-year-old girl from Honduras at a migration station.
  const opened = await call(INM, 'POST', '/cases', {
    riskLevel: 'high',
    demographics: { sex: 'female', nationality: 'HN', separationStatus: 'unaccompanied' },
    identity: { givenName: 'Keyla', familyName: 'Reyes', dateOfBirth: fifteenYearsAgo, languages: ['español'] },
  })
  t.equal(opened.status, 201, JSON.stringify(opened.body))
  const caseId = opened.body.id as string
  const placed = await call(INM, 'POST', `/cases/${caseId}/placements`, {
    type: 'migration_station',
    facilityName: 'Estación Migratoria Siglo XXI',
  })
  t.equal(placed.status, 201, JSON.stringify(placed.body))

  // The demo data already holds a hand-over waiting in the Procuraduría's inbox, and an ended share.
  const waiting = (await call(PROCURADURIA, 'GET', '/transfers?direction=incoming&status=pending')).body.items as Json[]
  t.match(
    waiting,
    [{ kind: 'handover', status: 'pending', legalBasis: { code: 'migration_law_handover' } }],
    'a pending hand-over in the demo inbox',
  )
  t.equal(
    (await call(PROCURADURIA, 'GET', `/cases/${waiting[0]!.caseId}`)).body.custody.inDetention,
    true,
    'the demo child waits at a migration station',
  )

  // And a referral for legal representation in the legal-aid clinic's inbox: a stub, no case data,
  // until the clinic accepts; then it reads the referred sections only.
  const referred = (await call(CLINIC, 'GET', '/referrals?direction=incoming&status=pending')).body.items as Json[]
  t.match(
    referred,
    [{ service: 'legal_representation', status: 'pending', sections: ['identity', 'legalStatus', 'legal'] }],
    'a pending referral in the clinic’s inbox',
  )
  t.notOk('identity' in referred[0]!, 'the stub carries no section of the case')
  t.equal((await call(CLINIC, 'GET', `/cases/${referred[0]!.caseId}`)).status, 404, 'the clinic does not reach the case before accepting')
  t.equal((await call(CLINIC, 'POST', `/referrals/${referred[0]!.id}/accept`)).status, 200)
  const referredCase = (await call(CLINIC, 'GET', `/cases/${referred[0]!.caseId}`)).body
  t.ok(referredCase.identity && referredCase.legalStatus, 'after accepting, the clinic reads the referred sections')
  t.notOk('health' in referredCase || 'protection' in referredCase, 'and nothing it was not referred')

  // 2. The Procuraduría does not reach it yet.
  t.equal((await call(PROCURADURIA, 'GET', `/cases/${caseId}`)).status, 404)

  // 3. The directory: every user finds the Procuraduría's id.
  const organizations = (await call(INM, 'GET', '/organizations?limit=100')).body.items as Json[]
  const procuraduria = organizations.find(
    (organization) => organization.kind === 'child_protection_authority' && organization.name.includes('Chiapas'),
  )!
  const ngo = organizations.find((organization) => organization.name.startsWith('Colectivo Caminos Seguros'))!
  t.ok(procuraduria && ngo, 'the directory names the Procuraduría and the NGO')

  // 4. The hand-over (puesta a disposición, Migration Law art. 112): no consent, the law is the basis.
  const handover = await call(INM, 'POST', `/cases/${caseId}/transfers`, { toOrganizationId: procuraduria.id })
  t.equal(handover.status, 201, JSON.stringify(handover.body))
  t.match(handover.body, { kind: 'handover', status: 'pending', legalBasis: { code: 'migration_law_handover' } })
  t.ok((await call(INM, 'GET', `/cases/${caseId}`)).body.custody.procuraduriaNotifiedAt, 'the Procuraduría is notified')

  // 5. The Procuraduría finds it in its inbox and reads the case at once.
  const inbox = await call(PROCURADURIA, 'GET', '/transfers?direction=incoming&status=pending')
  t.ok(
    (inbox.body.items as Json[]).some((item) => item.id === handover.body.id),
    'the transfer is in the inbox',
  )
  const read = await call(PROCURADURIA, 'GET', `/cases/${caseId}`)
  t.equal(read.status, 200)
  t.match(read.body, { identity: { givenName: 'Keyla' }, demographics: { ageBracket: '15-17', nationality: 'HN' } })

  // 6. It accepts and becomes the lead; the migration authority stays a participant on the law.
  const accepted = await call(PROCURADURIA, 'POST', `/transfers/${handover.body.id}/accept`)
  t.equal(accepted.status, 200, JSON.stringify(accepted.body))
  t.equal((await call(PROCURADURIA, 'GET', `/cases/${caseId}`)).body.leadOrganizationId, procuraduria.id)

  // 7. The child and her guardian consent to sharing; the Procuraduría shares with the NGO.
  const consent = await call(PROCURADURIA, 'POST', `/cases/${caseId}/consents`, {
    givenBy: 'child_and_guardian',
    scopes: ['share_with_organizations', 'services'],
  })
  t.equal(consent.status, 201, JSON.stringify(consent.body))
  const shared = await call(PROCURADURIA, 'POST', `/cases/${caseId}/participants`, { organizationId: ngo.id, consentId: consent.body.id })
  t.equal(shared.status, 201, JSON.stringify(shared.body))
  t.equal((await call(NGO, 'GET', `/cases/${caseId}`)).status, 200, 'the NGO reads the case')

  // 8. The consent is withdrawn: the NGO loses the case on its next request.
  const withdrawn = await call(
    PROCURADURIA,
    'PATCH',
    `/cases/${caseId}/consents/${consent.body.id}`,
    { withdrawnAt: new Date().toISOString() },
    { 'if-match': consent.headers.etag as string },
  )
  t.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body))
  t.equal((await call(NGO, 'GET', `/cases/${caseId}`)).status, 404, 'the NGO no longer reaches the case')
  const participants = (await call(PROCURADURIA, 'GET', `/cases/${caseId}/participants`)).body.items as Json[]
  t.match(
    participants.find((item) => item.organizationId === ngo.id),
    { basis: 'consent', endReason: 'consent_withdrawn' },
    'the history keeps the ended share',
  )
  t.match(
    participants[0],
    { basis: 'lead', endReason: 'transfer_accepted' },
    'grants are listed in order: the migration authority led first',
  )

  // 9. The auditor sees who acted, by name.
  const trail = await call(AUDITOR, 'GET', `/audit-events?caseId=${caseId}&action=transfer.accept`)
  t.equal(trail.status, 200, JSON.stringify(trail.body))
  const actorId = (trail.body.items as Json[])[0]?.actorId as string
  const actor = await call(AUDITOR, 'GET', `/users/${actorId}`)
  t.equal(actor.status, 200)
  t.equal(actor.body.displayName, 'Lic. Andrés Coutiño')
})

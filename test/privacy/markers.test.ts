import { sql } from 'kysely'
import t from 'tap'
import { build, createOrganization, createUser } from '../helpers/build.js'
import { newMarker, sampleValue } from '../helpers/case-samples.js'
import { WRITABLE_SECTION_FIELDS } from '../../src/cases/case-sections.js'
import { waitUntilSealed } from '../audit/audit-helpers.js'

/** Every writable field of these sections, with a marker in each free-text one. */
function sectionsWithMarkers(
  sections: readonly (keyof typeof WRITABLE_SECTION_FIELDS)[],
  markers: string[],
): Record<string, Record<string, unknown>> {
  const input: Record<string, Record<string, unknown>> = {}
  for (const section of sections) {
    input[section] = {}
    for (const field of Object.keys(WRITABLE_SECTION_FIELDS[section])) {
      const sample = sampleValue(section, field)
      input[section][field] = sample.value
      if (sample.marker) markers.push(sample.marker)
    }
  }
  return input
}

t.test('no value of case data ever reaches the audit trail', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const attorney = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid'))
  const migration = await createUser(database, 'migration_officer')
  const protection = await createUser(database, 'protection_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const markers: string[] = []

  const caseIds: string[] = []
  for (let index = 0; index < 2; index += 1) {
    const created = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: ngo.headers,
      payload: {
        riskLevel: 'high',
        ...sectionsWithMarkers(['demographics', 'identity', 'contact', 'health', 'protection', 'custody'], markers),
      },
    })
    t.equal(created.statusCode, 201)
    caseIds.push(created.json().id)
  }
  for (const caseId of caseIds) {
    for (const user of [attorney, migration, protection]) {
      await database.db
        .insertInto('case_participants')
        .values({
          organization_id: user.organizationId,
          case_id: caseId,
          basis: 'legal_basis',
          legal_basis_code: 'protection_measure',
          granted_by: ngo.id,
        })
        .execute()
    }
  }
  const [first, second] = caseIds as [string, string]

  // The legal file, the legal status, notes and consents carry markers too, each written by a role that may.
  const read = await app.inject({ method: 'GET', url: `/cases/${first}`, headers: attorney.headers })
  const legal = await app.inject({
    method: 'PATCH',
    url: `/cases/${first}`,
    headers: { ...attorney.headers, 'if-match': read.headers.etag as string },
    payload: sectionsWithMarkers(['legal', 'legalStatus'], markers),
  })
  t.equal(legal.statusCode, 200)
  const noteMarker = newMarker('note')
  markers.push(noteMarker)
  const note = await app.inject({ method: 'POST', url: `/cases/${first}/notes`, headers: ngo.headers, payload: { body: noteMarker } })
  t.equal(note.statusCode, 201)
  const consentMarker = newMarker('consent')
  markers.push(consentMarker)
  const consent = await app.inject({
    method: 'POST',
    url: `/cases/${first}/consents`,
    headers: ngo.headers,
    payload: { givenBy: 'child_assent', scopes: ['services'], notes: consentMarker },
  })
  t.equal(consent.statusCode, 201)

  // Refused writes name fields in the trail; the values they tried to write must not follow.
  const refusedMarker = newMarker('refused')
  markers.push(refusedMarker)
  const current = await app.inject({ method: 'GET', url: `/cases/${second}`, headers: migration.headers })
  const refused = await app.inject({
    method: 'PATCH',
    url: `/cases/${second}`,
    headers: { ...migration.headers, 'if-match': current.headers.etag as string },
    payload: { health: { notes: refusedMarker }, contact: { phone: refusedMarker } },
  })
  t.equal(refused.statusCode, 403)
  t.notMatch(refused.body, refusedMarker)

  // Every role reads, lists and looks back at history; the auditor reads the trail itself.
  for (const user of [ngo, attorney, migration, protection, auditor]) {
    for (const caseId of caseIds) {
      await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: user.headers })
      await app.inject({ method: 'GET', url: `/cases/${caseId}/history`, headers: user.headers })
      await app.inject({ method: 'GET', url: `/cases/${caseId}/notes`, headers: user.headers })
    }
    await app.inject({ method: 'GET', url: '/cases', headers: user.headers })
  }
  await app.inject({ method: 'GET', url: `/audit-events?limit=500`, headers: auditor.headers })
  await app.inject({ method: 'GET', url: `/statistics`, headers: auditor.headers })
  await waitUntilSealed(database)

  const { rows } = await sql<{ row: string }>`
    SELECT to_jsonb(e)::text || coalesce(to_jsonb(c)::text, '') AS row
    FROM audit_events e LEFT JOIN audit_chain c ON c.event_id = e.id`.execute(database.db)
  t.ok(rows.length > 40, `the trail has ${rows.length} events to look through`)
  t.ok(markers.length >= 20, `${markers.length} markers seeded`)
  const leaked = markers.filter((marker) => rows.some((row) => row.row.includes(marker)))
  t.same(leaked, [], 'no marker in any audit event or chain link')
  const recorded = rows.map((row) => row.row).join('\n')
  t.match(recorded, /"identity\.givenName"/, 'field names are recorded')
  t.match(recorded, /"health\.notes"/, 'the refused field is named')
})

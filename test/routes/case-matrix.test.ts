// Generated from policies/access-matrix.yaml: for every role × section × field, what the live
// API lets each role read, create and update. Nothing here is written out by hand per role.
import t from 'tap'
import { sql } from 'kysely'
import { ROLES, type Role } from '../../src/auth/principal.js'
import { CASE_VIEW_SECTIONS, WRITABLE_SECTIONS, WRITABLE_SECTION_FIELDS } from '../../src/cases/case-sections.js'
import { specMatrix, mayCreate, mayCreateField, mayRead, mayReadField, mayUpdateField, holdsAction } from '../helpers/access-matrix.js'
import { build, createOrganization, createUser, type TestUser, grantParticipation } from '../helpers/build.js'
import { fullCaseInput, sampleValue } from '../helpers/case-samples.js'

/** 'section.field' names a role may read on a case in its scope, per the spec. */
function expectedReadable(role: Role): string[] {
  const fields: string[] = []
  for (const section of ['case', ...CASE_VIEW_SECTIONS]) {
    for (const field of specMatrix.sections[section]!) if (mayReadField(role, section, field)) fields.push(`${section}.${field}`)
  }
  return fields.sort()
}

/** 'section.field' names present in a case response. */
function presentFields(body: Record<string, unknown>): string[] {
  const fields: string[] = []
  for (const [key, value] of Object.entries(body)) {
    // The reader's own organisation's assignee and the guidance (next stages) are no fields of the matrix.
    if (key === 'assignedTo' || key === 'nextStages') continue
    if ((CASE_VIEW_SECTIONS as readonly string[]).includes(key)) {
      for (const field of Object.keys(value as object)) fields.push(`${key}.${field}`)
    } else fields.push(`case.${key}`)
  }
  return fields.sort()
}

/** Every writable field as [section, field]; 'case' stands for the top-level riskLevel. */
const WRITABLE_FIELDS: [string, string][] = [
  ['case', 'riskLevel'],
  ...WRITABLE_SECTIONS.flatMap((section) =>
    Object.keys(WRITABLE_SECTION_FIELDS[section]).map((field) => [section, field] as [string, string]),
  ),
]

function bodyFor(section: string, field: string, variant: 1 | 2) {
  if (section === 'case') return { riskLevel: variant === 1 ? 'medium' : 'critical' }
  return { [section]: { [field]: sampleValue(section, field, variant).value } }
}

t.test('the live API enforces the access matrix for every role, section and field', async (t) => {
  const { app, database } = await build(t)
  const { db } = database
  const organizations = {
    migration_authority: await createOrganization(database, 'migration_authority'),
    child_protection_authority: await createOrganization(database, 'child_protection_authority'),
    civil_society: await createOrganization(database, 'civil_society'),
    legal_aid: await createOrganization(database, 'legal_aid'),
  }
  const users = {} as Record<Role, TestUser>
  for (const role of ROLES) {
    const organizationId =
      role === 'migration_officer'
        ? organizations.migration_authority
        : role === 'protection_officer'
          ? organizations.child_protection_authority
          : role === 'ngo_caseworker'
            ? organizations.civil_society
            : role === 'attorney'
              ? organizations.legal_aid
              : undefined
    users[role] = await createUser(database, role, organizationId)
  }

  // A case with a marker in every free-text field of every section, reached by every organisation.
  const { input, markers } = fullCaseInput()
  const { legalStatus, legal, ...creatable } = input
  const created = await app.inject({ method: 'POST', url: '/cases', headers: users.ngo_caseworker.headers, payload: creatable })
  t.equal(created.statusCode, 201, created.body)
  const caseId: string = created.json().id
  await db
    .updateTable('cases')
    .set({
      legal_status: JSON.stringify(legalStatus),
      legal: JSON.stringify(legal),
      placement_type: 'ngo_shelter',
      placement_since: new Date('2026-11-20T00:00:00Z'),
      responsible_organization_id: organizations.civil_society,
      best_interests: JSON.stringify({
        determinationId: caseId,
        outcome: 'local_integration',
        decidedAt: '2026-11-24',
        reviewDueAt: '2027-05-24',
      }),
    })
    .where('id', '=', caseId)
    .execute()
  for (const organizationId of [organizations.migration_authority, organizations.child_protection_authority, organizations.legal_aid]) {
    await grantParticipation(db, organizationId, caseId, users.ngo_caseworker.id)
  }

  for (const role of ROLES) {
    await t.test(`${role} reads exactly the sections the matrix gives it`, async (t) => {
      const single = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: users[role].headers })
      const list = await app.inject({ method: 'GET', url: '/cases?limit=100', headers: users[role].headers })
      if (!mayRead(role, 'case')) {
        t.equal(single.statusCode, 404, 'a role that reaches no case finds none')
        t.notOk(list.statusCode === 200 && list.json().items.some((item: { id?: string }) => item.id === caseId), 'and lists none')
        return
      }
      t.equal(single.statusCode, 200)
      t.equal(list.statusCode, 200)
      const listed = list.json().items.find((item: { id: string }) => item.id === caseId)
      const expected = expectedReadable(role)
      t.same(presentFields(single.json()), expected, 'single read: exactly the readable fields')
      t.same(presentFields(listed), expected, 'list item: exactly the readable fields')
      for (const [field, marker] of markers) {
        if (expected.includes(field)) continue
        t.notOk(single.body.includes(marker), `single read does not leak ${field}`)
        t.notOk(list.body.includes(marker), `list does not leak ${field}`)
      }
    })
  }

  for (const role of ROLES) {
    await t.test(`${role} updates exactly the fields the matrix lets it update`, async (t) => {
      for (const [section, field] of WRITABLE_FIELDS) {
        const before = await db
          .selectFrom('cases')
          .select(['version', sql<string>`cases::text`.as('snapshot')])
          .where('id', '=', caseId)
          .executeTakeFirstOrThrow()
        // The reader's own ETag: a version of the sections this role may read (PRODUCT.md, "Versions and ETags per reader").
        const read = await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: users[role].headers })
        const etag = read.statusCode === 200 ? (read.headers.etag as string) : '"1"'
        const response = await app.inject({
          method: 'PATCH',
          url: `/cases/${caseId}`,
          headers: { ...users[role].headers, 'if-match': etag },
          payload: bodyFor(section, field, 2),
        })
        const expected = !mayRead(role, 'case') ? 404 : mayUpdateField(role, section, field) ? 200 : 403
        t.equal(response.statusCode, expected, `${section}.${field}`)
        if (expected !== 200) {
          const after = await db
            .selectFrom('cases')
            .select(['version', sql<string>`cases::text`.as('snapshot')])
            .where('id', '=', caseId)
            .executeTakeFirstOrThrow()
          t.equal(after.snapshot, before.snapshot, `${section}.${field}: nothing changed, not even the version`)
        }
        if (expected === 403) t.same(response.json().deniedFields, [`${section}.${field}`], 'the problem names the denied field')
      }
    })
  }

  for (const role of ROLES) {
    await t.test(`${role} sets on creation exactly the fields the matrix lets it set`, async (t) => {
      for (const [section, field] of WRITABLE_FIELDS) {
        const payload = { riskLevel: 'low', ...bodyFor(section, field, 1) }
        const casesBefore = await db.selectFrom('cases').select(db.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
        const response = await app.inject({ method: 'POST', url: '/cases', headers: users[role].headers, payload })
        const allowed =
          holdsAction(role, 'create_case') && mayCreate(role, 'case') && (section === 'case' || mayCreateField(role, section, field))
        t.equal(response.statusCode, allowed ? 201 : 403, `${section}.${field}`)
        if (allowed) {
          // possibleDuplicates is no case field: the answer's list of other cases (case-search.test.ts).
          const { possibleDuplicates, ...created } = response.json()
          t.ok(Array.isArray(possibleDuplicates), 'the answer lists possible duplicates')
          t.same(presentFields(created), expectedReadable(role), 'the answer carries only what the creator may read')
        } else {
          const casesAfter = await db.selectFrom('cases').select(db.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
          t.equal(Number(casesAfter.count), Number(casesBefore.count), 'no case was created')
        }
      }
    })
  }
})

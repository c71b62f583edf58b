// Generated from policies/access-matrix.yaml: the records that carry sections of their own
// (placements, assessments, determinations, notes, consents) obey the matrix for every role, on
// creation and on reading, with no marker of an unreadable section anywhere in a body.
import t from 'tap'
import { ROLES, type Role } from '../../src/auth/principal.js'
import { mayCreate, mayRead } from '../helpers/access-matrix.js'
import { build, createOrganization, createUser, type TestUser, grantParticipation } from '../helpers/build.js'
import { newMarker } from '../helpers/case-samples.js'

interface RecordKind {
  readonly name: string
  /** The sections whose 'c' creating this body needs. */
  readonly createSections: readonly string[]
  /** The body, and the markers it carries with the section each belongs to. */
  readonly body: () => { payload: object; markers: [string, string][] }
}

const RECORD_KINDS: readonly RecordKind[] = [
  {
    name: 'placements',
    createSections: ['custody'],
    body: () => ({ payload: { type: 'dif_shelter' }, markers: [] }),
  },
  {
    name: 'placements',
    // The legal basis of a placement is free text: a citation, section legal.
    createSections: ['custody', 'legal'],
    body: () => {
      const citation = newMarker('citation')
      return { payload: { type: 'dif_shelter', legalBasis: citation }, markers: [[citation, 'legal']] }
    },
  },
  {
    name: 'placements',
    createSections: ['custody', 'contact'],
    body: () => {
      const facility = newMarker('facility')
      const address = newMarker('address')
      return {
        payload: { type: 'ngo_shelter', facilityName: facility, facilityAddress: address },
        markers: [
          [facility, 'custody'],
          [address, 'contact'],
        ],
      }
    },
  },
  {
    name: 'assessments',
    createSections: ['bidDeliberation'],
    body: () => {
      const views = newMarker('childviews')
      return { payload: { findings: { childViews: views }, recommendation: 'Kinship care' }, markers: [[views, 'bidDeliberation']] }
    },
  },
  {
    name: 'determinations',
    // A new determination is a draft: its status is `bestInterests`, its deliberation `bidDeliberation`.
    createSections: ['bidDeliberation', 'bestInterests'],
    body: () => {
      const rationale = newMarker('rationale')
      return { payload: { trigger: 'durable_solution', rationale }, markers: [[rationale, 'bidDeliberation']] }
    },
  },
  {
    name: 'notes',
    createSections: ['notes'],
    body: () => {
      const note = newMarker('note')
      return { payload: { body: note, category: 'home_visit' }, markers: [[note, 'notes']] }
    },
  },
  {
    name: 'consents',
    createSections: ['consent'],
    body: () => ({ payload: { givenBy: 'child_assent', scopes: ['services'] }, markers: [] }),
  },
]

t.test('records under a case obey the access matrix for every role', async (t) => {
  const { app, database } = await build(t)
  const organizationOf: Partial<Record<Role, string>> = {
    migration_officer: await createOrganization(database, 'migration_authority'),
    protection_officer: await createOrganization(database, 'child_protection_authority'),
    ngo_caseworker: await createOrganization(database, 'civil_society'),
    attorney: await createOrganization(database, 'legal_aid'),
  }
  const users = {} as Record<Role, TestUser>
  for (const role of ROLES) users[role] = await createUser(database, role, organizationOf[role])
  const created = await app.inject({ method: 'POST', url: '/cases', headers: users.ngo_caseworker.headers, payload: { riskLevel: 'high' } })
  const caseId: string = created.json().id
  for (const role of ['migration_officer', 'protection_officer', 'attorney'] as const) {
    await grantParticipation(database.db, organizationOf[role]!, caseId, users.ngo_caseworker.id)
  }

  // Each kind of record is first written by a role the matrix lets write it, so every role has something to read.
  const writers = new Map<RecordKind, Role>()
  for (const kind of RECORD_KINDS) {
    const writer = ROLES.find((role) => role !== 'system_admin' && kind.createSections.every((section) => mayCreate(role, section)))
    t.ok(writer, `some role may create ${kind.name} (${kind.createSections.join(', ')})`)
    writers.set(kind, writer!)
  }
  const seeded: { name: string; marker: string; section: string }[] = []
  for (const kind of RECORD_KINDS) {
    const { payload, markers } = kind.body()
    const response = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/${kind.name}`,
      headers: users[writers.get(kind)!].headers,
      payload,
    })
    t.equal(response.statusCode, 201, `${writers.get(kind)} creates ${kind.name}: ${response.body.slice(0, 200)}`)
    seeded.push(...markers.map(([marker, section]) => ({ name: kind.name, marker, section })))
  }

  for (const role of ROLES) {
    await t.test(`${role} creates exactly the records the matrix allows`, async (t) => {
      for (const kind of RECORD_KINDS) {
        const { payload } = kind.body()
        const response = await app.inject({ method: 'POST', url: `/cases/${caseId}/${kind.name}`, headers: users[role].headers, payload })
        const expected = !mayRead(role, 'case') ? 404 : kind.createSections.every((section) => mayCreate(role, section)) ? 201 : 403
        t.equal(response.statusCode, expected, `${kind.name} needing ${kind.createSections.join(' + ')}`)
      }
    })

    await t.test(`${role} reads records with exactly the sections the matrix gives it`, async (t) => {
      for (const name of new Set(RECORD_KINDS.map((kind) => kind.name))) {
        const response = await app.inject({ method: 'GET', url: `/cases/${caseId}/${name}?limit=100`, headers: users[role].headers })
        if (!mayRead(role, 'case')) {
          t.equal(response.statusCode, 404, `${name}: no case for this role`)
          continue
        }
        t.ok([200, 403].includes(response.statusCode), `${name}: answered ${response.statusCode}`)
        for (const { marker, section } of seeded.filter((entry) => entry.name === name)) {
          if (mayRead(role, section)) t.ok(response.body.includes(marker), `${name}: ${section} is readable and present`)
          else t.notOk(response.body.includes(marker), `${name}: ${section} is not readable and absent`)
        }
      }
    })
  }
})

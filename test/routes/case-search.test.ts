import t from 'tap'
import type { Role } from '../../src/auth/principal.js'
import type { components, operations } from '../helpers/api-types.js'
import { answered, present } from '../helpers/api-client.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { mayReadField } from '../helpers/access-matrix.js'

type CaseQuery = NonNullable<operations['listCases']['parameters']['query']>
type NewCase = components['schemas']['NewCase']

const ROLES: Role[] = ['migration_officer', 'protection_officer', 'ngo_caseworker', 'attorney', 'oversight_auditor', 'system_admin']

t.test('search on GET /cases', async (t) => {
  const { app, database, api } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
  const colleague = await createUser(database, 'ngo_caseworker', ngo.organizationId)
  const outsider = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
  const officer = await createUser(database, 'protection_officer', await createOrganization(database, 'child_protection_authority'))
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const auditor = await createUser(database, 'oversight_auditor', await createOrganization(database, 'oversight_body'))

  const create = async (user: TestUser, body: NewCase) => {
    const created = answered(t, await api(user).POST('/cases', { body }), 201)
    return {
      id: present(created.id, 'the case id'),
      caseNumber: present(created.caseNumber, 'the case number'),
      childRef: present(created.childRef, 'the child reference'),
      possibleDuplicates: created.possibleDuplicates,
    }
  }
  const person = (givenName: string, familyName: string, nationality: string, dateOfBirth: string, riskLevel: NewCase['riskLevel']) => ({
    riskLevel,
    demographics: { nationality, sex: 'female' as const },
    identity: { givenName, familyName, dateOfBirth },
  })
  const list = (user: TestUser, query: CaseQuery) => api(user).GET('/cases', { params: { query } })
  const ids = async (user: TestUser, query: CaseQuery) =>
    answered(t, await list(user, { limit: 100, ...query }), 200, `${JSON.stringify(query)}: `).items.map((item) =>
      present(item.id, 'a listed case id'),
    )

  const a = await create(ngo, person('María José', 'Hernández López', 'GT', '2010-05-17', 'high'))
  const b = await create(ngo, person('José Luis', 'Pérez Gómez', 'HN', '2015-03-01', 'low'))
  const c = await create(ngo, person('Ana Sofía', 'Ramírez', 'SV', '2012-07-20', 'critical'))
  const d = await create(ngo, person('Juan', 'Hernández', 'GT', '2009-02-02', 'medium'))
  const foreign = await create(outsider, person('María José', 'Hernández López', 'GT', '2010-05-17', 'high'))
  const mine = [a.id, b.id, c.id, d.id]

  await t.test('names match without accents or case, with misspellings and in any order', async (t) => {
    t.equal((await ids(ngo, { q: 'maria jose hernandez lopez' }))[0], a.id, 'unaccented, lower case')
    t.equal((await ids(ngo, { q: 'MARÍA HERNÁNDEZ' }))[0], a.id, 'accented, upper case')
    t.equal((await ids(ngo, { q: 'Mria Hernadez' }))[0], a.id, 'misspelt given and family name')
    t.equal((await ids(ngo, { q: 'Jose Peres Gomes' }))[0], b.id, 'misspelt, s for z')
    t.equal((await ids(ngo, { q: 'Lopez Hernandez Maria' }))[0], a.id, 'family name first')
    t.same(await ids(ngo, { q: 'Ramirez Ana' }), [c.id], 'nothing unlike the name')
    t.same(await ids(ngo, { q: 'Xochitl Quetzalli' }), [], 'no match at all')
  })

  await t.test('searches of one shape, built once (statement templates), answer each with its own values', async (t) => {
    t.same(await ids(ngo, { nationality: 'HN', riskLevel: 'low' }), [b.id])
    t.same(await ids(ngo, { nationality: 'SV', riskLevel: 'critical' }), [c.id], 'other values, the same statement')
    t.same(await ids(ngo, { nationality: 'GT', riskLevel: 'low' }), [], 'values that match nothing')
    t.same((await ids(ngo, { q: 'Ramirez Ana', sort: 'caseNumber' })).length, 1)
    t.same(await ids(ngo, { q: 'Hernandez Juan', sort: 'caseNumber' }), [d.id], 'other words, the same statement')
  })

  await t.test('a changed name is found by its new words, and a hyphenated query by each of its words', async (t) => {
    // Words first seen in a PATCH reach the dictionary of name words (migration 2026-12-05-10-name-words).
    const other = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
    const renamed = await create(other, person('Yeimi', 'Quiñónez', 'HN', '2013-04-04', 'low'))
    t.same(await ids(other, { q: 'Yeimy Quinones' }), [renamed.id], 'misspelt, before the change')
    const read = await api(other).GET('/cases/{id}', { params: { path: { id: renamed.id } } })
    answered(
      t,
      await api(other).PATCH('/cases/{id}', {
        params: { path: { id: renamed.id }, header: { 'if-match': read.response.headers.get('etag') ?? '' } },
        body: { identity: { givenName: 'Xiadani', familyName: 'Tzul-Ixcamparij' } },
      }),
      200,
    )
    t.same(await ids(other, { q: 'Xiadany Tzul Ixcampari' }), [renamed.id], 'misspelt new words')
    t.same(await ids(other, { q: 'tzul-ixcamparij xiadani' }), [renamed.id], 'a hyphenated query, reordered')
    t.same(await ids(other, { q: 'Yeimi Quiñónez' }), [], 'the former name no longer matches')
  })

  await t.test('results are ranked by similarity, and stay inside the caller’s scope', async (t) => {
    const hernandez = await ids(ngo, { q: 'Hernandez' })
    t.same(hernandez, [d.id, a.id], 'the shorter, closer name first; the other organisation’s child absent')
    t.same(await ids(ngo, { q: 'Hernandez', sort: '-similarity' }), hernandez)
    t.same(await ids(ngo, { q: 'Hernandez', sort: 'similarity' }), [a.id, d.id], 'ascending on request')
    t.same(await ids(outsider, { q: 'Hernandez' }), [foreign.id])
    t.same(await ids(ngo, { caseNumber: foreign.caseNumber }), [], 'a case number outside scope finds nothing')
  })

  await t.test('exact filters: case number and child reference', async (t) => {
    t.same(await ids(ngo, { caseNumber: a.caseNumber }), [a.id])
    t.same(await ids(ngo, { childRef: b.childRef }), [b.id])
    t.same(await ids(ngo, { caseNumber: a.caseNumber.slice(0, -1) }), [], 'exact, not a prefix')
  })

  await t.test('each further filter', async (t) => {
    t.same((await ids(ngo, { nationality: 'GT' })).sort(), [a.id, d.id].sort())
    t.same(await ids(ngo, { ageBracket: '6-11' }), [b.id])
    t.same(await ids(ngo, { ageBracket: '12-14' }), [c.id])
    t.same((await ids(ngo, { leadOrganizationId: ngo.organizationId })).sort(), [...mine].sort())
    t.same(await ids(ngo, { leadOrganizationId: outsider.organizationId }), [])
    answered(t, await api(ngo).POST('/cases/{id}/placements', { params: { path: { id: c.id } }, body: { type: 'dif_shelter' } }), 201)
    t.same(await ids(ngo, { placementType: 'dif_shelter' }), [c.id])
    t.same(await ids(ngo, { placementType: 'migration_station' }), [])
    await database.db
      .insertInto('case_assignments')
      .values({ case_id: a.id, organization_id: ngo.organizationId, user_id: ngo.id, assigned_by: ngo.id })
      .execute()
    await database.db
      .insertInto('case_assignments')
      .values({ case_id: foreign.id, organization_id: outsider.organizationId, user_id: outsider.id, assigned_by: outsider.id })
      .execute()
    t.same(await ids(ngo, { assignedTo: 'me' }), [a.id])
    t.same(await ids(colleague, { assignedTo: 'me' }), [])
    t.same(await ids(colleague, { assignedTo: ngo.id }), [a.id], 'a colleague’s cases')
    t.same(await ids(ngo, { assignedTo: outsider.id }), [], 'another organisation’s assignee is not ours')
    await database.db
      .updateTable('cases')
      .set({ opened_at: new Date('2026-01-15T12:00:00Z') })
      .where('id', '=', b.id)
      .execute()
    t.same(await ids(ngo, { openedFrom: '2026-01-15', openedTo: '2026-01-15' }), [b.id], 'both dates inclusive')
    t.notOk((await ids(ngo, { openedTo: '2026-01-14' })).includes(b.id))
    t.notOk((await ids(ngo, { openedFrom: '2026-01-16' })).includes(b.id))
    t.same(await ids(ngo, { nationality: 'GT', q: 'hernandez', riskLevel: 'medium' }), [d.id], 'filters combine')
  })

  await t.test('sort on openedAt, updatedAt, riskLevel and caseNumber, both ways', async (t) => {
    t.same(await ids(ngo, { sort: 'riskLevel' }), [b.id, d.id, a.id, c.id])
    t.same(await ids(ngo, { sort: '-riskLevel' }), [c.id, a.id, d.id, b.id])
    t.same(await ids(ngo, { sort: 'caseNumber' }), [a.id, b.id, c.id, d.id])
    t.same(await ids(ngo, { sort: '-caseNumber' }), [d.id, c.id, b.id, a.id])
    t.equal((await ids(ngo, { sort: 'openedAt' }))[0], b.id)
    t.equal((await ids(ngo, { sort: '-openedAt' })).at(-1), b.id)
    const read = await api(ngo).GET('/cases/{id}', { params: { path: { id: b.id } } })
    const patched = await api(ngo).PATCH('/cases/{id}', {
      params: { path: { id: b.id }, header: { 'if-match': read.response.headers.get('etag') ?? '' } },
      body: { riskLevel: 'low', demographics: { separationStatus: 'separated' } },
    })
    answered(t, patched, 200)
    t.equal((await ids(ngo, { sort: '-updatedAt' }))[0], b.id, 'the latest change first')
    t.equal((await ids(ngo, { sort: 'updatedAt' })).at(-1), b.id)
    t.equal((await list(ngo, { sort: 'similarity' })).response.status, 400, 'similarity needs q')
    // A sort the document does not list: the client's types would not let it be written.
    t.equal(
      (await app.inject({ method: 'GET', url: '/cases?sort=dateOfBirth', headers: ngo.headers })).statusCode,
      400,
      'an unknown sort is a 400',
    )
  })

  await t.test('cursors: a round trip walks every item once; a forged cursor is a 400', async (t) => {
    const queries: CaseQuery[] = [
      { sort: 'riskLevel' },
      { sort: '-openedAt' },
      { sort: '-updatedAt' },
      { q: 'hernandez' },
      { sort: 'caseNumber' },
      {},
    ]
    for (const query of queries) {
      const all = await ids(ngo, query)
      const walked: string[] = []
      let cursor: string | undefined
      for (let page = 0; page < 10; page++) {
        const answer = answered(t, await list(ngo, { limit: 1, ...query, cursor }), 200)
        walked.push(...answer.items.map((item) => present(item.id, 'a listed case id')))
        cursor = answer.nextCursor ?? undefined
        if (!cursor) break
      }
      t.same(walked, all, `pages of one: ${JSON.stringify(query)}`)
    }
    const first = present(answered(t, await list(ngo, { limit: 1, sort: 'riskLevel' }), 200).nextCursor, 'a next cursor')
    t.ok(first)
    const [payload, signature] = first.split('.') as [string, string]
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
    const altered = Buffer.from(JSON.stringify({ ...decoded, k: "1'; DROP TABLE cases; --" })).toString('base64url')
    const forgeries = [
      'not-a-cursor',
      `${altered}.${signature}`,
      payload,
      `${payload}.${'A'.repeat(signature.length)}`,
      Buffer.from(a.id).toString('base64url'),
      `${payload}.${signature}.x`,
    ]
    for (const forged of forgeries) {
      const { response, error } = await list(ngo, { limit: 1, sort: 'riskLevel', cursor: forged })
      t.equal(response.status, 400, `forged: ${forged.slice(0, 20)}`)
      t.equal(error?.type, 'urn:atd:problem:bad-request')
    }
    const other = await list(ngo, { limit: 1, sort: '-riskLevel', cursor: first })
    t.equal(other.response.status, 400, 'a cursor of another search')
    t.equal(other.error?.type, 'urn:atd:problem:bad-request')
  })

  // Each parameter, with the fields it reads as the specification's matrix names them.
  const PARAMETERS: [string, CaseQuery, [string, string][]][] = [
    [
      'q',
      { q: 'maria' },
      [
        ['identity', 'givenName'],
        ['identity', 'familyName'],
      ],
    ],
    ['caseNumber', { caseNumber: a.caseNumber }, [['case', 'caseNumber']]],
    ['childRef', { childRef: a.childRef }, [['case', 'childRef']]],
    ['nationality', { nationality: 'GT' }, [['demographics', 'nationality']]],
    ['ageBracket', { ageBracket: '15-17' }, [['demographics', 'ageBracket']]],
    ['placementType', { placementType: 'dif_shelter' }, [['custody', 'placementType']]],
    ['leadOrganizationId', { leadOrganizationId: ngo.organizationId }, [['case', 'leadOrganizationId']]],
    ['openedFrom', { openedFrom: '2026-01-01' }, [['case', 'openedAt']]],
    ['openedTo', { openedTo: '2026-12-31' }, [['case', 'openedAt']]],
    ['sort', { sort: '-openedAt' }, [['case', 'openedAt']]],
    ['sort', { sort: 'updatedAt' }, [['case', 'updatedAt']]],
    ['sort', { sort: 'riskLevel' }, [['case', 'riskLevel']]],
    ['sort', { sort: 'caseNumber' }, [['case', 'caseNumber']]],
    [
      'sort',
      { sort: 'similarity', q: 'maria' },
      [
        ['identity', 'givenName'],
        ['identity', 'familyName'],
      ],
    ],
  ]

  await t.test('a filter or sort on a field the role may not read is a 403 naming it, for every role (from the matrix)', async (t) => {
    for (const role of ROLES) {
      const user = role === 'ngo_caseworker' ? ngo : await createUser(database, role)
      for (const [name, query, fields] of PARAMETERS) {
        const denied = fields
          .filter(([section, field]) => !mayReadField(role, section, field))
          .map(([section, field]) => `${section}.${field}`)
        const { response, error } = await list(user, query)
        const label = `${role} ${JSON.stringify(query)}`
        if (denied.length === 0) {
          t.equal(response.status, 200, label)
          continue
        }
        t.equal(response.status, 403, label)
        t.ok(String(error?.detail).includes(name === 'sort' ? String(query.sort).replace(/^-/, '') : name), `${label}: the detail names it`)
        for (const field of denied) t.ok(error?.deniedFields?.includes(field), `${label}: names ${field}`)
      }
    }
    const auditorSearch = await list(auditor, { q: 'Hernandez' })
    t.equal(auditorSearch.response.status, 403, 'an auditor may not search names')
    t.notOk(JSON.stringify(auditorSearch.error).includes(a.id), 'and learns nothing about them')
    t.equal(auditorSearch.data, undefined)
  })

  await t.test('a migration officer may search names of the cases it participates in', async (t) => {
    const consent = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id: a.id } },
      body: { givenBy: 'child_and_guardian', scopes: ['share_with_organizations'] },
    })
    const consentId = answered(t, consent, 201).id
    for (const user of [migration, officer]) {
      const shared = await api(ngo).POST('/cases/{id}/participants', {
        params: { path: { id: a.id } },
        body: { organizationId: user.organizationId, consentId },
      })
      answered(t, shared, 201)
    }
    t.same(await ids(migration, { q: 'maria hernandez' }), [a.id])
    t.same(await ids(officer, { q: 'maria hernandez', nationality: 'GT', ageBracket: '15-17' }), [a.id])
  })

  await t.test('a section withheld by consent answers no yes/no through a filter or a name search', async (t) => {
    const withhold = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id: a.id } },
      body: {
        givenBy: 'child_and_guardian',
        scopes: ['services'],
        withheld: (['identity', 'demographics'] as const).map((section) => ({ section, fromOrganizationId: officer.organizationId })),
      },
    })
    answered(t, withhold, 201)
    t.same(await ids(officer, { q: 'maria hernandez' }), [], 'the name is not searched')
    t.same(await ids(officer, { nationality: 'GT' }), [])
    t.same(await ids(officer, { nationality: 'HN' }), [], 'neither yes nor no')
    t.same(await ids(officer, { ageBracket: '15-17' }), [])
    t.same(await ids(officer, {}), [a.id], 'the case itself is still listed')
    t.same(await ids(migration, { q: 'maria hernandez' }), [a.id], 'withheld from one organisation only')
    t.equal((await ids(ngo, { q: 'maria hernandez' }))[0], a.id, 'the lead is never withheld from')
  })

  await t.test('creating a case answers possible duplicates among the cases the creator may read', async (t) => {
    const again = await create(ngo, person('Maria Jose', 'Hernandez', 'GT', '2010-05-17', 'high'))
    t.ok(Array.isArray(again.possibleDuplicates))
    t.equal(again.possibleDuplicates[0]?.id, a.id, 'the same child first')
    t.equal(again.possibleDuplicates[0]?.caseNumber, a.caseNumber)
    t.ok(again.possibleDuplicates[0]!.score > 0.5 && again.possibleDuplicates[0]!.score <= 1)
    t.notOk(
      again.possibleDuplicates.some((duplicate) => duplicate.id === foreign.id),
      'never a case the creator may not read',
    )
    t.notOk(
      again.possibleDuplicates.some((duplicate) => duplicate.id === again.id),
      'never itself',
    )
    t.notOk(
      again.possibleDuplicates.some((duplicate) => duplicate.id === c.id),
      'never a different child',
    )
    const stranger = await create(ngo, person('Xochitl', 'Quetzalli', 'MX', '2011-01-01', 'low'))
    t.same(stranger.possibleDuplicates, [], 'a new child has none')
    const outsiderAgain = await create(outsider, person('María José', 'Hernández López', 'GT', '2010-05-17', 'high'))
    t.same(
      outsiderAgain.possibleDuplicates.map((duplicate) => duplicate.id),
      [foreign.id],
      'only the creator’s own readable cases',
    )
  })

  await t.test('sameChildAs links a new case to an earlier one: it shares the childRef', async (t) => {
    const linked = await create(ngo, { ...person('María José', 'Hernández', 'GT', '2010-05-17', 'high'), sameChildAs: a.id })
    t.equal(linked.childRef, a.childRef)
    t.not(linked.id, a.id)
    t.same((await ids(ngo, { childRef: a.childRef })).sort(), [a.id, linked.id].sort(), 'both files of the child')
    const outOfScope = await api(ngo).POST('/cases', { body: { riskLevel: 'low', sameChildAs: foreign.id } })
    t.equal(outOfScope.response.status, 404, 'an earlier case the creator may not read does not exist for it')
    const unknown = await api(ngo).POST('/cases', { body: { riskLevel: 'low', sameChildAs: 'not-a-uuid' } })
    t.equal(unknown.response.status, 400)
    const unlinked = await create(ngo, { riskLevel: 'low' })
    t.not(unlinked.childRef, a.childRef, 'without it, a pseudonym of its own')
  })
})

import t from 'tap'
import type { Role } from '../../src/auth/principal.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { mayReadField } from '../helpers/access-matrix.js'

const ROLES: Role[] = ['migration_officer', 'protection_officer', 'ngo_caseworker', 'attorney', 'oversight_auditor', 'system_admin']

t.test('search on GET /cases', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
  const colleague = await createUser(database, 'ngo_caseworker', ngo.organizationId)
  const outsider = await createUser(database, 'ngo_caseworker', await createOrganization(database, 'civil_society'))
  const officer = await createUser(database, 'protection_officer', await createOrganization(database, 'child_protection_authority'))
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const auditor = await createUser(database, 'oversight_auditor', await createOrganization(database, 'oversight_body'))

  const send = (user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload ? { payload } : {}) })
  const create = async (user: TestUser, body: object) => {
    const response = await send(user, 'POST', '/cases', body)
    t.equal(response.statusCode, 201, response.body)
    return response.json() as {
      id: string
      caseNumber: string
      childRef: string
      version: number
      possibleDuplicates: { id: string; caseNumber: string; score: number }[]
    }
  }
  const person = (givenName: string, familyName: string, nationality: string, dateOfBirth: string, riskLevel: string) => ({
    riskLevel,
    demographics: { nationality, sex: 'female' },
    identity: { givenName, familyName, dateOfBirth },
  })
  const ids = async (user: TestUser, query: string) => {
    const response = await send(user, 'GET', `/cases?limit=100&${query}`)
    t.equal(response.statusCode, 200, `${query}: ${response.body}`)
    return (response.json().items as { id: string }[]).map((item) => item.id)
  }

  const a = await create(ngo, person('María José', 'Hernández López', 'GT', '2010-05-17', 'high'))
  const b = await create(ngo, person('José Luis', 'Pérez Gómez', 'HN', '2015-03-01', 'low'))
  const c = await create(ngo, person('Ana Sofía', 'Ramírez', 'SV', '2012-07-20', 'critical'))
  const d = await create(ngo, person('Juan', 'Hernández', 'GT', '2009-02-02', 'medium'))
  const foreign = await create(outsider, person('María José', 'Hernández López', 'GT', '2010-05-17', 'high'))
  const mine = [a.id, b.id, c.id, d.id]

  await t.test('names match without accents or case, with misspellings and in any order', async (t) => {
    t.equal((await ids(ngo, 'q=maria%20jose%20hernandez%20lopez'))[0], a.id, 'unaccented, lower case')
    t.equal((await ids(ngo, 'q=MAR%C3%8DA%20HERN%C3%81NDEZ'))[0], a.id, 'accented, upper case')
    t.equal((await ids(ngo, 'q=Mria%20Hernadez'))[0], a.id, 'misspelt given and family name')
    t.equal((await ids(ngo, 'q=Jose%20Peres%20Gomes'))[0], b.id, 'misspelt, s for z')
    t.equal((await ids(ngo, 'q=Lopez%20Hernandez%20Maria'))[0], a.id, 'family name first')
    t.same(await ids(ngo, 'q=Ramirez%20Ana'), [c.id], 'nothing unlike the name')
    t.same(await ids(ngo, 'q=Xochitl%20Quetzalli'), [], 'no match at all')
  })

  await t.test('results are ranked by similarity, and stay inside the caller’s scope', async (t) => {
    const hernandez = await ids(ngo, 'q=Hernandez')
    t.same(hernandez, [d.id, a.id], 'the shorter, closer name first; the other organisation’s child absent')
    t.same(await ids(ngo, 'q=Hernandez&sort=-similarity'), hernandez)
    t.same(await ids(ngo, 'q=Hernandez&sort=similarity'), [a.id, d.id], 'ascending on request')
    t.same(await ids(outsider, 'q=Hernandez'), [foreign.id])
    t.same(await ids(ngo, `caseNumber=${foreign.caseNumber}`), [], 'a case number outside scope finds nothing')
  })

  await t.test('exact filters: case number and child reference', async (t) => {
    t.same(await ids(ngo, `caseNumber=${a.caseNumber}`), [a.id])
    t.same(await ids(ngo, `childRef=${b.childRef}`), [b.id])
    t.same(await ids(ngo, `caseNumber=${a.caseNumber.slice(0, -1)}`), [], 'exact, not a prefix')
  })

  await t.test('each further filter', async (t) => {
    t.same((await ids(ngo, 'nationality=GT')).sort(), [a.id, d.id].sort())
    t.same(await ids(ngo, 'ageBracket=6-11'), [b.id])
    t.same(await ids(ngo, 'ageBracket=12-14'), [c.id])
    t.same((await ids(ngo, `leadOrganizationId=${ngo.organizationId}`)).sort(), [...mine].sort())
    t.same(await ids(ngo, `leadOrganizationId=${outsider.organizationId}`), [])
    const placement = await send(ngo, 'POST', `/cases/${c.id}/placements`, { type: 'dif_shelter' })
    t.equal(placement.statusCode, 201, placement.body)
    t.same(await ids(ngo, 'placementType=dif_shelter'), [c.id])
    t.same(await ids(ngo, 'placementType=migration_station'), [])
    await database.db
      .insertInto('case_assignments')
      .values({ case_id: a.id, organization_id: ngo.organizationId, user_id: ngo.id, assigned_by: ngo.id })
      .execute()
    await database.db
      .insertInto('case_assignments')
      .values({ case_id: foreign.id, organization_id: outsider.organizationId, user_id: outsider.id, assigned_by: outsider.id })
      .execute()
    t.same(await ids(ngo, 'assignedTo=me'), [a.id])
    t.same(await ids(colleague, 'assignedTo=me'), [])
    t.same(await ids(colleague, `assignedTo=${ngo.id}`), [a.id], 'a colleague’s cases')
    t.same(await ids(ngo, `assignedTo=${outsider.id}`), [], 'another organisation’s assignee is not ours')
    await database.db
      .updateTable('cases')
      .set({ opened_at: new Date('2026-01-15T12:00:00Z') })
      .where('id', '=', b.id)
      .execute()
    t.same(await ids(ngo, 'openedFrom=2026-01-15&openedTo=2026-01-15'), [b.id], 'both dates inclusive')
    t.notOk((await ids(ngo, 'openedTo=2026-01-14')).includes(b.id))
    t.notOk((await ids(ngo, 'openedFrom=2026-01-16')).includes(b.id))
    t.same(await ids(ngo, 'nationality=GT&q=hernandez&riskLevel=medium'), [d.id], 'filters combine')
  })

  await t.test('sort on openedAt, updatedAt, riskLevel and caseNumber, both ways', async (t) => {
    t.same(await ids(ngo, 'sort=riskLevel'), [b.id, d.id, a.id, c.id])
    t.same(await ids(ngo, 'sort=-riskLevel'), [c.id, a.id, d.id, b.id])
    t.same(await ids(ngo, 'sort=caseNumber'), [a.id, b.id, c.id, d.id])
    t.same(await ids(ngo, 'sort=-caseNumber'), [d.id, c.id, b.id, a.id])
    t.equal((await ids(ngo, 'sort=openedAt'))[0], b.id)
    t.equal((await ids(ngo, 'sort=-openedAt')).at(-1), b.id)
    const read = await send(ngo, 'GET', `/cases/${b.id}`)
    const patched = await send(
      ngo,
      'PATCH',
      `/cases/${b.id}`,
      { riskLevel: 'low', demographics: { separationStatus: 'separated' } },
      { 'if-match': read.headers.etag as string },
    )
    t.equal(patched.statusCode, 200, patched.body)
    t.equal((await ids(ngo, 'sort=-updatedAt'))[0], b.id, 'the latest change first')
    t.equal((await ids(ngo, 'sort=updatedAt')).at(-1), b.id)
    const noQ = await send(ngo, 'GET', '/cases?sort=similarity')
    t.equal(noQ.statusCode, 400, 'similarity needs q')
    t.equal((await send(ngo, 'GET', '/cases?sort=dateOfBirth')).statusCode, 400, 'an unknown sort is a 400')
  })

  await t.test('cursors: a round trip walks every item once; a forged cursor is a 400', async (t) => {
    for (const query of ['sort=riskLevel', 'sort=-openedAt', 'sort=-updatedAt', 'q=hernandez', 'sort=caseNumber', '']) {
      const all = await ids(ngo, query)
      const walked: string[] = []
      let cursor: string | null = null
      for (let page = 0; page < 10; page++) {
        const response = await send(ngo, 'GET', `/cases?limit=1&${query}${cursor ? `&cursor=${cursor}` : ''}`)
        t.equal(response.statusCode, 200, response.body)
        walked.push(...(response.json().items as { id: string }[]).map((item) => item.id))
        cursor = response.json().nextCursor
        if (!cursor) break
      }
      t.same(walked, all, `pages of one: ${query || 'default order'}`)
    }
    const first = (await send(ngo, 'GET', '/cases?limit=1&sort=riskLevel')).json().nextCursor as string
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
      const response = await send(ngo, 'GET', `/cases?limit=1&sort=riskLevel&cursor=${encodeURIComponent(forged)}`)
      t.equal(response.statusCode, 400, `forged: ${forged.slice(0, 20)}`)
      t.equal(response.json().type, 'urn:atd:problem:bad-request')
    }
    const other = await send(ngo, 'GET', `/cases?limit=1&sort=-riskLevel&cursor=${first}`)
    t.equal(other.statusCode, 400, 'a cursor of another search')
    t.equal(other.json().type, 'urn:atd:problem:bad-request')
  })

  // Each parameter, with the fields it reads as the specification's matrix names them.
  const PARAMETERS: [string, string, [string, string][]][] = [
    [
      'q',
      'q=maria',
      [
        ['identity', 'givenName'],
        ['identity', 'familyName'],
      ],
    ],
    ['caseNumber', `caseNumber=${a.caseNumber}`, [['case', 'caseNumber']]],
    ['childRef', `childRef=${a.childRef}`, [['case', 'childRef']]],
    ['nationality', 'nationality=GT', [['demographics', 'nationality']]],
    ['ageBracket', 'ageBracket=15-17', [['demographics', 'ageBracket']]],
    ['placementType', 'placementType=dif_shelter', [['custody', 'placementType']]],
    ['leadOrganizationId', `leadOrganizationId=${ngo.organizationId}`, [['case', 'leadOrganizationId']]],
    ['openedFrom', 'openedFrom=2026-01-01', [['case', 'openedAt']]],
    ['openedTo', 'openedTo=2026-12-31', [['case', 'openedAt']]],
    ['sort', 'sort=-openedAt', [['case', 'openedAt']]],
    ['sort', 'sort=updatedAt', [['case', 'updatedAt']]],
    ['sort', 'sort=riskLevel', [['case', 'riskLevel']]],
    ['sort', 'sort=caseNumber', [['case', 'caseNumber']]],
    [
      'sort',
      'sort=similarity&q=maria',
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
        const response = await send(user, 'GET', `/cases?${query}`)
        if (denied.length === 0) {
          t.equal(response.statusCode, 200, `${role} ${query}`)
          continue
        }
        t.equal(response.statusCode, 403, `${role} ${query}`)
        t.ok(
          String(response.json().detail).includes(name === 'sort' ? query.replace(/^sort=-?([A-Za-z]+).*$/, '$1') : name),
          `${role} ${query}: the detail names it`,
        )
        for (const field of denied) t.ok((response.json().deniedFields as string[]).includes(field), `${role} ${query}: names ${field}`)
      }
    }
    const auditorSearch = await send(auditor, 'GET', '/cases?q=Hernandez')
    t.equal(auditorSearch.statusCode, 403, 'an auditor may not search names')
    t.notOk(auditorSearch.body.includes(a.id), 'and learns nothing about them')
  })

  await t.test('a migration officer may search names of the cases it participates in', async (t) => {
    const consent = await send(ngo, 'POST', `/cases/${a.id}/consents`, {
      givenBy: 'child_and_guardian',
      scopes: ['share_with_organizations'],
    })
    t.equal(consent.statusCode, 201, consent.body)
    for (const user of [migration, officer]) {
      const shared = await send(ngo, 'POST', `/cases/${a.id}/participants`, {
        organizationId: user.organizationId,
        consentId: consent.json().id,
      })
      t.equal(shared.statusCode, 201, shared.body)
    }
    t.same(await ids(migration, 'q=maria%20hernandez'), [a.id])
    t.same(await ids(officer, 'q=maria%20hernandez&nationality=GT&ageBracket=15-17'), [a.id])
  })

  await t.test('a section withheld by consent answers no yes/no through a filter or a name search', async (t) => {
    const withhold = await send(ngo, 'POST', `/cases/${a.id}/consents`, {
      givenBy: 'child_and_guardian',
      scopes: ['services'],
      withheld: ['identity', 'demographics'].map((section) => ({ section, fromOrganizationId: officer.organizationId })),
    })
    t.equal(withhold.statusCode, 201, withhold.body)
    t.same(await ids(officer, 'q=maria%20hernandez'), [], 'the name is not searched')
    t.same(await ids(officer, 'nationality=GT'), [])
    t.same(await ids(officer, 'nationality=HN'), [], 'neither yes nor no')
    t.same(await ids(officer, 'ageBracket=15-17'), [])
    t.same(await ids(officer, ''), [a.id], 'the case itself is still listed')
    t.same(await ids(migration, 'q=maria%20hernandez'), [a.id], 'withheld from one organisation only')
    t.equal((await ids(ngo, 'q=maria%20hernandez'))[0], a.id, 'the lead is never withheld from')
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
    t.same((await ids(ngo, `childRef=${a.childRef}`)).sort(), [a.id, linked.id].sort(), 'both files of the child')
    const outOfScope = await send(ngo, 'POST', '/cases', { riskLevel: 'low', sameChildAs: foreign.id })
    t.equal(outOfScope.statusCode, 404, 'an earlier case the creator may not read does not exist for it')
    const unknown = await send(ngo, 'POST', '/cases', { riskLevel: 'low', sameChildAs: 'not-a-uuid' })
    t.equal(unknown.statusCode, 400)
    const unlinked = await create(ngo, { riskLevel: 'low' })
    t.not(unlinked.childRef, a.childRef, 'without it, a pseudonym of its own')
  })
})

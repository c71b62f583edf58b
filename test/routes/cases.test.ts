import t from 'tap'
import { sql } from 'kysely'
import { build, createUser, grantParticipation } from '../helpers/build.js'
import { fullCaseInput } from '../helpers/case-samples.js'

const snapshot = (db: import('kysely').Kysely<any>, id: string) =>
  db.selectFrom('cases').select(sql<string>`cases::text`.as('row')).where('id', '=', id).executeTakeFirstOrThrow()

t.test('cases', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const colleague = await createUser(database, 'ngo_caseworker', ngo.organizationId)
  const outsider = await createUser(database, 'ngo_caseworker')
  const { input } = fullCaseInput()
  const { legalStatus: _legalStatus, legal: _legal, ...creatable } = input

  const open = async (payload: object = creatable, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/cases', headers: { ...ngo.headers, ...headers }, payload })

  await t.test('a case opens with a sequential case number, a pseudonym and an ETag', async (t) => {
    const first = await open()
    const second = await open()
    t.equal(first.statusCode, 201)
    t.match(first.json().caseNumber, /^ATD-\d{4}-\d{6}$/)
    t.equal(Number(second.json().caseNumber.slice(-6)), Number(first.json().caseNumber.slice(-6)) + 1)
    t.match(first.json().childRef, /^NNA-[A-Z0-9]{5}-[A-Z0-9]{5}$/)
    t.notOk(first.json().childRef.includes(first.json().id.slice(0, 8)), 'the pseudonym does not carry the id')
    t.equal(first.headers.etag, '"1"')
    t.equal(first.json().demographics.ageBracket, '15-17', 'the age bracket derives from the date of birth')
    t.equal(first.json().stage, 'identification')
  })

  await t.test('an organisation that does not participate cannot see the case at all', async (t) => {
    const created = (await open()).json()
    const read = await app.inject({ method: 'GET', url: `/cases/${created.id}`, headers: outsider.headers })
    t.equal(read.statusCode, 404)
    t.equal(read.headers['content-type'], 'application/problem+json; charset=utf-8')
    const patch = await app.inject({
      method: 'PATCH',
      url: `/cases/${created.id}`,
      headers: { ...outsider.headers, 'if-match': '"1"' },
      payload: { riskLevel: 'low' },
    })
    t.equal(patch.statusCode, 404)
    const list = await app.inject({ method: 'GET', url: '/cases?limit=100', headers: outsider.headers })
    t.notOk(
      list.json().items.some((item: { id: string }) => item.id === created.id),
      'not listed',
    )
    const colleagueRead = await app.inject({ method: 'GET', url: `/cases/${created.id}`, headers: colleague.headers })
    t.equal(colleagueRead.statusCode, 200, 'a colleague of the same organisation reaches it')
  })

  await t.test('PATCH needs If-Match: 428 without, 412 when stale, and exactly one of concurrent writers wins', async (t) => {
    const created = (await open()).json()
    const before = await snapshot(database.db, created.id)
    const missing = await app.inject({ method: 'PATCH', url: `/cases/${created.id}`, headers: ngo.headers, payload: { riskLevel: 'low' } })
    t.equal(missing.statusCode, 428)
    const stale = await app.inject({
      method: 'PATCH',
      url: `/cases/${created.id}`,
      headers: { ...ngo.headers, 'if-match': '"7"' },
      payload: { riskLevel: 'low' },
    })
    t.equal(stale.statusCode, 412)
    t.same(await snapshot(database.db, created.id), before, 'nothing changed')

    const attempts = await Promise.all(
      ['low', 'medium', 'critical', 'low', 'medium', 'critical', 'low', 'medium'].map((riskLevel, index) =>
        app.inject({
          method: 'PATCH',
          url: `/cases/${created.id}`,
          headers: { ...ngo.headers, 'if-match': '"1"' },
          payload: { riskLevel, health: { notes: `concurrent edit ${index}` } },
        }),
      ),
    )
    const codes = attempts.map((response) => response.statusCode).sort()
    t.same(codes, [200, 412, 412, 412, 412, 412, 412, 412], 'one wins, the others are told the case changed')
    const winner = attempts.find((response) => response.statusCode === 200)!
    t.not(winner.headers.etag, '"1"')
    t.equal(winner.headers.etag, `"${winner.json().version}"`, 'the ETag is the version the answer carries')
    const history = await database.db
      .selectFrom('case_history')
      .select('field')
      .where('case_id', '=', created.id)
      .where('field', '=', 'health.notes')
      .execute()
    t.equal(history.length, 2, 'one history entry from the create, one from the single winner')
  })

  await t.test('PATCH merges: given fields replace, null clears, others stay', async (t) => {
    const created = (await open()).json()
    const response = await app.inject({
      method: 'PATCH',
      url: `/cases/${created.id}`,
      headers: { ...ngo.headers, 'if-match': created.version ? `"${created.version}"` : '"1"' },
      payload: { contact: { phone: null }, health: { urgentMedicalNeed: true } },
    })
    t.equal(response.statusCode, 200, response.body)
    const body = response.json()
    t.equal(body.contact.phone, null)
    t.equal(body.contact.currentAddress, created.contact.currentAddress)
    t.equal(body.health.urgentMedicalNeed, true)
    t.equal(body.version, 2)
  })

  await t.test('bad input is refused with a problem document and changes nothing', async (t) => {
    const created = (await open()).json()
    const before = await snapshot(database.db, created.id)
    const cases: [string, object, number, string][] = [
      ['unknown top-level field', { riskLevel: 'low', favouriteColour: 'blue' }, 400, 'validation-error'],
      ['unknown section field', { identity: { nickname: 'x' } }, 400, 'validation-error'],
      ['bad enum', { riskLevel: 'apocalyptic' }, 400, 'validation-error'],
      ['bad date', { identity: { dateOfBirth: '31/12/2010' } }, 400, 'validation-error'],
      ['derived field', { demographics: { ageBracket: '0-5' } }, 400, 'read-only-field'],
      ['derived case field', { stage: 'closed' }, 400, 'read-only-field'],
      ['derived section', { bestInterests: { outcome: 'assisted_return' } }, 400, 'read-only-field'],
      ['oversized string', { health: { notes: 'x'.repeat(5000) } }, 400, 'validation-error'],
      ['not an object', [1, 2, 3], 400, 'validation-error'],
    ]
    for (const [label, payload, status, type] of cases) {
      const response = await app.inject({
        method: 'PATCH',
        url: `/cases/${created.id}`,
        headers: { ...ngo.headers, 'if-match': '"1"' },
        payload,
      })
      t.equal(response.statusCode, status, label)
      t.equal(response.json().type, `urn:atd:problem:${type}`, label)
      t.notOk(response.body.includes(created.identity.givenName), `${label}: no stored value echoed`)
    }
    const notJson = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...ngo.headers, 'content-type': 'application/json' },
      payload: '{"riskLevel": ',
    })
    t.equal(notJson.statusCode, 400)
    const badId = await app.inject({ method: 'GET', url: '/cases/not-a-uuid', headers: ngo.headers })
    t.equal(badId.statusCode, 400)
    const missingRisk = await open({ identity: { givenName: 'x' } })
    t.equal(missingRisk.statusCode, 400)
    t.same(await snapshot(database.db, created.id), before, 'nothing changed')
  })

  await t.test(
    'Idempotency-Key: a retry answers the first case, a different body is 422, concurrent duplicates make one case',
    async (t) => {
      const count = async () =>
        Number((await database.db.selectFrom('cases').select(database.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      const first = await open(creatable, { 'idempotency-key': 'intake-key-0001' })
      const retry = await open(creatable, { 'idempotency-key': 'intake-key-0001' })
      t.equal(first.statusCode, 201)
      t.equal(retry.statusCode, 201)
      t.equal(retry.json().id, first.json().id)
      t.equal(retry.headers['idempotent-replayed'], 'true')
      const different = await open({ ...creatable, riskLevel: 'low' }, { 'idempotency-key': 'intake-key-0001' })
      t.equal(different.statusCode, 422)
      const otherUser = await app.inject({
        method: 'POST',
        url: '/cases',
        headers: { ...colleague.headers, 'idempotency-key': 'intake-key-0001' },
        payload: creatable,
      })
      t.not(otherUser.json().id, first.json().id, 'keys are scoped to the caller')

      const before = await count()
      const duplicates = await Promise.all(Array.from({ length: 6 }, () => open(creatable, { 'idempotency-key': 'intake-key-0002' })))
      t.same(new Set(duplicates.map((response) => response.statusCode)), new Set([201]))
      t.equal(new Set(duplicates.map((response) => response.json().id)).size, 1, 'every duplicate answers the same case')
      t.equal(await count(), before + 1, 'one case was created')
    },
  )

  await t.test('a section the child’s consent withholds from an organisation is absent from its reads', async (t) => {
    const created = (await open()).json()
    const procuraduria = await createUser(database, 'protection_officer')
    await grantParticipation(database.db, procuraduria.organizationId, created.id, ngo.id)
    const before = (await app.inject({ method: 'GET', url: `/cases/${created.id}`, headers: procuraduria.headers })).json()
    t.ok(before.contact, 'the protection officer reads contact at first')
    const consent = await app.inject({
      method: 'POST',
      url: `/cases/${created.id}/consents`,
      headers: ngo.headers,
      payload: {
        givenBy: 'child_assent',
        scopes: ['services'],
        withheld: [{ section: 'contact', fromOrganizationId: procuraduria.organizationId }],
      },
    })
    t.equal(consent.statusCode, 201, consent.body)
    const single = await app.inject({ method: 'GET', url: `/cases/${created.id}`, headers: procuraduria.headers })
    t.notOk('contact' in single.json(), 'withheld from the protection officer')
    t.notOk(single.body.includes(created.contact.currentAddress), 'no withheld value anywhere')
    const listed = (await app.inject({ method: 'GET', url: '/cases?limit=100', headers: procuraduria.headers })).json()
    t.notOk('contact' in listed.items.find((item: { id: string }) => item.id === created.id), 'nor in its list')
    const lead = await app.inject({ method: 'GET', url: `/cases/${created.id}`, headers: ngo.headers })
    t.ok(lead.json().contact, 'the lead organisation still reads it')
  })

  await t.test('lists page by cursor in a stable order and filter in the database', async (t) => {
    const lister = await createUser(database, 'ngo_caseworker')
    const ids: string[] = []
    for (const riskLevel of ['low', 'high', 'low', 'critical', 'low']) {
      const response = await app.inject({ method: 'POST', url: '/cases', headers: lister.headers, payload: { riskLevel } })
      ids.push(response.json().id)
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await app.inject({ method: 'GET', url: `/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: lister.headers })
      ).json()
      t.ok(page.items.length <= 2)
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
    } while (cursor)
    t.same(seen, [...ids].reverse(), 'newest first, each case once')
    const low = (await app.inject({ method: 'GET', url: '/cases?riskLevel=low&limit=100', headers: lister.headers })).json()
    t.equal(low.items.length, 3)
    const tooMany = await app.inject({ method: 'GET', url: '/cases?limit=5000', headers: lister.headers })
    t.equal(tooMany.statusCode, 400, 'the page size is bounded')
    const badCursor = await app.inject({ method: 'GET', url: '/cases?cursor=bm90LWEtdXVpZA', headers: lister.headers })
    t.equal(badCursor.statusCode, 400)
  })
})

// Calls go through the client generated from openapi.yaml (build's `api`), so a drift between the
// document and the service fails tsc or the test; app.inject only where a call breaks the document on purpose.
import t from 'tap'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../../src/db/schema.js'
import { answered, present } from '../helpers/api-client.js'
import type { components } from '../helpers/api-types.js'
import { build, createUser, grantParticipation } from '../helpers/build.js'
import { fullCaseInput } from '../helpers/case-samples.js'

type NewCase = components['schemas']['NewCase']

const snapshot = (db: Kysely<Database>, id: string) =>
  db.selectFrom('cases').select(sql<string>`cases::text`.as('row')).where('id', '=', id).executeTakeFirstOrThrow()

t.test('cases', async (t) => {
  const { app, api, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const colleague = await createUser(database, 'ngo_caseworker', ngo.organizationId)
  const outsider = await createUser(database, 'ngo_caseworker')
  const { input } = fullCaseInput()
  const { legalStatus: _legalStatus, legal: _legal, ...creatable } = input

  const open = (body: NewCase = creatable, idempotencyKey?: string, user = ngo) =>
    api(user).POST('/cases', {
      body,
      ...(idempotencyKey ? { params: { header: { 'idempotency-key': idempotencyKey } } } : {}),
    })
  /** A case opened as ngo, its id (optional in the schema: the policy decides what a reader sees) made sure of. */
  const opened = async () => {
    const created = answered(t, await open(), 201, 'POST /cases ')
    return { ...created, id: present(created.id, 'id') }
  }
  const readCase = (user: typeof ngo, id: string) => api(user).GET('/cases/{id}', { params: { path: { id } } })

  await t.test('a case opens with a sequential case number, a pseudonym and an ETag', async (t) => {
    const firstAnswer = await open()
    const first = answered(t, firstAnswer, 201)
    const second = answered(t, await open(), 201)
    const firstNumber = present(first.caseNumber, 'caseNumber')
    t.match(firstNumber, /^ATD-\d{4}-\d{6}$/)
    t.equal(Number(present(second.caseNumber, 'caseNumber').slice(-6)), Number(firstNumber.slice(-6)) + 1)
    const childRef = present(first.childRef, 'childRef')
    t.match(childRef, /^NNA-[A-Z0-9]{5}-[A-Z0-9]{5}$/)
    t.notOk(childRef.includes(present(first.id, 'id').slice(0, 8)), 'the pseudonym does not carry the id')
    t.equal(firstAnswer.response.headers.get('etag'), '"1"')
    t.equal(first.demographics?.ageBracket, '15-17', 'the age bracket derives from the date of birth')
    t.equal(first.stage, 'identification')
  })

  await t.test('an organisation that does not participate cannot see the case at all', async (t) => {
    const created = await opened()
    const read = await readCase(outsider, created.id)
    t.equal(read.response.status, 404)
    t.equal(read.response.headers.get('content-type'), 'application/problem+json; charset=utf-8')
    const patch = await api(outsider).PATCH('/cases/{id}', {
      params: { path: { id: created.id }, header: { 'if-match': '"1"' } },
      body: { riskLevel: 'low' },
    })
    t.equal(patch.response.status, 404)
    const list = answered(t, await api(outsider).GET('/cases', { params: { query: { limit: 100 } } }), 200)
    t.notOk(
      list.items.some((item) => item.id === created.id),
      'not listed',
    )
    const colleagueRead = await readCase(colleague, created.id)
    t.equal(colleagueRead.response.status, 200, 'a colleague of the same organisation reaches it')
  })

  await t.test('PATCH needs If-Match: 428 without, 412 when stale, and exactly one of concurrent writers wins', async (t) => {
    const created = await opened()
    const before = await snapshot(database.db, created.id)
    // The document requires If-Match, so its absence is sent raw.
    const missing = await app.inject({ method: 'PATCH', url: `/cases/${created.id}`, headers: ngo.headers, payload: { riskLevel: 'low' } })
    t.equal(missing.statusCode, 428)
    const stale = await api(ngo).PATCH('/cases/{id}', {
      params: { path: { id: created.id }, header: { 'if-match': '"7"' } },
      body: { riskLevel: 'low' },
    })
    t.equal(stale.response.status, 412)
    t.same(await snapshot(database.db, created.id), before, 'nothing changed')

    const levels = ['low', 'medium', 'critical', 'low', 'medium', 'critical', 'low', 'medium'] as const
    const attempts = await Promise.all(
      levels.map((riskLevel, index) =>
        api(ngo).PATCH('/cases/{id}', {
          params: { path: { id: created.id }, header: { 'if-match': '"1"' } },
          body: { riskLevel, health: { notes: `concurrent edit ${index}` } },
        }),
      ),
    )
    const codes = attempts.map((attempt) => attempt.response.status).sort()
    t.same(codes, [200, 412, 412, 412, 412, 412, 412, 412], 'one wins, the others are told the case changed')
    const winner = present(
      attempts.find((attempt) => attempt.response.status === 200),
      'the winning PATCH',
    )
    const etag = winner.response.headers.get('etag')
    t.not(etag, '"1"')
    t.equal(etag, `"${present(winner.data, 'the winner’s case').version}"`, 'the ETag is the version the answer carries')
    const history = await database.db
      .selectFrom('case_history')
      .select('field')
      .where('case_id', '=', created.id)
      .where('field', '=', 'health.notes')
      .execute()
    t.equal(history.length, 2, 'one history entry from the create, one from the single winner')
  })

  await t.test('PATCH merges: given fields replace, null clears, others stay', async (t) => {
    const created = await opened()
    const body = answered(
      t,
      await api(ngo).PATCH('/cases/{id}', {
        params: { path: { id: created.id }, header: { 'if-match': `"${created.version}"` } },
        body: { contact: { phone: null }, health: { urgentMedicalNeed: true } },
      }),
      200,
    )
    const contact = present(body.contact, 'contact')
    t.equal(contact.phone, null)
    t.equal(contact.currentAddress, present(created.contact, 'contact').currentAddress)
    t.equal(body.health?.urgentMedicalNeed, true)
    t.equal(body.version, 2)
  })

  await t.test('bad input is refused with a problem document and changes nothing', async (t) => {
    const created = await opened()
    const givenName = present(created.identity?.givenName, 'identity.givenName')
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
      // Each body breaks the document (unknown, derived or malformed values), so it is sent raw.
      const response = await app.inject({
        method: 'PATCH',
        url: `/cases/${created.id}`,
        headers: { ...ngo.headers, 'if-match': '"1"' },
        payload,
      })
      t.equal(response.statusCode, status, label)
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', label)
      t.equal(response.json().type, `urn:atd:problem:${type}`, label)
      t.notOk(response.body.includes(givenName), `${label}: no stored value echoed`)
    }
    // Not JSON at all: only a raw call can send it.
    const notJson = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...ngo.headers, 'content-type': 'application/json' },
      payload: '{"riskLevel": ',
    })
    t.equal(notJson.statusCode, 400)
    const badId = await readCase(ngo, 'not-a-uuid')
    t.equal(badId.response.status, 400)
    t.equal(badId.error?.type, 'urn:atd:problem:validation-error')
    // riskLevel is required by the document, so a body without it is sent raw.
    const missingRisk = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { identity: { givenName: 'x' } } })
    t.equal(missingRisk.statusCode, 400)
    t.same(await snapshot(database.db, created.id), before, 'nothing changed')
  })

  await t.test(
    'Idempotency-Key: a retry answers the first case, a different body is 422, concurrent duplicates make one case',
    async (t) => {
      const count = async () =>
        Number((await database.db.selectFrom('cases').select(database.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      const first = answered(t, await open(creatable, 'intake-key-0001'), 201)
      const retry = await open(creatable, 'intake-key-0001')
      t.ok(first.id, 'the first answer has an id')
      t.equal(answered(t, retry, 201).id, first.id)
      t.equal(retry.response.headers.get('idempotent-replayed'), 'true')
      const different = await open({ ...creatable, riskLevel: 'low' }, 'intake-key-0001')
      t.equal(different.response.status, 422)
      const otherUser = answered(t, await open(creatable, 'intake-key-0001', colleague), 201)
      t.not(otherUser.id, first.id, 'keys are scoped to the caller')

      const before = await count()
      const duplicates = await Promise.all(Array.from({ length: 6 }, () => open(creatable, 'intake-key-0002')))
      t.same(new Set(duplicates.map((duplicate) => duplicate.response.status)), new Set([201]))
      t.equal(new Set(duplicates.map((duplicate) => duplicate.data?.id)).size, 1, 'every duplicate answers the same case')
      t.ok(duplicates[0]?.data?.id, 'and that case has an id')
      t.equal(await count(), before + 1, 'one case was created')
    },
  )

  await t.test('a section the child’s consent withholds from an organisation is absent from its reads', async (t) => {
    const created = await opened()
    const address = present(created.contact?.currentAddress, 'contact.currentAddress')
    const procuraduria = await createUser(database, 'protection_officer')
    await grantParticipation(database.db, procuraduria.organizationId, created.id, ngo.id)
    const before = answered(t, await readCase(procuraduria, created.id), 200)
    t.ok(before.contact, 'the protection officer reads contact at first')
    const consent = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id: created.id } },
      body: {
        givenBy: 'child_assent',
        scopes: ['services'],
        withheld: [{ section: 'contact', fromOrganizationId: procuraduria.organizationId }],
      },
    })
    t.equal(consent.response.status, 201, JSON.stringify(consent.error))
    const single = answered(t, await readCase(procuraduria, created.id), 200)
    t.notOk('contact' in single, 'withheld from the protection officer')
    t.notOk(JSON.stringify(single).includes(address), 'no withheld value anywhere')
    const listed = answered(t, await api(procuraduria).GET('/cases', { params: { query: { limit: 100 } } }), 200)
    t.notOk(
      'contact' in
        present(
          listed.items.find((item) => item.id === created.id),
          'the case in the list',
        ),
      'nor in its list',
    )
    t.notOk(JSON.stringify(listed).includes(address), 'nor its value anywhere in the list')
    const lead = answered(t, await readCase(ngo, created.id), 200)
    t.ok(lead.contact, 'the lead organisation still reads it')
  })

  await t.test('lists page by cursor in a stable order and filter in the database', async (t) => {
    const lister = await createUser(database, 'ngo_caseworker')
    const ids: string[] = []
    for (const riskLevel of ['low', 'high', 'low', 'critical', 'low'] as const) {
      ids.push(present(answered(t, await api(lister).POST('/cases', { body: { riskLevel } }), 201).id, 'id'))
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: components['schemas']['CaseList'] = answered(
        t,
        await api(lister).GET('/cases', { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } }),
        200,
      )
      t.ok(page.items.length <= 2)
      seen.push(...page.items.map((item) => present(item.id, 'id')))
      cursor = page.nextCursor
    } while (cursor)
    t.same(seen, [...ids].reverse(), 'newest first, each case once')
    const low = answered(t, await api(lister).GET('/cases', { params: { query: { riskLevel: 'low', limit: 100 } } }), 200)
    t.equal(low.items.length, 3)
    t.ok(
      low.items.every((item) => item.riskLevel === 'low'),
      'only low-risk cases',
    )
    // Over the document's maximum; the types allow any number, the service must still refuse it.
    const tooMany = await api(lister).GET('/cases', { params: { query: { limit: 5000 } } })
    t.equal(tooMany.response.status, 400, 'the page size is bounded')
    const badCursor = await api(lister).GET('/cases', { params: { query: { cursor: 'bm90LWEtdXVpZA' } } })
    t.equal(badCursor.response.status, 400)
  })
})

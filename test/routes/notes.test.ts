import { randomBytes } from 'node:crypto'
import t from 'tap'
import { build, createCast, type TestUser } from '../helpers/build.js'

const marker = (label: string) => `NOTE${randomBytes(6).toString('hex')}${label}`

t.test('case notes', async (t) => {
  const { app, database } = await build(t)
  const { ngo, attorney, migration, auditor, outsider } = await createCast(database)
  const legalAid = attorney.organizationId
  const migrationAuthority = migration.organizationId

  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'medium' } })
  const caseId = created.json().id as string
  const consent = await app.inject({
    method: 'POST',
    url: `/cases/${caseId}/consents`,
    headers: ngo.headers,
    payload: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
  })
  for (const organizationId of [legalAid, migrationAuthority]) {
    const shared = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/participants`,
      headers: ngo.headers,
      payload: { organizationId, consentId: consent.json().id },
    })
    t.equal(shared.statusCode, 201, shared.body)
  }
  const url = `/cases/${caseId}/notes`
  const post = (user: TestUser, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: user.headers, payload })
  const get = (user: TestUser, path = url) => app.inject({ method: 'GET', url: path, headers: user.headers })
  const patch = (user: TestUser, noteId: string, ifMatch: string | undefined, payload: Record<string, unknown>) =>
    app.inject({
      method: 'PATCH',
      url: `${url}/${noteId}`,
      headers: { ...user.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      payload,
    })

  const firstBody = marker('visit')
  const first = await post(ngo, { body: firstBody, category: 'home_visit' })
  t.equal(first.statusCode, 201, first.body)
  const note = first.json()

  await t.test('a note answers as written, with its ETag; the default category is general', async (t) => {
    t.equal(first.headers.etag, '"1"')
    t.match(note, { caseId, authorId: ngo.id, body: firstBody, category: 'home_visit', version: 1 })
    const plain = await post(attorney, { body: marker('attorney') })
    t.equal(plain.statusCode, 201, plain.body)
    t.equal(plain.json().category, 'general')
    const one = await get(ngo, `${url}/${note.id}`)
    t.equal(one.headers.etag, '"1"')
    t.same(one.json(), note)
  })

  await t.test('the matrix decides: migration officers and auditors neither read nor write notes; outsiders get 404', async (t) => {
    for (const user of [migration, auditor]) {
      const read = await get(user)
      t.equal(read.statusCode, 403, user.role)
      t.notOk(read.body.includes(firstBody))
      t.equal((await get(user, `${url}/${note.id}`)).statusCode, 403)
    }
    const write = await post(migration, { body: marker('refused') })
    t.equal(write.statusCode, 403)
    t.same(write.json().deniedFields, ['notes.notes'])
    t.equal((await patch(migration, note.id, '"1"', { body: 'changed by a migration officer' })).statusCode, 403)
    t.equal((await get(outsider)).statusCode, 404)
    t.equal((await post(outsider, { body: 'outsider' })).statusCode, 404)
    t.equal((await patch(outsider, note.id, '"1"', { body: 'outsider' })).statusCode, 404)
    t.equal((await get(ngo, `${url}/0190a0b0-0000-7000-8000-000000000000`)).statusCode, 404)
  })

  await t.test('bad input is refused', async (t) => {
    t.equal((await post(ngo, { body: 'x'.repeat(8001) })).statusCode, 400)
    t.equal((await post(ngo, { body: '   ' })).statusCode, 400)
    t.equal((await post(ngo, { body: 'ok', category: 'gossip' })).statusCode, 400)
    t.equal((await post(ngo, { body: 'ok', authorId: ngo.id })).statusCode, 400)
    t.equal((await patch(ngo, note.id, '"1"', {})).statusCode, 400)
    t.equal((await post(ngo, { body: 'x'.repeat(8000) })).statusCode, 201, 'exactly 8000 characters fit')
  })

  await t.test('editing needs If-Match and refuses a stale one', async (t) => {
    const changed = marker('changed')
    t.equal((await patch(ngo, note.id, undefined, { body: changed })).statusCode, 428)
    t.equal((await patch(ngo, note.id, '"9"', { body: changed })).statusCode, 412)
    const notAuthor = await patch(attorney, note.id, '"1"', { body: changed, category: 'follow_up' })
    t.equal(notAuthor.statusCode, 403, 'only the organisation that wrote a note corrects it')
    t.equal(notAuthor.json().reason, 'not_author_organization')
    const done = await patch(ngo, note.id, '"1"', { body: changed, category: 'follow_up' })
    t.equal(done.statusCode, 200, done.body)
    t.equal(done.headers.etag, '"2"')
    t.match(done.json(), { body: changed, category: 'follow_up', version: 2, authorId: ngo.id })
    t.equal((await patch(ngo, note.id, '"1"', { body: 'late' })).statusCode, 412)
    const read = await get(ngo, `${url}/${note.id}`)
    t.equal(read.json().body, changed)

    const history = await get(ngo, `/cases/${caseId}/history?limit=100`)
    const edits = (history.json().items as { field: string; oldValue: { body?: string } | null; newValue: { body: string } }[]).filter(
      (entry) => entry.field === 'notes.notes' && entry.oldValue?.body === firstBody,
    )
    t.equal(edits.length, 1)
    t.equal(edits[0]!.newValue.body, changed)
    const migrationHistory = await get(migration, `/cases/${caseId}/history?limit=100`)
    t.equal(migrationHistory.statusCode, 200)
    t.notOk(migrationHistory.body.includes('notes.notes'))
    t.notOk(migrationHistory.body.includes(changed))
    t.notOk(migrationHistory.body.includes(firstBody))
  })

  await t.test('a note is never deleted: its author organisation marks it as entered in error, and it stays', async (t) => {
    const wrong = (await post(ngo, { body: marker('wrongcase') })).json()
    t.equal(wrong.enteredInError, false)
    t.equal(wrong.authorOrganizationId, ngo.organizationId)
    t.equal((await app.inject({ method: 'DELETE', url: `${url}/${wrong.id}`, headers: ngo.headers })).statusCode >= 400, true, 'no delete')
    const byOther = await patch(attorney, wrong.id, '"1"', { enteredInError: true })
    t.equal(byOther.statusCode, 403)
    const marked = await patch(ngo, wrong.id, '"1"', { enteredInError: true })
    t.equal(marked.statusCode, 200, marked.body)
    t.equal(marked.json().enteredInError, true)
    t.equal(marked.json().body, wrong.body, 'the text stays')
    t.equal((await patch(ngo, wrong.id, '"2"', { enteredInError: false })).statusCode, 400, 'it cannot be unmarked')
    t.equal((await get(ngo, `${url}/${wrong.id}`)).statusCode, 200)
  })

  await t.test('of concurrent edits with the same If-Match exactly one wins', async (t) => {
    const fresh = (await post(ngo, { body: marker('race') })).json()
    const responses = await Promise.all([1, 2, 3].map((n) => patch(ngo, fresh.id, '"1"', { body: `edit ${n}` })))
    t.same(responses.map((response) => response.statusCode).sort(), [200, 412, 412])
    const winner = responses.find((response) => response.statusCode === 200)!.json().body
    t.equal((await get(ngo, `${url}/${fresh.id}`)).json().body, winner)
  })

  await t.test('the list is newest first and pages by cursor', async (t) => {
    const all = (await get(ngo, `${url}?limit=100`)).json().items as { id: string; createdAt: string }[]
    t.ok(all.length >= 3)
    t.same(
      all.map((item) => item.id),
      all
        .map((item) => item.id)
        .sort()
        .reverse(),
    )
    const firstPage = (await get(ngo, `${url}?limit=2`)).json()
    t.equal(firstPage.items.length, 2)
    const secondPage = (await get(ngo, `${url}?limit=2&cursor=${firstPage.nextCursor}`)).json()
    t.same(
      [...firstPage.items, ...secondPage.items].map((item: { id: string }) => item.id),
      all.slice(0, firstPage.items.length + secondPage.items.length).map((item) => item.id),
    )
    t.equal((await get(ngo, `${url}?limit=1000`)).statusCode, 400)
  })

  await t.test('every note change is audited with the field name, never the text', async (t) => {
    const events = await database.db
      .selectFrom('audit_events')
      .select(['action', 'fields', 'outcome', 'reason'])
      .where('action', 'like', 'note.%')
      .execute()
    t.ok(events.some((event) => event.action === 'note.update' && event.outcome === 'allowed' && event.fields.includes('notes.notes')))
    t.ok(events.some((event) => event.action === 'note.create' && event.outcome === 'denied'))
    t.notOk(JSON.stringify(events).includes(firstBody))
  })

  await t.test('notes withheld from an organisation by the child’s consent are refused to it', async (t) => {
    const withholding = await app.inject({
      method: 'POST',
      url: `/cases/${caseId}/consents`,
      headers: ngo.headers,
      payload: { givenBy: 'child_assent', scopes: ['services'], withheld: [{ section: 'notes', fromOrganizationId: legalAid }] },
    })
    t.equal(withholding.statusCode, 201, withholding.body)
    const refused = await get(attorney)
    t.equal(refused.statusCode, 403)
    t.equal(refused.json().reason, 'withheld_by_consent')
    t.notOk(refused.body.includes(firstBody))
    t.equal((await get(attorney, `${url}/${note.id}`)).statusCode, 403)
    t.equal((await patch(attorney, note.id, '"2"', { body: 'changed' })).statusCode, 403)
    t.equal((await get(ngo)).statusCode, 200, 'the lead still reads them')
  })
})

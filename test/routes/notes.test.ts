import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { components, operations } from '../helpers/api-types.js'
import { build, createCast, type TestUser } from '../helpers/build.js'

const marker = (label: string) => `NOTE${randomBytes(6).toString('hex')}${label}`

t.test('case notes', async (t) => {
  const { app, api, database } = await build(t)
  const { ngo, attorney, migration, auditor, outsider } = await createCast(database)
  const legalAid = attorney.organizationId
  const migrationAuthority = migration.organizationId

  const created = await api(ngo).POST('/cases', { body: { riskLevel: 'medium' } })
  const caseId = created.data?.id ?? ''
  const consent = await api(ngo).POST('/cases/{id}/consents', {
    params: { path: { id: caseId } },
    body: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
  })
  for (const organizationId of [legalAid, migrationAuthority]) {
    const shared = await api(ngo).POST('/cases/{id}/participants', {
      params: { path: { id: caseId } },
      body: { organizationId, consentId: consent.data?.id ?? '' },
    })
    t.equal(shared.response.status, 201, JSON.stringify(shared.error))
  }
  const url = `/cases/${caseId}/notes`
  type NewNote = components['schemas']['NewNote']
  type NoteChange = operations['updateCaseNote']['requestBody']['content']['application/json']
  const post = (user: TestUser, body: NewNote) => api(user).POST('/cases/{id}/notes', { params: { path: { id: caseId } }, body })
  const list = (user: TestUser, query: { limit?: number; cursor?: string } = {}) =>
    api(user).GET('/cases/{id}/notes', { params: { path: { id: caseId }, query } })
  const getOne = (user: TestUser, noteId: string) =>
    api(user).GET('/cases/{id}/notes/{noteId}', { params: { path: { id: caseId, noteId } } })
  const patch = (user: TestUser, noteId: string, ifMatch: string, body: NoteChange) =>
    api(user).PATCH('/cases/{id}/notes/{noteId}', {
      params: { path: { id: caseId, noteId }, header: { 'if-match': ifMatch } },
      body,
    })
  // Raw calls for what the document forbids (unknown fields, values outside its enums, no If-Match, no DELETE route).
  const rawPost = (user: TestUser, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: user.headers, payload })
  const rawPatch = (user: TestUser, noteId: string, headers: Record<string, string>, payload: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: `${url}/${noteId}`, headers: { ...user.headers, ...headers }, payload })
  const history = (user: TestUser) => api(user).GET('/cases/{id}/history', { params: { path: { id: caseId }, query: { limit: 100 } } })

  const firstBody = marker('visit')
  const first = await post(ngo, { body: firstBody, category: 'home_visit' })
  t.equal(first.response.status, 201, JSON.stringify(first.error))
  const note = first.data!

  await t.test('a note answers as written, with its ETag; the default category is general', async (t) => {
    t.equal(first.response.headers.get('etag'), '"1"')
    t.match(note, { caseId, authorId: ngo.id, body: firstBody, category: 'home_visit', version: 1 })
    const plain = await post(attorney, { body: marker('attorney') })
    t.equal(plain.response.status, 201, JSON.stringify(plain.error))
    t.equal(plain.data?.category, 'general')
    const one = await getOne(ngo, note.id)
    t.equal(one.response.headers.get('etag'), '"1"')
    t.same(one.data, note)
  })

  await t.test('the matrix decides: migration officers and auditors neither read nor write notes; outsiders get 404', async (t) => {
    for (const user of [migration, auditor]) {
      const read = await list(user)
      t.equal(read.response.status, 403, user.role)
      t.notOk(JSON.stringify(read.data ?? read.error).includes(firstBody))
      t.equal((await getOne(user, note.id)).response.status, 403)
    }
    const write = await post(migration, { body: marker('refused') })
    t.equal(write.response.status, 403)
    t.same(write.error?.deniedFields, ['notes.notes'])
    t.equal((await patch(migration, note.id, '"1"', { body: 'changed by a migration officer' })).response.status, 403)
    t.equal((await list(outsider)).response.status, 404)
    t.equal((await post(outsider, { body: 'outsider' })).response.status, 404)
    t.equal((await patch(outsider, note.id, '"1"', { body: 'outsider' })).response.status, 404)
    t.equal((await getOne(ngo, '0190a0b0-0000-7000-8000-000000000000')).response.status, 404)
  })

  await t.test('bad input is refused', async (t) => {
    t.equal((await post(ngo, { body: 'x'.repeat(8001) })).response.status, 400)
    t.equal((await post(ngo, { body: '   ' })).response.status, 400)
    // A category outside the enum and a field the document does not have cannot be typed: sent raw.
    t.equal((await rawPost(ngo, { body: 'ok', category: 'gossip' })).statusCode, 400)
    t.equal((await rawPost(ngo, { body: 'ok', authorId: ngo.id })).statusCode, 400)
    t.equal((await patch(ngo, note.id, '"1"', {})).response.status, 400)
    t.equal((await post(ngo, { body: 'x'.repeat(8000) })).response.status, 201, 'exactly 8000 characters fit')
  })

  await t.test('editing needs If-Match and refuses a stale one', async (t) => {
    const changed = marker('changed')
    // The document requires If-Match, so its absence is sent raw.
    t.equal((await rawPatch(ngo, note.id, {}, { body: changed })).statusCode, 428)
    t.equal((await patch(ngo, note.id, '"9"', { body: changed })).response.status, 412)
    const notAuthor = await patch(attorney, note.id, '"1"', { body: changed, category: 'follow_up' })
    t.equal(notAuthor.response.status, 403, 'only the organisation that wrote a note corrects it')
    t.equal(notAuthor.error?.reason, 'not_author_organization')
    const done = await patch(ngo, note.id, '"1"', { body: changed, category: 'follow_up' })
    t.equal(done.response.status, 200, JSON.stringify(done.error))
    t.equal(done.response.headers.get('etag'), '"2"')
    t.match(done.data, { body: changed, category: 'follow_up', version: 2, authorId: ngo.id })
    t.equal((await patch(ngo, note.id, '"1"', { body: 'late' })).response.status, 412)
    const read = await getOne(ngo, note.id)
    t.equal(read.data?.body, changed)

    const items = (await history(ngo)).data?.items ?? []
    const edits = items.filter((entry) => entry.field === 'notes.notes' && (entry.oldValue as { body?: string } | null)?.body === firstBody)
    t.equal(edits.length, 1)
    t.equal((edits[0]!.newValue as { body: string }).body, changed)
    const migrationHistory = await history(migration)
    t.equal(migrationHistory.response.status, 200)
    const migrationBody = JSON.stringify(migrationHistory.data)
    t.notOk(migrationBody.includes('notes.notes'))
    t.notOk(migrationBody.includes(changed))
    t.notOk(migrationBody.includes(firstBody))
  })

  await t.test('a note is never deleted: its author organisation marks it as entered in error, and it stays', async (t) => {
    const wrong = (await post(ngo, { body: marker('wrongcase') })).data!
    t.equal(wrong.enteredInError, false)
    t.equal(wrong.authorOrganizationId, ngo.organizationId)
    // The document has no DELETE for notes: sent raw to show there is none.
    t.equal((await app.inject({ method: 'DELETE', url: `${url}/${wrong.id}`, headers: ngo.headers })).statusCode >= 400, true, 'no delete')
    const byOther = await patch(attorney, wrong.id, '"1"', { enteredInError: true })
    t.equal(byOther.response.status, 403)
    const marked = await patch(ngo, wrong.id, '"1"', { enteredInError: true })
    t.equal(marked.response.status, 200, JSON.stringify(marked.error))
    t.equal(marked.data?.enteredInError, true)
    t.equal(marked.data?.body, wrong.body, 'the text stays')
    // The document only admits `true`: unmarking is sent raw.
    t.equal((await rawPatch(ngo, wrong.id, { 'if-match': '"2"' }, { enteredInError: false })).statusCode, 400, 'it cannot be unmarked')
    t.equal((await getOne(ngo, wrong.id)).response.status, 200)
  })

  await t.test('of concurrent edits with the same If-Match exactly one wins', async (t) => {
    const fresh = (await post(ngo, { body: marker('race') })).data!
    const responses = await Promise.all([1, 2, 3].map((n) => patch(ngo, fresh.id, '"1"', { body: `edit ${n}` })))
    t.same(responses.map((answer) => answer.response.status).sort(), [200, 412, 412])
    const winner = responses.find((answer) => answer.response.status === 200)!.data?.body
    t.equal((await getOne(ngo, fresh.id)).data?.body, winner)
  })

  await t.test('the list is newest first and pages by cursor', async (t) => {
    const all = (await list(ngo, { limit: 100 })).data?.items ?? []
    t.ok(all.length >= 3)
    t.same(
      all.map((item) => item.id),
      all
        .map((item) => item.id)
        .sort()
        .reverse(),
    )
    const firstPage = (await list(ngo, { limit: 2 })).data!
    t.equal(firstPage.items.length, 2)
    const secondPage = (await list(ngo, { limit: 2, cursor: firstPage.nextCursor ?? '' })).data!
    t.same(
      [...firstPage.items, ...secondPage.items].map((item) => item.id),
      all.slice(0, firstPage.items.length + secondPage.items.length).map((item) => item.id),
    )
    t.equal((await list(ngo, { limit: 1000 })).response.status, 400)
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
    const withholding = await api(ngo).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: { givenBy: 'child_assent', scopes: ['services'], withheld: [{ section: 'notes', fromOrganizationId: legalAid }] },
    })
    t.equal(withholding.response.status, 201, JSON.stringify(withholding.error))
    const refused = await list(attorney)
    t.equal(refused.response.status, 403)
    t.equal(refused.error?.reason, 'withheld_by_consent')
    t.notOk(JSON.stringify(refused.data ?? refused.error).includes(firstBody))
    t.equal((await getOne(attorney, note.id)).response.status, 403)
    t.equal((await patch(attorney, note.id, '"2"', { body: 'changed' })).response.status, 403)
    t.equal((await list(ngo)).response.status, 200, 'the lead still reads them')
  })
})

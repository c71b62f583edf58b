// Names are stored one way however they were typed (issue 13, "names are stored un-normalised"):
// NFC, trimmed, inner runs of spaces made one; control and invisible format characters are refused.
// Calls go through the client generated from openapi.yaml (build's `api`): the characters refused here are
// still strings to the document's types, so every call is a typed one.
import t from 'tap'
import { answered, present } from '../helpers/api-client.js'
import { build, createCast } from '../helpers/build.js'

const TYPED = '  Jose\u0301   Luis\u00a0 '
const STORED = 'José Luis'

t.test('names are stored trimmed, with single spaces, in NFC; invisible characters are refused', async (t) => {
  const { api, database } = await build(t)
  const cast = await createCast(database)
  const ngo = api(cast.ngo)
  const admin = api(cast.admin)

  await t.test('a child’s names, a relative’s and the other names', async (t) => {
    const created = answered(
      t,
      await ngo.POST('/cases', {
        body: {
          riskLevel: 'low',
          identity: { givenName: TYPED, familyName: ' Pe\u0301rez  Go\u0301mez', otherNames: [' Pepe', 'El  Flaco '] },
          contact: { family: [{ relationship: 'mother', name: '  Rosa   María ' }] },
        },
      }),
      201,
    )
    const id = present(created.id, 'id')
    const read = answered(t, await ngo.GET('/cases/{id}', { params: { path: { id } } }), 200)
    t.equal(read.identity?.givenName, STORED)
    t.equal(read.identity?.familyName, 'Pérez Gómez')
    t.same(read.identity?.otherNames, ['Pepe', 'El Flaco'])
    t.equal(read.contact?.family?.[0]?.name, 'Rosa María')
    const stored = await database.db.selectFrom('cases').select('identity').where('id', '=', id).executeTakeFirstOrThrow()
    t.equal(stored.identity.givenName, STORED, 'stored composed and single-spaced')

    const found = answered(t, await ngo.GET('/cases', { params: { query: { q: 'José Luis Pérez' } } }), 200)
    t.same(
      found.items.map((item) => item.id),
      [id],
      'found by search',
    )

    const patched = answered(
      t,
      await ngo.PATCH('/cases/{id}', {
        params: { path: { id }, header: { 'if-match': `"${present(read.version, 'version')}"` } },
        body: { identity: { familyName: 'Pe\u0301rez   Go\u0301mez  de la  Cruz ' } },
      }),
      200,
    )
    t.equal(patched.identity?.familyName, 'Pérez Gómez de la Cruz', 'a PATCH is normalised too')
  })

  await t.test('control and format characters are a 400 naming the field', async (t) => {
    for (const [label, name] of [
      ['zero width space', 'Ana\u200bSofía'],
      ['zero width joiner', 'Ana\u200d'],
      ['byte order mark', '\ufeffAna'],
      ['soft hyphen', 'Ana\u00adSofía'],
      ['a newline', 'Ana\nSofía'],
      ['a tab', 'Ana\tSofía'],
      ['escape', 'Ana\u001b[31m'],
      ['delete', 'Ana\u007f'],
      ['right-to-left override', '\u202eAna'],
    ] as const) {
      const refused = await ngo.POST('/cases', { body: { riskLevel: 'low', identity: { givenName: name } } })
      t.equal(refused.response.status, 400, `${label}: ${JSON.stringify(refused.error)}`)
      t.match(refused.error?.errors, [{ path: '/identity/givenName' }], label)
    }
    const blank = await ngo.POST('/cases', { body: { riskLevel: 'low', identity: { familyName: ' \u00a0 ' } } })
    t.equal(blank.response.status, 400, 'only spaces is no name')
  })

  await t.test('users’ and organisations’ names', async (t) => {
    const organization = answered(
      t,
      await admin.POST('/organizations', { body: { name: '  Casa   del  Migrante ', kind: 'civil_society' } }),
      201,
    )
    t.equal(organization.name, 'Casa del Migrante')
    const twin = await admin.POST('/organizations', { body: { name: 'Casa del Migrante', kind: 'civil_society' } })
    t.equal(twin.response.status, 409, 'the same name however it was typed is the same organisation')
    t.equal((await admin.POST('/organizations', { body: { name: 'Casa\u200b del Migrante', kind: 'civil_society' } })).response.status, 400)

    const user = answered(
      t,
      await admin.POST('/users', {
        body: {
          subject: 'names-test-user',
          displayName: ` ${TYPED} Pe\u0301rez`,
          role: 'ngo_caseworker',
          organizationId: organization.id,
        },
      }),
      201,
    )
    t.equal(user.displayName, `${STORED} Pérez`)
    const rename = (displayName: string) => admin.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { displayName } })
    const renamed = answered(t, await rename('Lic.  Ana\u00a0Ruiz '), 200)
    t.equal(renamed.displayName, 'Lic. Ana Ruiz')
    t.equal((await rename('Ana\u0007')).response.status, 400)
  })
})

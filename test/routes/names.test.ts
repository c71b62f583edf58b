// Names are stored one way however they were typed (issue 13, "names are stored un-normalised"):
// NFC, trimmed, inner runs of spaces made one; control and invisible format characters are refused.
import t from 'tap'
import { build, createCast } from '../helpers/build.js'

const TYPED = '  Jose\u0301   Luis\u00a0 '
const STORED = 'José Luis'

t.test('names are stored trimmed, with single spaces, in NFC; invisible characters are refused', async (t) => {
  const { app, database } = await build(t)
  const cast = await createCast(database)
  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: object) =>
    app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

  await t.test('a child’s names, a relative’s and the other names', async (t) => {
    const created = await send('POST', '/cases', cast.ngo.headers, {
      riskLevel: 'low',
      identity: { givenName: TYPED, familyName: ' Pe\u0301rez  Go\u0301mez', otherNames: [' Pepe', 'El  Flaco '] },
      contact: { family: [{ relationship: 'mother', name: '  Rosa   María ' }] },
    })
    t.equal(created.statusCode, 201, created.body)
    const id: string = created.json().id
    const read = (await send('GET', `/cases/${id}`, cast.ngo.headers)).json()
    t.equal(read.identity.givenName, STORED)
    t.equal(read.identity.familyName, 'Pérez Gómez')
    t.same(read.identity.otherNames, ['Pepe', 'El Flaco'])
    t.equal(read.contact.family[0].name, 'Rosa María')
    const stored = await database.db.selectFrom('cases').select('identity').where('id', '=', id).executeTakeFirstOrThrow()
    t.equal(stored.identity.givenName, STORED, 'stored composed and single-spaced')

    const found = await send('GET', `/cases?q=${encodeURIComponent('José Luis Pérez')}`, cast.ngo.headers)
    t.equal(found.statusCode, 200, found.body)
    t.same(
      (found.json().items as { id: string }[]).map((item) => item.id),
      [id],
      'found by search',
    )

    const patched = await send(
      'PATCH',
      `/cases/${id}`,
      { ...cast.ngo.headers, 'if-match': `"${read.version}"` },
      {
        identity: { familyName: 'Pe\u0301rez   Go\u0301mez  de la  Cruz ' },
      },
    )
    t.equal(patched.statusCode, 200, patched.body)
    t.equal(patched.json().identity.familyName, 'Pérez Gómez de la Cruz', 'a PATCH is normalised too')
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
      const refused = await send('POST', '/cases', cast.ngo.headers, { riskLevel: 'low', identity: { givenName: name } })
      t.equal(refused.statusCode, 400, `${label}: ${refused.body}`)
      t.match(refused.json().errors, [{ path: '/identity/givenName' }], label)
    }
    const blank = await send('POST', '/cases', cast.ngo.headers, { riskLevel: 'low', identity: { familyName: ' \u00a0 ' } })
    t.equal(blank.statusCode, 400, 'only spaces is no name')
  })

  await t.test('users’ and organisations’ names', async (t) => {
    const organization = await send('POST', '/organizations', cast.admin.headers, {
      name: '  Casa   del  Migrante ',
      kind: 'civil_society',
    })
    t.equal(organization.statusCode, 201, organization.body)
    t.equal(organization.json().name, 'Casa del Migrante')
    const twin = await send('POST', '/organizations', cast.admin.headers, { name: 'Casa del Migrante', kind: 'civil_society' })
    t.equal(twin.statusCode, 409, 'the same name however it was typed is the same organisation')
    t.equal(
      (await send('POST', '/organizations', cast.admin.headers, { name: 'Casa\u200b del Migrante', kind: 'civil_society' })).statusCode,
      400,
    )

    const user = await send('POST', '/users', cast.admin.headers, {
      subject: 'names-test-user',
      displayName: ` ${TYPED} Pe\u0301rez`,
      role: 'ngo_caseworker',
      organizationId: organization.json().id,
    })
    t.equal(user.statusCode, 201, user.body)
    t.equal(user.json().displayName, `${STORED} Pérez`)
    const renamed = await send('PATCH', `/users/${user.json().id}`, cast.admin.headers, { displayName: 'Lic.  Ana\u00a0Ruiz ' })
    t.equal(renamed.statusCode, 200, renamed.body)
    t.equal(renamed.json().displayName, 'Lic. Ana Ruiz')
    t.equal((await send('PATCH', `/users/${user.json().id}`, cast.admin.headers, { displayName: 'Ana\u0007' })).statusCode, 400)
  })
})

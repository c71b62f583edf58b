import { createMongoAbility } from '@casl/ability'
import { unpackRules } from '@casl/ability/extra'
import t from 'tap'
import { ROLES, type Role } from '../../src/auth/principal.js'
import { fieldLetters, specMatrix } from '../helpers/access-matrix.js'
import { DERIVED_SECTION_FIELDS } from '../../src/cases/case-sections.js'
import { build, createUser } from '../helpers/build.js'

const matrix = specMatrix

const derived = new Set(Object.entries(DERIVED_SECTION_FIELDS).flatMap(([section, fields]) => fields.map((field) => `${section}.${field}`)))

const expected = (role: Role, letter: 'r' | 'c' | 'u') => {
  const fields = Object.entries(matrix.sections).flatMap(([section, names]) =>
    names.filter((field) => fieldLetters(role, section, field).includes(letter)).map((field) => `${section}.${field}`),
  )
  return { sections: [...new Set(fields.map((field) => field.slice(0, field.indexOf('.'))))], fields }
}

t.test('GET /me/permissions answers the caller’s effective permissions, as the matrix says', async (t) => {
  const { app, api, database } = await build(t)

  for (const role of ROLES) {
    await t.test(role, async (t) => {
      const user = await createUser(database, role)
      const { data, error, response } = await api(user).GET('/me/permissions')
      t.equal(response.status, 200, JSON.stringify(error))
      if (!data) return
      const body = data
      t.equal(body.role, role)
      t.equal(body.organizationId, user.organizationId)
      for (const [letter, key] of [
        ['r', 'read'],
        ['c', 'create'],
        ['u', 'update'],
      ] as const) {
        const want = expected(role, letter)
        t.same([...body.sections[key]].sort(), [...want.sections].sort(), `${key} sections`)
        // Derived fields are read-only for everyone: never offered for writing.
        const wantFields = letter === 'r' ? want.fields : want.fields.filter((field) => !derived.has(field))
        t.same([...body.fields[key]].sort(), [...wantFields].sort(), `${key} fields`)
      }
      if (role === 'migration_officer') {
        t.ok(body.fields.create.includes('protection.notes'), 'may report protection data at encounter')
        t.notOk(body.fields.read.includes('protection.notes'), 'but never read it back')
        t.ok(body.fields.update.includes('custody.procuraduriaNotifiedAt'))
        t.notOk(body.fields.update.includes('custody.inDetention'), 'a derived field is offered to nobody')
      }
      const actions = Object.entries(matrix.actions)
        .filter(([, roles]) => roles.includes(role) || (role === 'migration_officer' && roles === matrix.actions.transition_stage))
        .map(([action]) => action)
      t.same([...body.actions].sort(), actions.sort(), 'actions')

      // The packed rules rebuild an ability that agrees with the lists, conditions included.
      // The document says only "arrays" (CASL's packed form is its own); unpackRules checks nothing either.
      const rebuilt = createMongoAbility(unpackRules(body.rules as Parameters<typeof unpackRules>[0]))
      const ownCase = { __caslSubjectType__: 'Case', participantOrganizationIds: [user.organizationId], stage: 'identification' }
      const otherCase = {
        __caslSubjectType__: 'Case',
        participantOrganizationIds: ['0190a0b0-0000-7000-8000-000000000000'],
        stage: 'identification',
      }
      for (const field of expected(role, 'r').fields) t.ok(rebuilt.can('read', ownCase, field), `rules let ${role} read ${field}`)
      t.equal(rebuilt.can('read', otherCase, 'case.id'), role === 'oversight_auditor', 'rules carry the scope condition')
    })
  }

  await t.test('the OpenAPI document describes the record routes', async (t) => {
    // The document itself, not an operation it describes: the typed client has no path for it.
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
    for (const [path, methods] of Object.entries({
      '/me/permissions': ['get'],
      '/cases/{id}/participants': ['get', 'post'],
      '/cases/{id}/consents': ['get', 'post'],
      '/cases/{id}/consents/{consentId}': ['get', 'patch'],
      '/cases/{id}/notes': ['get', 'post'],
      '/cases/{id}/notes/{noteId}': ['get', 'patch'],
      '/cases/{id}/history': ['get'],
    })) {
      for (const method of methods)
        t.ok(spec.paths[path]?.[method]?.responses?.['200'] ?? spec.paths[path]?.[method]?.responses?.['201'], `${method} ${path}`)
    }
    t.ok(spec.paths['/cases/{id}/participants'].post.responses['409'], 'a refused share is documented')
  })

  await t.test('without a token it is 401', async (t) => {
    const { response } = await api().GET('/me/permissions')
    t.equal(response.status, 401)
  })
})

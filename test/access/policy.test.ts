import { readFileSync } from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { parse, stringify } from 'yaml'
import { assertEveryFieldClassified, loadPolicy, policyVersion } from '../../src/access/policy.js'

type Yaml = Record<string, any>
/** A CASL placeholder as scope.yaml writes it: a literal `${user.…}`, not a template. */
const placeholder = (field: string): string => `\${user.${field}}`
const matrix = (): Yaml => parse(readFileSync(path.join('policies', 'access-matrix.yaml'), 'utf8'))
const scope = (): Yaml => parse(readFileSync(path.join('policies', 'scope.yaml'), 'utf8'))

/** A policy directory of this test's own, written from (changed) copies of the project's files. */
function policyDirectory(t: Test, files: { matrix?: Yaml | string; scope?: Yaml | string }): string {
  const text = (value: Yaml | string) => (typeof value === 'string' ? value : stringify(value))
  return t.testdir({
    'access-matrix.yaml': text(files.matrix ?? matrix()),
    'scope.yaml': text(files.scope ?? scope()),
  })
}

const policy = loadPolicy()

t.test('a copy of the project policy loads, frozen, with the same version', async (t) => {
  const copy = loadPolicy(policyDirectory(t, {}))
  t.same(copy, policy)
  t.equal(policyVersion(copy), policyVersion(policy))
  t.match(policyVersion(policy), /^[0-9a-f]{16}$/)
  t.ok(Object.isFrozen(policy.grants.attorney), 'frozen all the way down')
  t.same(policy.grants.migration_officer.protection, ['c'])
  t.same(policy.grants.system_admin.case, [])
  t.same(policy.scopes.oversight_auditor, { kind: 'all' })
  t.same(policy.scopes.system_admin, { kind: 'none' })
  t.same(policy.sections.bidDeliberation, ['assessments', 'panel', 'childViews', 'factors', 'optionsConsidered', 'rationale', 'dissent'])
})

t.test('the version changes with the content, not with formatting', async (t) => {
  const changed = matrix()
  changed.roles.attorney.health = 'r'
  t.not(policyVersion(loadPolicy(policyDirectory(t, { matrix: changed }))), policyVersion(policy))
  const reformatted = readFileSync(path.join('policies', 'access-matrix.yaml'), 'utf8').replace(/#.*$/gm, '')
  t.equal(policyVersion(loadPolicy(policyDirectory(t, { matrix: reformatted }))), policyVersion(policy))
})

/** Each change of a valid policy, and what the error must say. */
const refusals: { name: string; change: (files: { matrix: Yaml; scope: Yaml }) => void; message: RegExp }[] = [
  {
    name: 'an unknown role in the matrix',
    change: ({ matrix }) => {
      matrix.roles.lawyer = matrix.roles.attorney
      delete matrix.roles.attorney
    },
    message: /roles\.lawyer: unknown role "lawyer"[\s\S]*roles: role "attorney" is missing/,
  },
  {
    name: 'an unknown section in a role',
    change: ({ matrix }) => (matrix.roles.attorney.finances = 'r'),
    message: /roles\.attorney\.finances: unknown section "finances"/,
  },
  {
    name: 'a role without letters for a section',
    change: ({ matrix }) => delete matrix.roles.ngo_caseworker.consent,
    message: /roles\.ngo_caseworker: section "consent" is missing/,
  },
  {
    name: 'letters outside r, c, u',
    change: ({ matrix }) => (matrix.roles.migration_officer.case = 'rw'),
    message: /roles\.migration_officer\.case: bad letters "rw"/,
  },
  {
    name: 'letters out of order',
    change: ({ matrix }) => (matrix.roles.migration_officer.case = 'cr'),
    message: /bad letters "cr": use "-" or some of r, c, u in that order/,
  },
  {
    name: 'empty letters',
    change: ({ matrix }) => (matrix.roles.migration_officer.case = ''),
    message: /bad letters ""/,
  },
  {
    name: 'an unknown action',
    change: ({ matrix }) => (matrix.actions.delete_case = ['system_admin']),
    message: /actions\.delete_case: unknown action "delete_case"/,
  },
  {
    name: 'a missing action',
    change: ({ matrix }) => delete matrix.actions.share_case,
    message: /action "share_case" is missing/,
  },
  {
    name: 'an unknown role in an action',
    change: ({ matrix }) => matrix.actions.share_case.push('judge'),
    message: /actions\.share_case: unknown role "judge"/,
  },
  {
    name: 'a field listed twice',
    change: ({ matrix }) => matrix.sections.identity.push('givenName'),
    message: /sections\.identity: field "givenName" is listed twice/,
  },
  {
    name: 'a field name that is not one word',
    change: ({ matrix }) => matrix.sections.identity.push('given name'),
    message: /sections\.identity\.\d+: a field name is one camelCase word/,
  },
  {
    name: 'an unknown top-level key',
    change: ({ matrix }) => (matrix.defaults = {}),
    message: /Unrecognized key: "defaults"/,
  },
  {
    name: 'an unknown field in a scope condition',
    change: ({ scope }) => (scope.roles.attorney = { participantOrganisationIds: placeholder('organizationId') }),
    message: /scope\.yaml is not valid:\n {2}- roles\.attorney: unknown condition field "participantOrganisationIds"/,
  },
  {
    name: 'a compound operator CASL would read as a field',
    change: ({ scope }) => (scope.roles.attorney = { $or: [{ participantOrganizationIds: placeholder('organizationId') }] }),
    message: /roles\.attorney: "\$or" is not supported/,
  },
  {
    name: 'an operator a scope may not use',
    change: ({ scope }) => (scope.roles.attorney = { participantOrganizationIds: { $exists: true } }),
    message: /operator "\$exists" on "participantOrganizationIds" is not allowed/,
  },
  {
    name: 'an unknown placeholder',
    change: ({ scope }) => (scope.roles.attorney = { participantOrganizationIds: placeholder('organisationId') }),
    message: /unknown placeholder "\$\{user\.organisationId\}"/,
  },
  {
    name: 'an empty condition',
    change: ({ scope }) => (scope.roles.attorney = {}),
    message: /an empty condition reaches every case/,
  },
  {
    name: 'a scope that is neither all, none nor a condition',
    change: ({ scope }) => (scope.roles.attorney = 'some'),
    message: /roles\.attorney: a scope is "all", "none" or a condition/,
  },
  {
    name: 'an unknown role in the scope',
    change: ({ scope }) => (scope.roles.intern = 'all'),
    message: /roles\.intern: unknown role "intern"/,
  },
  {
    name: 'a role without a scope',
    change: ({ scope }) => delete scope.roles.system_admin,
    message: /role "system_admin" is missing/,
  },
]

for (const { name, change, message } of refusals) {
  await t.test(`the loader refuses ${name}`, async (t) => {
    const files = { matrix: matrix(), scope: scope() }
    change(files)
    t.throws(() => loadPolicy(policyDirectory(t, files)), { message })
  })
}

t.test('the loader names a file it cannot read or parse', async (t) => {
  t.throws(() => loadPolicy(policyDirectory(t, { matrix: 'sections: [unclosed' })), {
    message: /Cannot read the policy file .*access-matrix\.yaml/,
  })
  t.throws(() => loadPolicy(t.testdir({})), { message: /Cannot read the policy file .*access-matrix\.yaml: ENOENT/ })
  t.throws(() => loadPolicy(policyDirectory(t, { scope: 'roles:\n  attorney: all\n  attorney: none\n' })), {
    message: /scope\.yaml: Map keys must be unique/,
  })
})

t.test('every field of the case schemas must belong to a section', async (t) => {
  t.doesNotThrow(() => assertEveryFieldClassified(policy, policy.sections))
  t.doesNotThrow(() => assertEveryFieldClassified(policy, { identity: ['givenName'], case: ['riskLevel'] }))
  t.throws(() => assertEveryFieldClassified(policy, { identity: ['givenName', 'nickname'], health: ['bloodType'] }), {
    message: /field "identity\.nickname" belongs to no section of the policy\n {2}- field "health\.bloodType" belongs to no section/,
  })
  t.throws(() => assertEveryFieldClassified(policy, { finances: ['income'] }), { message: /unknown section "finances"/ })
})

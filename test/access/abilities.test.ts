import { subject } from '@casl/ability'
import t from 'tap'
import { ROLES, ROLE_ORGANIZATION_KINDS, type Principal, type Role } from '../../src/auth/principal.js'
import {
  type AppAbility,
  type CaseScopeAttributes,
  defineAbilitiesFor,
  deniedFields,
  packedRulesFor,
  readableFields,
  readableSections,
} from '../../src/access/abilities.js'
import { type Policy, loadPolicy } from '../../src/access/policy.js'
import { transitionAllowed } from '../../src/access/restricted-transitions.js'
import { fieldLetters, specMatrix } from '../helpers/access-matrix.js'

const spec = specMatrix
const policy = loadPolicy()

const OWN_ORGANIZATION = '00000000-0000-4000-8000-000000000001'
const OTHER_ORGANIZATION = '00000000-0000-4000-8000-000000000002'
const participating: CaseScopeAttributes = { participantOrganizationIds: [OTHER_ORGANIZATION, OWN_ORGANIZATION], stage: 'custody' }
const outsiders: CaseScopeAttributes[] = [
  { participantOrganizationIds: [OTHER_ORGANIZATION], stage: 'custody' },
  { participantOrganizationIds: [], stage: 'identification' },
]
const LETTER_ACTIONS = { r: 'read', c: 'create', u: 'update' } as const

function principalFor(role: Role): Principal {
  const organizationKind = ROLE_ORGANIZATION_KINDS[role][0] ?? 'platform'
  return { userId: `user-${role}`, subject: role, displayName: role, role, organizationId: OWN_ORGANIZATION, organizationKind }
}

const asCase = (record: CaseScopeAttributes) => subject('Case', { ...record })

/** Every answer of the ability that differs from the spec, in words; empty when all agree. */
function disagreements(role: string, ability: AppAbility): string[] {
  const found: string[] = []
  for (const [section, fields] of Object.entries(spec.sections)) {
    for (const field of fields) {
      for (const [letter, action] of Object.entries(LETTER_ACTIONS)) {
        const granted = fieldLetters(role as Role, section, field).includes(letter)
        const inScope = ability.can(action, asCase(participating), `${section}.${field}`)
        if (inScope !== granted) found.push(`${action} ${section}.${field} on a participating case: expected ${granted}`)
        for (const outsider of outsiders) {
          const expected = granted && role === 'oversight_auditor'
          const answer = ability.can(action, asCase(outsider), `${section}.${field}`)
          if (answer !== expected) found.push(`${action} ${section}.${field} on a case of others: expected ${expected}`)
        }
      }
    }
  }
  return found
}

t.test('the matrix and the code know the same roles', async (t) => {
  t.same(Object.keys(spec.roles).sort(), [...ROLES].sort())
})

t.test('every role, section, field and letter answers as the spec says', async (t) => {
  for (const role of ROLES) {
    t.same(disagreements(role, defineAbilitiesFor(principalFor(role), policy)), [], role)
  }
  const checked = ROLES.length * Object.values(spec.sections).flat().length * 3 * (1 + outsiders.length)
  t.ok(checked > 1000, `${checked} answers checked`)
})

t.test('the comparison notices a broken rule', async (t) => {
  // Protection disclosures readable by the migration officer: the leak the matrix exists to prevent.
  const grants = { ...policy.grants, migration_officer: { ...policy.grants.migration_officer, protection: ['r', 'c'] as const } }
  const broken: Policy = { ...policy, grants }
  const found = disagreements('migration_officer', defineAbilitiesFor(principalFor('migration_officer'), broken))
  t.ok(found.includes('read protection.notes on a participating case: expected false'))
})

t.test('fields the policy does not name are denied to everyone', async (t) => {
  for (const role of ROLES) {
    const ability = defineAbilitiesFor(principalFor(role), policy)
    for (const action of ['read', 'create', 'update'] as const) {
      t.notOk(ability.can(action, asCase(participating), 'identity.nickname'), `${role} ${action} identity.nickname`)
      t.notOk(ability.can(action, asCase(participating), 'givenName'), `${role} ${action} an unqualified field`)
    }
  }
})

t.test('the system admin has no rule about cases at all', async (t) => {
  const ability = defineAbilitiesFor(principalFor('system_admin'), policy)
  t.same(
    ability.rules.filter((rule) => [rule.subject].flat().includes('Case')),
    [],
  )
})

const caseActions: Record<string, string> = { decide_determination: 'decide_determination', share_case: 'share' }

t.test('the actions beyond fields follow the spec', async (t) => {
  for (const role of ROLES) {
    const ability = defineAbilitiesFor(principalFor(role), policy)
    const holds = (action: string) => spec.actions[action]?.includes(role) ?? false
    t.equal(ability.can('create_case', 'Case'), holds('create_case'), `${role} create_case`)
    for (const [action, caslAction] of Object.entries(caseActions)) {
      t.equal(ability.can(caslAction as 'share', asCase(participating)), holds(action), `${role} ${action} on a participating case`)
      for (const outsider of outsiders)
        t.notOk(ability.can(caslAction as 'share', asCase(outsider)), `${role} ${action} on a case of others`)
    }
    t.equal(ability.can('read', 'AuditTrail'), holds('read_audit_trail'), `${role} read_audit_trail`)
    t.equal(ability.can('read', 'Statistics'), holds('read_statistics'), `${role} read_statistics`)
    t.equal(ability.can('read', 'Directory'), holds('read_directory'), `${role} read_directory`)
    for (const [action, caslAction] of Object.entries({
      refer_case: 'refer',
      transfer_case: 'transfer',
      end_participation: 'end_participation',
      assign_case: 'assign',
    })) {
      t.equal(ability.can(caslAction as 'refer', asCase(participating)), holds(action), `${role} ${action} on a participating case`)
    }
    for (const target of ['Organization', 'User'] as const) {
      for (const action of ['manage', 'read', 'create', 'update'] as const) {
        const readsUsers = target === 'User' && action === 'read' && holds('read_users')
        t.equal(ability.can(action, target), holds('manage_organizations_and_users') || readsUsers, `${role} ${action} ${target}`)
      }
    }
  }
})

t.test('stage transitions: the listed roles on their cases, a migration officer only out of identification', async (t) => {
  const stages = ['identification', 'custody', 'guardianship', 'closed']
  for (const role of ROLES) {
    const ability = defineAbilitiesFor(principalFor(role), policy)
    const listed = spec.actions.transition_stage?.includes(role) ?? false
    for (const stage of stages) {
      const expected = listed || (role === 'migration_officer' && stage === 'identification')
      t.equal(ability.can('transition', asCase({ ...participating, stage })), expected, `${role} transition from ${stage}`)
      for (const outsider of outsiders) {
        t.notOk(ability.can('transition', asCase({ ...outsider, stage })), `${role} transition a case of others from ${stage}`)
      }
    }
  }
  t.ok(transitionAllowed(policy, 'migration_officer', { from: 'identification', to: 'custody' }))
  t.notOk(transitionAllowed(policy, 'migration_officer', { from: 'identification', to: 'guardianship' }))
  t.notOk(transitionAllowed(policy, 'oversight_auditor', { from: 'identification', to: 'custody' }))
  t.ok(transitionAllowed(policy, 'attorney', { from: 'guardianship', to: 'legal_representation' }))
})

t.test('the helpers for routes', async (t) => {
  const officer = defineAbilitiesFor(principalFor('migration_officer'), policy)
  const expectedSections = Object.keys(spec.sections).filter((section) => spec.roles.migration_officer?.[section]?.includes('r'))
  t.same(readableSections(officer, participating), expectedSections)
  t.same(readableSections(officer), expectedSections, 'without a case: what it may read on some case in scope')
  t.same(readableSections(officer, outsiders[0]), [])
  t.ok(readableFields(officer, participating).includes('identity.givenName'))
  t.notOk(readableFields(officer, participating).includes('protection.notes'))
  t.same(deniedFields(officer, 'create', ['protection.notes', 'identity.givenName', 'health.notes'], participating), ['health.notes'])
  t.same(deniedFields(officer, 'update', ['protection.notes', 'identity.givenName', 'case.riskLevel'], participating), [
    'protection.notes',
    'case.riskLevel',
  ])
  t.same(deniedFields(officer, 'update', ['identity.givenName'], outsiders[0]), ['identity.givenName'])

  const auditor = defineAbilitiesFor(principalFor('oversight_auditor'), policy)
  t.same(readableSections(auditor, outsiders[0]), ['case', 'demographics', 'custody', 'legalStatus', 'bestInterests'])
  t.same(readableSections(defineAbilitiesFor(principalFor('system_admin'), policy)), [])

  const packed = packedRulesFor(officer)
  t.ok(packed.length > 0)
  t.ok(packed.every((rule) => Array.isArray(rule) && typeof rule[0] === 'string'))
  t.same(participating.participantOrganizationIds, [OTHER_ORGANIZATION, OWN_ORGANIZATION], 'the caller’s record is left untouched')
})

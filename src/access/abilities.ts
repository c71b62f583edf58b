import { AbilityBuilder, createMongoAbility, subject, type ForcedSubject, type MongoAbility, type MongoQuery } from '@casl/ability'
import { packRules, permittedFieldsOf, type PackRule } from '@casl/ability/extra'
import type { Principal } from '../auth/principal.js'
import type { Letter, Policy } from './policy.js'
import { RESTRICTED_TRANSITIONS } from './restricted-transitions.js'
import { SCOPE_CONDITION_FIELDS, fillPlaceholders } from './scope-condition.js'

export type CaseAction =
  | 'read'
  | 'create'
  | 'update'
  | 'create_case'
  | 'transition'
  | 'decide_determination'
  | 'share'
  | 'refer'
  | 'transfer'
  | 'end_participation'
  | 'assign'
export type AppAction = CaseAction | 'manage'
export type AppSubjectType = 'Case' | 'AuditTrail' | 'Statistics' | 'Organization' | 'User' | 'Directory'

/** Every field a Case rule's condition may name: the case repository gives each a SQL resolver. */
export const CASE_CONDITION_FIELDS = [...SCOPE_CONDITION_FIELDS, 'stage'] as const

/** What the case rules' conditions look at: a case handed to `can` or to the helpers needs these. */
export interface CaseScopeAttributes {
  readonly participantOrganizationIds: readonly string[]
  readonly stage: string
}
export type CaseSubject = ForcedSubject<'Case'> & CaseScopeAttributes

export type AppAbility = MongoAbility<[AppAction, AppSubjectType | CaseSubject]>

const LETTER_ACTIONS: Readonly<Record<Letter, 'read' | 'create' | 'update'>> = { r: 'read', c: 'create', u: 'update' }

/**
 * The caller's ability, built once per request. Case fields are named `section.field`
 * (`identity.givenName`); every case rule carries the role's scope condition, so a case outside the
 * scope allows nothing.
 */
export function defineAbilitiesFor(principal: Principal, policy: Policy): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility)
  const { role } = principal
  const holds = (action: keyof Policy['actions']) => policy.actions[action].includes(role)
  const scope = policy.scopes[role]

  if (scope.kind !== 'none') {
    const condition = scope.kind === 'condition' ? (fillPlaceholders(scope.condition, principal) as MongoQuery<CaseSubject>) : undefined
    const onCase = (action: CaseAction, fields?: string[], narrowing?: MongoQuery<CaseSubject>) => {
      // Scope conditions may not name the fields a narrowing names (scope-condition.ts), so the
      // merge below only ever narrows.
      const where = condition || narrowing ? ({ ...condition, ...narrowing } as MongoQuery<CaseSubject>) : undefined
      if (fields && where) can(action, 'Case', fields, where)
      else if (fields) can(action, 'Case', fields)
      else if (where) can(action, 'Case', where)
      else can(action, 'Case')
    }
    const exceptions = policy.fieldGrants[role]
    for (const [section, fields] of Object.entries(policy.sections)) {
      const byLetters = fields.map((field) => `${section}.${field}`).filter((field) => !(field in exceptions))
      for (const letter of policy.grants[role][section] ?? []) {
        if (byLetters.length > 0) onCase(LETTER_ACTIONS[letter], byLetters)
      }
    }
    // A field's own letters replace its section's (access-matrix.yaml, `fields:`).
    for (const [field, letters] of Object.entries(exceptions)) {
      for (const letter of letters) onCase(LETTER_ACTIONS[letter], [field])
    }
    if (holds('create_case')) can('create_case', 'Case')
    const restricted = RESTRICTED_TRANSITIONS[role]
    if (holds('transition_stage')) onCase('transition')
    // Only from the listed stages; where to is for the route to ask (transitionAllowed).
    else if (restricted) onCase('transition', undefined, { stage: oneOf(restricted.map((move) => move.from)) })
    if (holds('decide_determination')) onCase('decide_determination')
    if (holds('share_case')) onCase('share')
    if (holds('refer_case')) onCase('refer')
    if (holds('transfer_case')) onCase('transfer')
    if (holds('end_participation')) onCase('end_participation')
    if (holds('assign_case')) onCase('assign')
  }
  if (holds('read_directory')) can('read', 'Directory')
  if (holds('read_users')) can('read', 'User')
  if (holds('read_audit_trail')) can('read', 'AuditTrail')
  if (holds('read_statistics')) can('read', 'Statistics')
  if (holds('manage_organizations_and_users')) {
    can('manage', 'Organization')
    can('manage', 'User')
  }
  return build()
}

/**
 * The `section.field` names the caller may read: of this case when given, otherwise of some case
 * in scope (to decide which columns a list may select at all).
 */
export function readableFields(ability: AppAbility, caseRecord?: CaseScopeAttributes): readonly string[] {
  const memo = readMemoOf(ability)
  if (!caseRecord) return (memo.general ??= permittedReadFields(ability, 'Case'))
  // What the rules allow of a case depends only on which of their conditions it meets: the fields
  // are worked out once per such pattern (in practice two: in scope or not), not once per case.
  const target = caseSubject(caseRecord)
  const pattern = memo.conditions.map((rule) => (rule.matchesConditions(target) ? '1' : '0')).join('')
  let fields = memo.byPattern.get(pattern)
  if (!fields) memo.byPattern.set(pattern, (fields = permittedReadFields(ability, target)))
  return fields
}

type CaseRule = AppAbility['rules'][number] & { matchesConditions(subject: unknown): boolean }

/** An ability never changes once built, so what it may read is kept beside it. */
interface ReadMemo {
  general?: readonly string[]
  /** One read rule per distinct condition: rules with the same condition match the same cases. */
  readonly conditions: readonly CaseRule[]
  readonly byPattern: Map<string, readonly string[]>
}

const readMemos = new WeakMap<AppAbility, ReadMemo>()

function readMemoOf(ability: AppAbility): ReadMemo {
  let memo = readMemos.get(ability)
  if (!memo) {
    const byCondition = new Map<string, CaseRule>()
    for (const rule of ability.possibleRulesFor('read', 'Case') as readonly CaseRule[]) {
      if (rule.conditions) byCondition.set(JSON.stringify(rule.conditions), rule)
    }
    readMemos.set(ability, (memo = { conditions: [...byCondition.values()], byPattern: new Map() }))
  }
  return memo
}

function permittedReadFields(ability: AppAbility, target: 'Case' | CaseSubject): readonly string[] {
  const everyNamedField = caseFieldsNamedIn(ability)
  return permittedFieldsOf(ability, 'read', target, {
    // A rule without fields covers every case field any rule names; for a `cannot`, that removes them all.
    fieldsFrom: (rule) => (rule.fields ? [rule.fields].flat() : everyNamedField),
  })
}

/** The requested `section.field` names the caller may not set; the route answers 403 naming them. */
export function deniedFields(
  ability: AppAbility,
  action: 'create' | 'update',
  requestedFields: readonly string[],
  caseRecord?: CaseScopeAttributes,
): string[] {
  const target = caseSubject(caseRecord)
  return requestedFields.filter((field) => !ability.can(action, target, field))
}

/** The sections with at least one readable field. */
export function readableSections(ability: AppAbility, caseRecord?: CaseScopeAttributes): string[] {
  return [...new Set(readableFields(ability, caseRecord).map((field) => field.slice(0, field.indexOf('.'))))]
}

/** The rules in CASL's compact form, for `GET /me/permissions` (a client rebuilds them with unpackRules). */
export function packedRulesFor(ability: AppAbility): PackRule<AppAbility['rules'][number]>[] {
  return packRules(ability.rules)
}

function oneOf(stages: readonly string[]): string | { $in: string[] } {
  return stages.length === 1 ? (stages[0] as string) : { $in: [...stages] }
}

function caseSubject(caseRecord: CaseScopeAttributes | undefined): 'Case' | CaseSubject {
  // A copy: `subject` tags the object it is given, and the caller's record is not ours to change.
  return caseRecord ? subject('Case', { ...caseRecord }) : 'Case'
}

function caseFieldsNamedIn(ability: AppAbility): string[] {
  const fields = ability.rules.flatMap((rule) => (rule.subject === 'Case' && rule.fields ? [rule.fields].flat() : []))
  return [...new Set(fields)]
}

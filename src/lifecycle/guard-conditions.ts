import type { Role } from '../auth/principal.js'
import type { Policy, PolicyAction } from '../access/policy.js'
import { ruleSentence } from '../i18n/catalogue.js'
import type { Language } from '../i18n/language.js'
import type { GuardCode } from './stage-guards.js'

/**
 * What each stage guard's condition asks for, in words a caseworker can act on (PRODUCT.md,
 * "Interfaces": `{ code, message, satisfiedBy, roles }`): the field or record that satisfies it and
 * the roles that may provide it, read from the policy so they never drift from the matrix. The
 * words live in the message catalogues (`sentences.guards`), not here.
 */
export interface GuardCondition {
  readonly code: GuardCode
  readonly message: string
  /** The `section.field` (or the record, as the matrix field that carries it) that satisfies it. */
  readonly satisfiedBy: string
  readonly roles: readonly Role[]
}

interface ConditionSource {
  readonly satisfiedBy: string
  /** Who may provide it: by a letter on the field, or by an action of the matrix. */
  readonly providedBy: { readonly letters: 'c' | 'u' | 'cu' } | { readonly action: PolicyAction }
}

const CONDITIONS: Readonly<Record<GuardCode, ConditionSource>> = {
  no_current_placement: {
    satisfiedBy: 'custody.placementType',
    providedBy: { letters: 'c' },
  },
  procuraduria_not_notified: {
    satisfiedBy: 'custody.procuraduriaNotifiedAt',
    providedBy: { letters: 'cu' },
  },
  no_guardian: {
    satisfiedBy: 'legal.guardian',
    providedBy: { letters: 'cu' },
  },
  no_legal_representation: {
    satisfiedBy: 'legal.representation',
    providedBy: { letters: 'cu' },
  },
  no_completed_assessment: {
    satisfiedBy: 'bidDeliberation.assessments',
    providedBy: { letters: 'c' },
  },
  no_decided_determination: {
    satisfiedBy: 'bestInterests.outcome',
    providedBy: { action: 'decide_determination' },
  },
  no_solution_in_determination: {
    satisfiedBy: 'bestInterests.outcome',
    providedBy: { action: 'decide_determination' },
  },
  closure_reason_required: {
    satisfiedBy: 'case.closureReason',
    providedBy: { action: 'transition_stage' },
  },
  asylum_claim_pending: {
    satisfiedBy: 'legalStatus.asylumClaimStatus',
    providedBy: { letters: 'u' },
  },
}

/** The roles whose letters on a field include one of these (a field exception replaces the section's letters). */
function rolesWithLetters(policy: Policy, field: string, letters: string): Role[] {
  const section = field.slice(0, field.indexOf('.'))
  return (Object.keys(policy.grants) as Role[]).filter((role) => {
    const own = policy.fieldGrants[role][field] ?? policy.grants[role][section] ?? []
    return own.some((letter) => letters.includes(letter))
  })
}

/** The conditions in the language asked for; the sentence of each is in the catalogues (`sentences.guards`). */
export function guardConditions(policy: Policy, codes: readonly GuardCode[], language: Language): GuardCondition[] {
  return codes.map((code) => {
    const condition = CONDITIONS[code]
    const provided = condition.providedBy
    const roles =
      'action' in provided ? [...policy.actions[provided.action]] : rolesWithLetters(policy, condition.satisfiedBy, provided.letters)
    return { code, message: ruleSentence('guards', code, language), satisfiedBy: condition.satisfiedBy, roles }
  })
}

import type { Role } from '../auth/principal.js'
import type { Policy, PolicyAction } from '../access/policy.js'
import type { GuardCode } from './stage-guards.js'

/**
 * What each stage guard's condition asks for, in words a caseworker can act on (PRODUCT.md,
 * "Interfaces": `{ code, message, satisfiedBy, roles }`): the field or record that satisfies it and
 * the roles that may provide it, read from the policy so they never drift from the matrix.
 */
export interface GuardCondition {
  readonly code: GuardCode
  readonly message: string
  /** The `section.field` (or the record, as the matrix field that carries it) that satisfies it. */
  readonly satisfiedBy: string
  readonly roles: readonly Role[]
}

type Language = 'es-MX' | 'en'

interface ConditionText {
  readonly satisfiedBy: string
  /** Who may provide it: by a letter on the field, or by an action of the matrix. */
  readonly providedBy: { readonly letters: 'c' | 'u' | 'cu' } | { readonly action: PolicyAction }
  readonly message: Readonly<Record<Language, string>>
}

const CONDITIONS: Readonly<Record<GuardCode, ConditionText>> = {
  no_current_placement: {
    satisfiedBy: 'custody.placementType',
    providedBy: { letters: 'c' },
    message: { 'es-MX': 'Registrar el alojamiento actual de la niña, niño o adolescente.', en: 'Record where the child is placed now.' },
  },
  procuraduria_not_notified: {
    satisfiedBy: 'custody.procuraduriaNotifiedAt',
    providedBy: { letters: 'cu' },
    message: {
      'es-MX': 'Registrar cuándo se notificó a la Procuraduría de Protección.',
      en: 'Record when the Procuraduría de Protección was notified.',
    },
  },
  no_guardian: {
    satisfiedBy: 'legal.guardian',
    providedBy: { letters: 'cu' },
    message: {
      'es-MX': 'Registrar la designación de tutor o representante.',
      en: 'Record the appointment of a guardian or representative.',
    },
  },
  no_legal_representation: {
    satisfiedBy: 'legal.representation',
    providedBy: { letters: 'cu' },
    message: {
      'es-MX': 'Registrar la representación jurídica (abogada o abogado y organización).',
      en: 'Record the legal representation (attorney and organisation).',
    },
  },
  no_completed_assessment: {
    satisfiedBy: 'bidDeliberation.assessments',
    providedBy: { letters: 'c' },
    message: { 'es-MX': 'Completar una evaluación del interés superior.', en: 'Complete a best-interests assessment.' },
  },
  no_decided_determination: {
    satisfiedBy: 'bestInterests.outcome',
    providedBy: { action: 'decide_determination' },
    message: { 'es-MX': 'Decidir una determinación del interés superior.', en: 'Decide a best-interests determination.' },
  },
  no_solution_in_determination: {
    satisfiedBy: 'bestInterests.outcome',
    providedBy: { action: 'decide_determination' },
    message: {
      'es-MX':
        'La determinación decidida debe nombrar una solución duradera (reunificación, retorno asistido, integración local o reasentamiento).',
      en: 'The decided determination must name a durable solution (reunification, assisted return, local integration or resettlement).',
    },
  },
  closure_reason_required: {
    satisfiedBy: 'case.closureReason',
    providedBy: { action: 'transition_stage' },
    message: { 'es-MX': 'Indicar el motivo del cierre.', en: 'Give the reason for closing the case.' },
  },
  asylum_claim_pending: {
    satisfiedBy: 'legalStatus.asylumClaimStatus',
    providedBy: { letters: 'u' },
    message: {
      'es-MX': 'No procede el retorno mientras la solicitud de asilo esté pendiente (no devolución).',
      en: 'No return while the asylum claim is pending (non-refoulement).',
    },
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

export function guardConditions(policy: Policy, codes: readonly GuardCode[], language: Language = 'en'): GuardCondition[] {
  return codes.map((code) => {
    const condition = CONDITIONS[code]
    const provided = condition.providedBy
    const roles =
      'action' in provided ? [...policy.actions[provided.action]] : rolesWithLetters(policy, condition.satisfiedBy, provided.letters)
    return { code, message: condition.message[language], satisfiedBy: condition.satisfiedBy, roles }
  })
}

import type { Role } from '../auth/principal.js'
import type { Policy } from './policy.js'

export interface StageMove {
  readonly from: string
  readonly to: string
}

/**
 * The matrix lets a migration officer move a case only from identification to custody (the
 * hand-over to child protection). The ability can say "only from identification" as a condition on
 * the case, but not where to: the transition route must also ask `transitionAllowed`.
 */
export const MIGRATION_OFFICER_TRANSITIONS: readonly StageMove[] = Object.freeze([Object.freeze({ from: 'identification', to: 'custody' })])

/** Roles whose transitions are limited to the listed moves; other roles are limited by the ability alone. */
export const RESTRICTED_TRANSITIONS: Readonly<Partial<Record<Role, readonly StageMove[]>>> = Object.freeze({
  migration_officer: MIGRATION_OFFICER_TRANSITIONS,
})

/**
 * Whether the role may make this move at all; the route asks this after the ability allowed
 * `transition` on the case. A role the matrix grants transition_stage outright is not limited here.
 */
export function transitionAllowed(policy: Policy, role: Role, move: StageMove): boolean {
  if (policy.actions.transition_stage.includes(role)) return true
  const moves = RESTRICTED_TRANSITIONS[role]
  return moves?.some((allowed) => allowed.from === move.from && allowed.to === move.to) ?? false
}

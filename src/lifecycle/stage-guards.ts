import { PENDING_ASYLUM_CLAIM_STATUSES, type Stage } from '../cases/case-sections.js'
import type { GuardFacts } from './guard.repository.js'

/** Stable codes of the conditions a forward move may lack (PRODUCT.md, "The case lifecycle"). */
export const GUARD_CODES = [
  'no_current_placement',
  'procuraduria_not_notified',
  'no_guardian',
  'no_legal_representation',
  'no_completed_assessment',
  'no_decided_determination',
  'no_solution_in_determination',
  'closure_reason_required',
  'asylum_claim_pending',
] as const
export type GuardCode = (typeof GUARD_CODES)[number]

/** Outcomes that name a durable solution; keeping or changing the arrangement does not. */
export const DURABLE_SOLUTIONS = ['family_reunification', 'assisted_return', 'local_integration', 'resettlement'] as const

const isPendingAsylum = (status: string | null) => status !== null && (PENDING_ASYLUM_CLAIM_STATUSES as readonly string[]).includes(status)

/** Every unmet condition of moving forward to `to`, not only the first: the caller fixes them all at once. */
export function unmetConditions(to: Stage, facts: GuardFacts, closureReason: string | undefined): GuardCode[] {
  const unmet: GuardCode[] = []
  switch (to) {
    case 'custody':
      if (!facts.hasCurrentPlacement) unmet.push('no_current_placement')
      if (!facts.procuraduriaNotified) unmet.push('procuraduria_not_notified')
      break
    case 'guardianship':
      if (!facts.guardianOrRepresentativeAppointed) unmet.push('no_guardian')
      break
    case 'legal_representation':
      if (!facts.legallyRepresented) unmet.push('no_legal_representation')
      break
    case 'best_interest_determination':
      if (facts.completedAssessments === 0) unmet.push('no_completed_assessment')
      break
    case 'durable_solution':
      if (facts.latestDecidedOutcome === null) unmet.push('no_decided_determination')
      else if (!(DURABLE_SOLUTIONS as readonly string[]).includes(facts.latestDecidedOutcome)) unmet.push('no_solution_in_determination')
      break
    case 'closed':
      if (!closureReason) unmet.push('closure_reason_required')
      if (closureReason === 'solution_achieved') {
        if (facts.latestDecidedOutcome === null) unmet.push('no_decided_determination')
        // Non-refoulement: no return while an asylum claim is pending.
        else if (facts.latestDecidedOutcome === 'assisted_return' && isPendingAsylum(facts.asylumClaimStatus))
          unmet.push('asylum_claim_pending')
      }
      break
    case 'identification':
      break
  }
  return unmet
}

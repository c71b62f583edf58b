import type { Policy } from '../access/policy.js'
import { transitionAllowed } from '../access/restricted-transitions.js'
import { STAGES, type Stage } from '../cases/case-sections.js'
import type { OpenCase } from '../cases/case.service.js'
import type { Language } from '../i18n/language.js'
import { type GuardCondition, guardConditions } from './guard-conditions.js'
import type { GuardFacts } from './guard.repository.js'
import { unmetConditions } from './stage-guards.js'

export interface NextStage {
  readonly to: Stage
  readonly allowed: boolean
  readonly unmet: readonly GuardCondition[]
}

/**
 * The forward move the reader's role may make from the case's stage, and the conditions still unmet
 * (PRODUCT.md, "Guidance in the case itself"). Only moves the reader may make are listed, so the
 * conditions tell it no more than the 409 of trying would; a reader who may move nothing gets []; the
 * guard facts come with the case's audited read. Closing from the last stage is judged as closing with an achieved solution. The
 * conditions are said in the reader's language.
 */
export function nextStagesOf(
  policy: Policy,
  { row, access }: OpenCase,
  role: Parameters<typeof transitionAllowed>[1],
  language: Language,
  facts: GuardFacts | undefined,
): NextStage[] {
  const from = row.stage
  const to = STAGES[STAGES.indexOf(from) + 1]
  if (!to || !facts || !access.may('transition') || !transitionAllowed(policy, role, { from, to })) return []
  const unmet = unmetConditions(to, facts, to === 'closed' ? 'solution_achieved' : undefined)
  return [{ to, allowed: unmet.length === 0, unmet: guardConditions(policy, unmet, language) }]
}

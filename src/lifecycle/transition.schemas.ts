import { z } from 'zod'
import { CLOSURE_REASONS, STAGES } from '../cases/case-sections.js'

export const transitionRequestSchema = z.strictObject({
  to: z.enum(STAGES),
  reason: z.string().trim().min(1).max(2000).optional().describe('required for a move back; free text: section notes'),
  closureReason: z.enum(CLOSURE_REASONS).optional().describe('required when closing'),
})
export type TransitionRequest = z.infer<typeof transitionRequestSchema>

export const transitionViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  from: z.enum(STAGES),
  to: z.enum(STAGES),
  reason: z.string().nullable().optional().describe('free text: section notes'),
  closureReason: z.enum(CLOSURE_REASONS).nullable(),
  actorId: z.uuid(),
  actorRole: z.string(),
  at: z.string(),
})

export const transitionListSchema = z.object({ items: z.array(transitionViewSchema) })

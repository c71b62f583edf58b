import { z } from 'zod'
import { CLOSURE_REASONS, STAGES } from '../cases/case-sections.js'

export const transitionRequestSchema = z.strictObject({
  to: z.enum(STAGES).describe('the stage to move to: the next one, an earlier one (with a reason), or closed'),
  reason: z.string().trim().min(1).max(2000).optional().describe('required for a move back; free text: section notes'),
  closureReason: z.enum(CLOSURE_REASONS).optional().describe('required when closing'),
})
export type TransitionRequest = z.infer<typeof transitionRequestSchema>

export const transitionViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  from: z.enum(STAGES).describe('the stage before the move'),
  to: z.enum(STAGES).describe('the stage after the move'),
  reason: z.string().nullable().optional().describe('free text: section notes'),
  closureReason: z.enum(CLOSURE_REASONS).nullable().describe('why the case was closed; null unless it moved to closed'),
  actorId: z.uuid().describe('the user who moved it'),
  actorRole: z.string().describe('that user’s role at the time'),
  at: z.string().describe('when it moved (UTC)'),
})

export const transitionListSchema = z.object({ items: z.array(transitionViewSchema).describe('the stage changes, oldest first') })

import { z } from 'zod'

export const assignmentInputSchema = z.strictObject({
  userId: z.uuid().describe('an active user of the caller’s organisation whose role works on cases'),
})
export type AssignmentInput = z.infer<typeof assignmentInputSchema>

export const assignmentSchema = z
  .object({
    caseId: z.uuid(),
    organizationId: z.uuid().describe('the caller’s organisation: each participating organisation assigns its own user'),
    userId: z.uuid(),
    assignedBy: z.uuid(),
    assignedAt: z.string(),
  })
  .describe('Who works on the case for one organisation')

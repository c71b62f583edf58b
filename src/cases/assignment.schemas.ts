import { z } from 'zod'

export const assignmentInputSchema = z.strictObject({
  userId: z.uuid().describe('an active user of the caller’s organisation whose role works on cases'),
})
export type AssignmentInput = z.infer<typeof assignmentInputSchema>

export const assignmentSchema = z
  .object({
    caseId: z.uuid().describe('the case it belongs to'),
    organizationId: z.uuid().describe('the caller’s organisation: each participating organisation assigns its own user'),
    userId: z.uuid().describe('the user who works on the case'),
    assignedBy: z.uuid().describe('the user who assigned it'),
    assignedAt: z.string().describe('when it was assigned (UTC)'),
  })
  .describe('Who works on the case for one organisation')

import { z } from 'zod'
import { ROLES } from '../auth/principal.js'
import { nameText } from '../http/text.js'

export const roleSchema = z.enum(ROLES)

export const newUserSchema = z.strictObject({
  subject: z.string().trim().min(1).max(200).describe('the `sub` claim of the user’s tokens, unique'),
  displayName: nameText(200).describe('the name shown for the user'),
  role: roleSchema.describe('the user’s role; it must fit the organisation’s kind'),
  organizationId: z.uuid().describe('the organisation the user works for'),
})

export const userPatchSchema = z
  .strictObject({
    active: z.boolean().optional().describe('false: the user is refused (401) from the next request on'),
    displayName: nameText(200).optional().describe('the name shown for the user'),
    role: roleSchema.optional().describe('the new role; it must fit the organisation’s kind'),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Give at least one of active, displayName, role' })

export const userSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  subject: z.string().describe('the `sub` claim of the user’s tokens'),
  displayName: z.string().describe('the name shown for the user'),
  role: roleSchema.describe('the user’s role'),
  organizationId: z.uuid().describe('the organisation the user works for'),
  active: z.boolean().describe('false: the user is refused (401)'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
  updatedAt: z.string().describe('when it last changed (UTC)'),
})

export const userListSchema = z.object({ items: z.array(userSchema), nextCursor: z.string().nullable() })

export type NewUser = z.infer<typeof newUserSchema>
export type UserPatch = z.infer<typeof userPatchSchema>
export type User = z.infer<typeof userSchema>

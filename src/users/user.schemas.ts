import { z } from 'zod'
import { ROLES } from '../auth/principal.js'

export const roleSchema = z.enum(ROLES)

export const newUserSchema = z.strictObject({
  subject: z.string().trim().min(1).max(200),
  displayName: z.string().trim().min(1).max(200),
  role: roleSchema,
  organizationId: z.uuid(),
})

export const userPatchSchema = z
  .strictObject({
    active: z.boolean().optional(),
    displayName: z.string().trim().min(1).max(200).optional(),
    role: roleSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Give at least one of active, displayName, role' })

export const userSchema = z.object({
  id: z.uuid(),
  subject: z.string(),
  displayName: z.string(),
  role: roleSchema,
  organizationId: z.uuid(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const userListSchema = z.object({ items: z.array(userSchema), nextCursor: z.string().nullable() })

export type NewUser = z.infer<typeof newUserSchema>
export type UserPatch = z.infer<typeof userPatchSchema>
export type User = z.infer<typeof userSchema>

import { z } from 'zod'
import { ORGANIZATION_KINDS } from '../auth/principal.js'

export const organizationKindSchema = z.enum(ORGANIZATION_KINDS)

export const newOrganizationSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  kind: organizationKindSchema,
})

export const organizationSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: organizationKindSchema,
  active: z.boolean().describe('false: its users are refused (401) and it receives no shares'),
  createdAt: z.string(),
})

export const organizationPatchSchema = z.strictObject({
  active: z.boolean().describe('false deactivates the organisation: all its users are refused at once'),
})

export const organizationParamsSchema = z.strictObject({ id: z.uuid() })

export const organizationListSchema = z.object({ items: z.array(organizationSchema), nextCursor: z.string().nullable() })

export type NewOrganization = z.infer<typeof newOrganizationSchema>
export type Organization = z.infer<typeof organizationSchema>
export type OrganizationPatch = z.infer<typeof organizationPatchSchema>

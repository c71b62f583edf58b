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
  createdAt: z.string(),
})

export const organizationListSchema = z.object({ items: z.array(organizationSchema), nextCursor: z.string().nullable() })

export type NewOrganization = z.infer<typeof newOrganizationSchema>
export type Organization = z.infer<typeof organizationSchema>

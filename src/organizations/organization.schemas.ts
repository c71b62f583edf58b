import { z } from 'zod'
import { ORGANIZATION_KINDS } from '../auth/principal.js'
import { nameText } from '../http/text.js'

export const organizationKindSchema = z.enum(ORGANIZATION_KINDS)

export const newOrganizationSchema = z.strictObject({
  name: nameText(200).describe('the organisation’s name, unique'),
  kind: organizationKindSchema.describe('what the organisation is; it decides which roles its users may have'),
})

export const organizationSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  name: z.string().describe('the organisation’s name, unique'),
  kind: organizationKindSchema.describe('what the organisation is; it decides which roles its users may have'),
  active: z.boolean().describe('false: its users are refused (401) and it receives no shares'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
})

export const organizationPatchSchema = z.strictObject({
  active: z.boolean().describe('false deactivates the organisation: all its users are refused at once'),
})

export const organizationParamsSchema = z.strictObject({ id: z.uuid().describe('the organisation’s id') })

export const organizationListSchema = z.object({
  items: z.array(organizationSchema).describe('the organisations of this page, by id'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export type NewOrganization = z.infer<typeof newOrganizationSchema>
export type Organization = z.infer<typeof organizationSchema>
export type OrganizationPatch = z.infer<typeof organizationPatchSchema>

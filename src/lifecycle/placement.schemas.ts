import { z } from 'zod'

export const PLACEMENT_TYPES = [
  'migration_station',
  'inm_temporary_custody',
  'dif_shelter',
  'dif_first_reception',
  'ngo_shelter',
  'foster_family',
  'kinship_care',
  'supervised_independent_living',
  'family_reunified',
] as const

const text = (max: number) => z.string().trim().min(1).max(max)
const isoDateTime = z.iso.datetime({ offset: true })

export const newPlacementSchema = z.strictObject({
  type: z.enum(PLACEMENT_TYPES),
  facilityName: text(200).optional(),
  facilityAddress: text(500).optional(),
  responsibleOrganizationId: z.uuid().optional(),
  legalBasis: text(1000).optional(),
  startedAt: isoDateTime.optional().describe('defaults to now; the current placement, if any, ends at this time'),
})
export type NewPlacementInput = z.infer<typeof newPlacementSchema>

export const endPlacementSchema = z.strictObject({
  endedAt: isoDateTime.optional().describe('defaults to now'),
  endReason: text(500),
})
export type EndPlacementInput = z.infer<typeof endPlacementSchema>

/** A placement as some caller reads it: facility fields only for readers of `contact`. */
export const placementViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  type: z.enum(PLACEMENT_TYPES),
  facilityName: z.string().nullable().optional(),
  facilityAddress: z.string().nullable().optional(),
  responsibleOrganizationId: z.uuid().nullable(),
  legalBasis: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  current: z.boolean(),
  createdAt: z.string(),
  version: z.number().int(),
})

export const placementListSchema = z.object({ items: z.array(placementViewSchema) })

export const placementParamsSchema = z.strictObject({ id: z.uuid(), pid: z.uuid() })

/**
 * Which field of the access matrix carries each placement field: type and dates are custody,
 * facility name and address say where the child is (contact).
 */
export const PLACEMENT_FIELD_MAP = {
  type: 'custody.placementType',
  startedAt: 'custody.placementSince',
  endedAt: 'custody.placementSince',
  endReason: 'custody.placementSince',
  legalBasis: 'custody.placementType',
  responsibleOrganizationId: 'custody.responsibleOrganizationId',
  facilityName: 'contact.currentAddress',
  facilityAddress: 'contact.currentAddress',
} as const
export type PlacementField = keyof typeof PLACEMENT_FIELD_MAP

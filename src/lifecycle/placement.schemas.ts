import { z } from 'zod'
import { isoDateTime } from '../http/dates.js'
import { text } from '../http/text.js'

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
export type PlacementType = (typeof PLACEMENT_TYPES)[number]

export const newPlacementSchema = z.strictObject({
  type: z.enum(PLACEMENT_TYPES).describe('where the child lives: a migration station, a shelter, a family…'),
  facilityName: text(200).optional().describe('the facility’s name (section custody)'),
  facilityAddress: text(500).optional().describe('the facility’s address (section contact)'),
  responsibleOrganizationId: z.uuid().optional().describe('the organisation responsible for the child there'),
  legalBasis: text(1000).optional().describe('free text (a protection measure, a court order): section legal'),
  startedAt: isoDateTime
    .optional()
    .describe(
      'defaults to now; at most 30 days before the case was opened; the current placement, if any, ends at this time (in the past: a correction, which needs correctionReason)',
    ),
  correctionReason: text(2000)
    .optional()
    .describe('free text (section notes): why a placement ends in the past; required then, refused for a migration officer'),
})
export type NewPlacementInput = z.infer<typeof newPlacementSchema>

/** Why a placement ended, as a code anyone who reads custody may read; the story goes in endNotes. */
export const PLACEMENT_END_REASONS = [
  'replaced_by_new_placement',
  'moved_to_other_care',
  'released_from_detention',
  'family_reunified',
  'placement_breakdown',
  'left_without_notice',
  'turned_18',
  'case_closed',
  'other',
] as const
export type PlacementEndReason = (typeof PLACEMENT_END_REASONS)[number]

export const endPlacementSchema = z.strictObject({
  endedAt: isoDateTime.optional().describe('defaults to now'),
  endReasonCode: z.enum(PLACEMENT_END_REASONS).describe('why the placement ended'),
  endNotes: text(2000).optional().describe('free text: section notes'),
  correctionReason: text(2000)
    .optional()
    .describe('free text (section notes): why the placement ends in the past; required then, refused for a migration officer'),
})
export type EndPlacementInput = z.infer<typeof endPlacementSchema>

/** A placement as some caller reads it: each field only where the access rule lets its section through. */
export const placementViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  type: z.enum(PLACEMENT_TYPES).describe('where the child lives'),
  facilityName: z.string().nullable().optional().describe('the facility’s name (section custody)'),
  facilityAddress: z.string().nullable().optional().describe('the facility’s address (section contact)'),
  responsibleOrganizationId: z.uuid().nullable().optional().describe('the organisation responsible for the child there'),
  legalBasis: z.string().nullable().optional().describe('free text: section legal'),
  startedAt: z.string().optional().describe('when the child arrived (UTC)'),
  endedAt: z.string().nullable().optional().describe('when the child left (UTC); null while current'),
  endReasonCode: z.enum(PLACEMENT_END_REASONS).nullable().optional().describe('why the placement ended'),
  endNotes: z.string().nullable().optional().describe('free text: section notes'),
  current: z.boolean().describe('true: where the child lives now'),
  backdated: z.boolean().optional().describe('a date of this placement was recorded after the fact'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
  version: z.number().int().describe('its version; its ETag is this number in quotes, to send back as If-Match'),
})

export const placementListSchema = z.object({ items: z.array(placementViewSchema).describe('placements, the earliest first') })

export const placementParamsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  pid: z.uuid().describe('the placement’s id'),
})

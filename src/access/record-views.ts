import type { z } from 'zod'
import { assessmentViewSchema } from '../lifecycle/assessment.schemas.js'
import { determinationViewSchema } from '../lifecycle/determination.schemas.js'
import { placementViewSchema } from '../lifecycle/placement.schemas.js'
import { transitionViewSchema } from '../lifecycle/transition.schemas.js'
import { consentViewSchema } from '../records/consent.schemas.js'
import { noteViewSchema } from '../records/note.schemas.js'
import { participantViewSchema } from '../records/participant.schemas.js'
import { referralViewSchema } from '../records/referral.schemas.js'
import { transferViewSchema } from '../records/transfer.schemas.js'

const keysOf = (schema: z.ZodObject) => Object.keys(schema.shape)

/** The fields every record's response schema can carry, by record class name (record-classes.ts). */
export function recordViews(): Record<string, string[]> {
  return {
    placement: keysOf(placementViewSchema),
    note: keysOf(noteViewSchema),
    consent: keysOf(consentViewSchema),
    assessment: keysOf(assessmentViewSchema),
    determination: keysOf(determinationViewSchema),
    transition: keysOf(transitionViewSchema),
    participation: keysOf(participantViewSchema),
    referral: keysOf(referralViewSchema),
    transfer: keysOf(transferViewSchema),
  }
}

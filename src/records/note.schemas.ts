import { z } from 'zod'

export const NOTE_CATEGORIES = ['general', 'interview', 'home_visit', 'family_contact', 'referral', 'follow_up'] as const
export type NoteCategory = (typeof NOTE_CATEGORIES)[number]
export const MAX_NOTE_LENGTH = 8000

const noteBody = z.string().trim().min(1).max(MAX_NOTE_LENGTH)

export const newNoteSchema = z.strictObject({
  body: noteBody,
  category: z.enum(NOTE_CATEGORIES).default('general'),
})
export type NewNoteInput = z.infer<typeof newNoteSchema>

/** A note is corrected, never deleted: a wrong one is marked as entered in error (the text stays in the history). */
export const notePatchSchema = z
  .strictObject({
    body: noteBody.optional(),
    category: z.enum(NOTE_CATEGORIES).optional(),
    enteredInError: z.literal(true).optional().describe('marks the note as entered in error; it cannot be unmarked'),
  })
  .refine(
    (patch) => patch.body !== undefined || patch.category !== undefined || patch.enteredInError !== undefined,
    'Give body, category or enteredInError',
  )
export type NotePatchInput = z.infer<typeof notePatchSchema>

export const noteViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  authorId: z.uuid(),
  authorOrganizationId: z.uuid(),
  body: z.string(),
  category: z.enum(NOTE_CATEGORIES),
  enteredInError: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
})
export type NoteView = z.infer<typeof noteViewSchema>

export const noteListSchema = z.object({ items: z.array(noteViewSchema), nextCursor: z.string().nullable() })

export const noteParamsSchema = z.strictObject({ id: z.uuid(), noteId: z.uuid() })

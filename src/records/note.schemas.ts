import { z } from 'zod'

export const NOTE_CATEGORIES = ['general', 'interview', 'home_visit', 'family_contact', 'referral', 'follow_up'] as const
export type NoteCategory = (typeof NOTE_CATEGORIES)[number]
export const MAX_NOTE_LENGTH = 8000

const noteBody = z.string().trim().min(1).max(MAX_NOTE_LENGTH)

export const newNoteSchema = z.strictObject({
  body: noteBody.describe('the note’s text; free text of section notes'),
  category: z.enum(NOTE_CATEGORIES).default('general').describe('what kind of note it is; general when absent'),
})
export type NewNoteInput = z.infer<typeof newNoteSchema>

/** A note is corrected, never deleted: a wrong one is marked as entered in error (the text stays in the history). */
export const notePatchSchema = z
  .strictObject({
    body: noteBody.optional().describe('the corrected text (the earlier text stays in the history)'),
    category: z.enum(NOTE_CATEGORIES).optional().describe('the corrected kind of note'),
    enteredInError: z.literal(true).optional().describe('marks the note as entered in error; it cannot be unmarked'),
  })
  .refine(
    (patch) => patch.body !== undefined || patch.category !== undefined || patch.enteredInError !== undefined,
    'Give body, category or enteredInError',
  )
export type NotePatchInput = z.infer<typeof notePatchSchema>

export const noteViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  authorId: z.uuid().describe('the user who wrote it'),
  authorOrganizationId: z.uuid().describe('the organisation of its author: only it may change the note'),
  body: z.string().describe('the note’s text (section notes)'),
  category: z.enum(NOTE_CATEGORIES).describe('what kind of note it is'),
  enteredInError: z.boolean().describe('true: the note was marked as entered in error and should not be relied on'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
  updatedAt: z.string().describe('when it last changed (UTC)'),
  version: z.number().int().describe('its version; its ETag is this number in quotes, to send back as If-Match'),
})
export type NoteView = z.infer<typeof noteViewSchema>

export const noteListSchema = z.object({
  items: z.array(noteViewSchema).describe('notes, oldest first'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export const noteParamsSchema = z.strictObject({ id: z.uuid().describe('the case’s id'), noteId: z.uuid().describe('the note’s id') })

import { z } from 'zod'

export const NOTE_CATEGORIES = ['general', 'interview', 'home_visit', 'family_contact', 'referral', 'follow_up'] as const
export const MAX_NOTE_LENGTH = 8000

const noteBody = z.string().trim().min(1).max(MAX_NOTE_LENGTH)

export const newNoteSchema = z.strictObject({
  body: noteBody,
  category: z.enum(NOTE_CATEGORIES).default('general'),
})
export type NewNoteInput = z.infer<typeof newNoteSchema>

export const notePatchSchema = z
  .strictObject({ body: noteBody.optional(), category: z.enum(NOTE_CATEGORIES).optional() })
  .refine((patch) => patch.body !== undefined || patch.category !== undefined, 'Give body or category')
export type NotePatchInput = z.infer<typeof notePatchSchema>

export const noteViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  authorId: z.uuid(),
  body: z.string(),
  category: z.enum(NOTE_CATEGORIES),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
})
export type NoteView = z.infer<typeof noteViewSchema>

export const noteListSchema = z.object({ items: z.array(noteViewSchema), nextCursor: z.string().nullable() })

export const noteParamsSchema = z.strictObject({ id: z.uuid(), noteId: z.uuid() })

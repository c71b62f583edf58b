import { z } from 'zod'

/**
 * The string schemas of request bodies, built in one place. Every string has already been checked
 * for NUL and lone surrogates and put in NFC by the input guard (http/hostile-text.ts).
 */

/** Free text: trimmed, 1 to `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max)

// Cc: control characters (tab and newline included: a name is one line); Cf: format characters,
// invisible ones such as U+200B zero width space, U+200D joiner, U+FEFF and soft hyphens, that would
// make two names look alike and compare differently.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u

/**
 * A name (a child's, a relative's, a panel member's, a user's, an organisation's): no control or
 * format character, and stored one way however it was typed: NFC, trimmed, every run of spaces one
 * space. So `  Jose\u0301   Pérez ` is stored, shown and searched as `José Pérez`.
 */
export const nameText = (max: number) =>
  z
    .string()
    .refine((value) => !INVISIBLE.test(value), 'control and invisible formatting characters are not allowed in a name')
    .overwrite((value) => value.normalize('NFC').replace(/\s+/gu, ' ').trim())
    .min(1)
    .max(max)

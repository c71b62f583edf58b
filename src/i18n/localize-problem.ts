import type { ProblemCode, ProblemDocument } from '../http/problem.js'
import { CATALOGUES, problemTitle, ruleSentence, translateDetail } from './catalogue.js'
import type { Language } from './language.js'

/**
 * A problem document in the requested language: its title (by code), its detail (by the catalogue's
 * `details`), the `message` of each refused field (`errors`, by `details` too) and that of each
 * spelled-out guard condition (`conditions`, by the catalogue's `sentences.guards`; `unmetConditions` holds bare codes and stays as it is). Codes,
 * `type` URNs and extension field names never change: clients branch on them, people read the rest.
 * `onMissing` hears of a detail that either catalogue lacks (the English text is answered then).
 */
export function localizeProblem(
  body: ProblemDocument,
  code: ProblemCode,
  language: Language,
  onMissing: (detail: string) => void,
): ProblemDocument {
  const out: ProblemDocument = { ...body, title: problemTitle(code, language) }
  if (typeof body.detail === 'string') {
    const { text, missing } = translateDetail(body.detail, language)
    if (missing) onMissing(body.detail.replace(/[^A-Za-z .;:'`-]/g, '').slice(0, 120))
    out.detail = text
  }
  // What each refused field says (validation problems, refused text): by the catalogue's `details`,
  // like a detail; a message the catalogues lack stays as it is (zod's own are translated before).
  if (Array.isArray(body.errors)) {
    out.errors = body.errors.map((error: unknown) =>
      error && typeof error === 'object' && 'message' in error && typeof error.message === 'string'
        ? { ...error, message: translateDetail(error.message, language).text }
        : error,
    )
  }
  if (Array.isArray(body.conditions)) {
    out.conditions = body.conditions.map((condition: unknown) =>
      condition &&
      typeof condition === 'object' &&
      'code' in condition &&
      typeof condition.code === 'string' &&
      Object.hasOwn(CATALOGUES.en.sentences.guards, condition.code)
        ? { ...condition, message: ruleSentence('guards', condition.code, language) }
        : condition,
    )
  }
  return out
}

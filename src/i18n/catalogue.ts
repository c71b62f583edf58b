import { PROBLEM_TYPES, type ProblemCode } from '../http/problem.js'
import en from './en.json' with { type: 'json' }
import esMX from './es-MX.json' with { type: 'json' }
import type { Language } from './language.js'
import { VOCABULARY_LISTS } from './vocabulary-lists.js'

/**
 * A message catalogue (src/i18n/<language>.json). Messages live in these files, not in code:
 * - `problemTypes`: the title of each problem code (src/http/problem.ts);
 * - `details`: each detail the code raises, keyed by its English source text; a `{name}` in a key
 *   stands for the part a template literal fills in (`No such {what}`), and the same `{name}`
 *   in the value receives it. An exact key wins over a pattern (`No such case` over `No such {what}`);
 * - `lists`: the label of every code of every list in src/i18n/vocabulary-lists.ts;
 * - `sentences`: what a task asks of its reader (`tasks`, by task rule), what an alert tells
 *   oversight (`alerts`, by alert rule) and what an unmet stage guard asks for (`guards`, by guard
 *   condition code, in a 409 and in a case's `nextStages`), a whole sentence each; and how the
 *   statistics are published (`statistics.method`), its numbers as `{name}` placeholders.
 */
export interface Catalogue {
  readonly problemTypes: Readonly<Record<string, string>>
  readonly details: Readonly<Record<string, string>>
  readonly lists: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly sentences: Readonly<Record<SentenceKind, Readonly<Record<string, string>>>>
}

export type SentenceKind = 'tasks' | 'alerts' | 'guards' | 'statistics'

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { en, 'es-MX': esMX }

interface Pattern {
  readonly key: string
  readonly regex: RegExp
  readonly names: readonly string[]
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function compile(key: string): Pattern {
  const names: string[] = []
  const source = key
    .split(/(\{[^{}]*\})/)
    .map((part, index) => {
      if (index % 2 === 0) return escapeRegex(part)
      names.push(part.slice(1, -1))
      return '(.+?)'
    })
    .join('')
  return { key, regex: new RegExp(`^${source}$`, 's'), names }
}

// Patterns with the longest fixed text first: the most specific one matches.
const PATTERNS: readonly Pattern[] = Object.keys(en.details)
  .filter((key) => /\{[^{}]*\}/.test(key))
  .map(compile)
  .sort((a, b) => b.key.replace(/\{[^{}]*\}/g, '').length - a.key.replace(/\{[^{}]*\}/g, '').length)

/** The catalogue key and the filled-in values of a detail as the code raised it; undefined when none fits. */
export function findDetail(detail: string): { key: string; values: Record<string, string> } | undefined {
  if (Object.hasOwn(en.details, detail)) return { key: detail, values: {} }
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(detail)
    if (match) return { key: pattern.key, values: Object.fromEntries(pattern.names.map((name, i) => [name, match[i + 1] ?? ''])) }
  }
  return undefined
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{([^{}]*)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole))

/**
 * A detail in the language; `missing` when either catalogue lacks it (then the English source text is
 * answered, and the error handler logs the gap so the suite's log scan fails).
 */
export function translateDetail(detail: string, language: Language): { text: string; missing: boolean } {
  const found = findDetail(detail)
  if (!found) return { text: detail, missing: true }
  const missing = !Object.hasOwn(CATALOGUES.en.details, found.key) || !Object.hasOwn(CATALOGUES['es-MX'].details, found.key)
  const template = CATALOGUES[language].details[found.key]
  return { text: template === undefined ? detail : fill(template, found.values), missing }
}

export function problemTitle(code: ProblemCode, language: Language): string {
  return CATALOGUES[language].problemTypes[code] ?? PROBLEM_TYPES[code].title
}

/** The sentence of a task or alert rule or of a guard condition; the English one when the language's catalogue lacks it (a test checks none does). */
export function ruleSentence(kind: SentenceKind, rule: string, language: Language, values: Record<string, string> = {}): string {
  return fill(CATALOGUES[language].sentences[kind][rule] ?? CATALOGUES.en.sentences[kind][rule] ?? rule, values)
}

export function listLabel(list: string, code: string, language: Language, fallback: unknown = code): string {
  return CATALOGUES[language].lists[list]?.[code] ?? String(fallback)
}

/** Every code list with its labels, as `GET /vocabulary` answers it. */
export function vocabulary(language: Language): Record<string, { code: string; label: string }[]> {
  const lists: Record<string, { code: string; label: string }[]> = {}
  for (const [name, codes] of Object.entries(VOCABULARY_LISTS)) {
    lists[name] = codes.map((code) => ({ code, label: listLabel(name, code, language) }))
  }
  lists.problemTypes = (Object.keys(PROBLEM_TYPES) as ProblemCode[]).map((code) => ({ code, label: problemTitle(code, language) }))
  return lists
}

/** The languages the service answers in; es-MX is the default of the product (DEFAULT_LANGUAGE). */
export const LANGUAGES = ['es-MX', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

/** Any Spanish is answered in es-MX, any English in en; other tags do not match. */
export function matchLanguage(tag: string): Language | undefined {
  const lower = tag.trim().toLowerCase()
  if (lower === 'es' || lower.startsWith('es-')) return 'es-MX'
  if (lower === 'en' || lower.startsWith('en-')) return 'en'
  return undefined
}

/**
 * The language of an answer: an explicit `?lang=` first, then `Accept-Language` by its q-values
 * (RFC 9110 §12.5.4), then the deployment's default. A `*` takes the default.
 */
export function negotiateLanguage(acceptLanguage: string | undefined, fallback: Language, explicit?: string): Language {
  if (explicit) {
    const chosen = matchLanguage(explicit)
    if (chosen) return chosen
  }
  if (!acceptLanguage) return fallback
  const ranges = acceptLanguage
    .slice(0, 500)
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...parameters] = part.split(';')
      const q = parameters.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined)
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index }
    })
    .filter((range) => range.tag.length > 0 && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const range of ranges) {
    if (range.tag === '*') return fallback
    const chosen = matchLanguage(range.tag)
    if (chosen) return chosen
  }
  return fallback
}

import type { Language } from './task-rules.js'

/**
 * The language of the tasks' sentences, from Accept-Language: the preferred (highest q) of Spanish
 * or English the caller names; es-MX when it names neither, or sends nothing.
 */
export function taskLanguage(header: string | undefined): Language {
  if (!header) return 'es-MX'
  const ranges = header
    .slice(0, 500)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((param) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param)).find(Boolean)
      return { primary: tag.trim().split('-')[0], q: q ? Number(q[1]) : 1, index }
    })
    .filter((range) => range.q > 0 && (range.primary === 'es' || range.primary === 'en'))
    .sort((a, b) => b.q - a.q || a.index - b.index)
  return ranges[0]?.primary === 'en' ? 'en' : 'es-MX'
}

// Finds every problem detail the source can raise, for the catalogue test (test/routes/language.test.ts).
// A detail is the text argument of `new AppError(code, '…')` or of the marker `detailText('…')`
// (src/i18n/messages.ts) for details kept in constants. Template literals become catalogue patterns:
// each `${expression}` is a placeholder, written `{name}` in the catalogue.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

export interface FoundDetail {
  /** The detail with every placeholder written `{}`: the form catalogue keys are compared in. */
  readonly shape: string
  readonly file: string
  readonly line: number
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return name.endsWith('.ts') ? [full] : []
  })
}

/** Reads one string or template literal starting at `start`; undefined when the argument is not a literal. */
function readLiteral(text: string, start: number): string | undefined {
  const quote = text[start]
  if (quote === "'" || quote === '"') {
    let out = ''
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i]!
      if (c === '\\') {
        out += text[++i]
        continue
      }
      if (c === quote) return out
      out += c
    }
    return undefined
  }
  if (quote === '`') {
    let out = ''
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i]!
      if (c === '\\') {
        out += text[++i]
        continue
      }
      if (c === '`') return out
      if (c === '$' && text[i + 1] === '{') {
        let depth = 1
        i += 2
        while (i < text.length && depth > 0) {
          if (text[i] === '{') depth++
          else if (text[i] === '}') depth--
          i++
        }
        i--
        out += '{}'
        continue
      }
      out += c
    }
  }
  return undefined
}

/** Every catalogue key compares in this shape: `{what}` and `{}` are the same placeholder. */
export const detailShape = (text: string): string => text.replace(/\{[^{}]*\}/g, '{}')

export function findProblemDetails(root = path.resolve('src')): FoundDetail[] {
  const found: FoundDetail[] = []
  const call = /new AppError\(\s*'[a-z-]+'\s*,\s*|detailText\(\s*/g
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(call)) {
      const start = match.index + match[0].length
      const literal = readLiteral(text, start)
      if (literal === undefined) continue
      found.push({ shape: detailShape(literal), file: path.relative(process.cwd(), file), line: text.slice(0, start).split('\n').length })
    }
  }
  return found
}

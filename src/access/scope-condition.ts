import { mongoQueryMatcher } from '@casl/ability'
import type { Principal } from '../auth/principal.js'

/**
 * The case attributes a scope condition may name. The case repository must turn each into SQL
 * (casl-to-kysely.ts), so a condition on anything else is refused when the policy loads rather than
 * discovered on the first request. Rules the code adds (a migration officer's transition names
 * `stage`) narrow these conditions and must not meet a scope that names the same field.
 */
export const SCOPE_CONDITION_FIELDS = ['participantOrganizationIds'] as const

// CASL's default conditions know field operators only; $and, $or, $nor and $not would be read as
// field names and match nothing, so they are refused below.
const OPERATORS = ['eq', 'ne', 'in', 'nin']

const PLACEHOLDERS = {
  'user.organizationId': (principal: Principal) => principal.organizationId,
  'user.userId': (principal: Principal) => principal.userId,
} as const satisfies Record<string, (principal: Principal) => string>

const PLACEHOLDER = /\$\{([^}]*)\}/g

export type ScopeCondition = Readonly<Record<string, unknown>>

/** Every problem with a condition, as sentences naming it; empty when the condition is usable. */
export function scopeConditionProblems(condition: ScopeCondition): string[] {
  const problems: string[] = []
  if (Object.keys(condition).length === 0) problems.push('an empty condition reaches every case; write "all" if that is meant')
  for (const name of placeholdersIn(condition)) {
    if (!(name in PLACEHOLDERS)) {
      problems.push(
        `unknown placeholder "\${${name}}" (known: ${Object.keys(PLACEHOLDERS)
          .map((p) => `\${${p}}`)
          .join(', ')})`,
      )
    }
  }
  let ast: unknown
  try {
    ast = mongoQueryMatcher(condition).ast
  } catch (error) {
    problems.push(`not a condition CASL understands: ${(error as Error).message}`)
    return problems
  }
  for (const { field, operator, value } of fieldConditionsIn(ast)) {
    if (field.startsWith('$')) {
      problems.push(`"${field}" is not supported: CASL's conditions combine fields with "and" only, and know field operators alone`)
    } else if (!(SCOPE_CONDITION_FIELDS as readonly string[]).includes(field)) {
      problems.push(`unknown condition field "${field}" (known: ${SCOPE_CONDITION_FIELDS.join(', ')})`)
    } else if (!OPERATORS.includes(operator)) {
      problems.push(
        `operator "$${operator}" on "${field}" is not allowed in a scope (allowed: ${OPERATORS.map((o) => `$${o}`).join(', ')})`,
      )
    } else if (!(operator === 'in' || operator === 'nin' ? Array.isArray(value) && value.every(isText) : isText(value))) {
      problems.push(`"${field}" must be compared with text (an id or a placeholder), not ${JSON.stringify(value)}`)
    }
  }
  return problems
}

/** The condition with every placeholder replaced by the caller's own value. */
export function fillPlaceholders(condition: ScopeCondition, principal: Principal): Record<string, unknown> {
  return mapStrings(condition, (text) =>
    text.replace(PLACEHOLDER, (_match, name: string) => {
      const value = PLACEHOLDERS[name as keyof typeof PLACEHOLDERS]
      // The loader refuses unknown placeholders; reaching this means a policy skipped the loader.
      if (!value) throw new Error(`Unknown placeholder "\${${name}}" in a scope condition`)
      return value(principal)
    }),
  ) as Record<string, unknown>
}

function placeholdersIn(value: unknown): string[] {
  const found: string[] = []
  mapStrings(value, (text) => {
    for (const match of text.matchAll(PLACEHOLDER)) found.push(match[1] ?? '')
    return text
  })
  return found
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value)
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]))
  }
  return value
}

const isText = (value: unknown) => typeof value === 'string'

function fieldConditionsIn(node: unknown): { field: string; operator: string; value: unknown }[] {
  if (node === null || typeof node !== 'object') return []
  const { field, operator, value } = node as { field?: unknown; operator?: unknown; value?: unknown }
  if (typeof field === 'string') return [{ field, operator: String(operator), value }]
  return Array.isArray(value) ? value.flatMap(fieldConditionsIn) : []
}

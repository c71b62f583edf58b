import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { z } from 'zod'
import { ROLES, type Role } from '../auth/principal.js'
import { FIELD_EXCEPTIONS, POLICY_ACTIONS, accessMatrixFile, scopeFile } from './policy-schema.js'
import type { ScopeCondition } from './scope-condition.js'

export { POLICY_ACTIONS } from './policy-schema.js'
export type PolicyAction = (typeof POLICY_ACTIONS)[number]

/** r = read, c = may set when creating, u = may update (access-matrix.yaml). */
export type Letter = 'r' | 'c' | 'u'

export type Scope =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'condition'; readonly condition: ScopeCondition }

/** The policy the service implements: access-matrix.yaml and scope.yaml, checked and frozen. */
export interface Policy {
  /** section → its field names, in the matrix's order */
  readonly sections: Readonly<Record<string, readonly string[]>>
  /** role → section → the letters it holds (empty for "-") */
  readonly grants: Readonly<Record<Role, Readonly<Record<string, readonly Letter[]>>>>
  /** role → `section.field` → letters that replace the section's for that one field */
  readonly fieldGrants: Readonly<Record<Role, Readonly<Record<string, readonly Letter[]>>>>
  /** action → the roles that may take it */
  readonly actions: Readonly<Record<PolicyAction, readonly Role[]>>
  /** role → the cases it reaches */
  readonly scopes: Readonly<Record<Role, Scope>>
}

export const ACCESS_MATRIX_FILE = 'access-matrix.yaml'
export const SCOPE_FILE = 'scope.yaml'

export function loadPolicy(directory = 'policies'): Policy {
  const matrix = readPolicyFile(path.join(directory, ACCESS_MATRIX_FILE), accessMatrixFile)
  const scope = readPolicyFile(path.join(directory, SCOPE_FILE), scopeFile)
  const byRole = <T>(value: (role: Role) => T) => Object.fromEntries(ROLES.map((role) => [role, value(role)])) as Record<Role, T>
  return deepFreeze({
    sections: matrix.sections,
    grants: byRole((role) =>
      Object.fromEntries(
        Object.keys(matrix.sections).map((section) => [section, lettersOf(matrix.roles[role]?.[section] as string | undefined)]),
      ),
    ),
    fieldGrants: byRole((role) => {
      const exceptions = (matrix.roles[role]?.[FIELD_EXCEPTIONS] ?? {}) as Record<string, string>
      return Object.fromEntries(Object.entries(exceptions).map(([field, letters]) => [field, lettersOf(letters)]))
    }),
    actions: Object.fromEntries(POLICY_ACTIONS.map((action) => [action, matrix.actions[action] as Role[]])) as Record<PolicyAction, Role[]>,
    scopes: byRole((role) => scopeOf(scope.roles[role])),
  })
}

/**
 * Refuses a case schema with a field the policy does not classify: such a field would be neither
 * readable nor writable by anyone, or worse, handled by code that forgot to ask.
 */
export function assertEveryFieldClassified(policy: Policy, fieldsBySection: Readonly<Record<string, readonly string[]>>): void {
  const problems: string[] = []
  for (const [section, fields] of Object.entries(fieldsBySection)) {
    const classified = policy.sections[section]
    if (!classified) {
      problems.push(`unknown section "${section}" (the policy has: ${Object.keys(policy.sections).join(', ')})`)
      continue
    }
    for (const field of fields) {
      if (!classified.includes(field)) problems.push(`field "${section}.${field}" belongs to no section of the policy`)
    }
  }
  if (problems.length > 0) throw new Error(`The case schemas do not match the access policy:\n  - ${problems.join('\n  - ')}`)
}

/** A short, stable name of the policy's content, recorded with audit events. */
export function policyVersion(policy: Policy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex').slice(0, 16)
}

function readPolicyFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let content: unknown
  try {
    content = parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`Cannot read the policy file ${file}: ${(error as Error).message}`)
  }
  const result = schema.safeParse(content)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
    throw new Error(`The policy file ${file} is not valid:\n  - ${problems.join('\n  - ')}`)
  }
  return result.data
}

function lettersOf(value: string | undefined): Letter[] {
  return [...(value ?? '-')].filter((letter): letter is Letter => letter === 'r' || letter === 'c' || letter === 'u')
}

function scopeOf(value: 'all' | 'none' | Record<string, unknown> | undefined): Scope {
  if (value === 'all') return { kind: 'all' }
  if (value === undefined || value === 'none') return { kind: 'none' }
  return { kind: 'condition', condition: value }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item)
    Object.freeze(value)
  }
  return value
}

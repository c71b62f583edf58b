import { z } from 'zod'
import { ROLES } from '../auth/principal.js'
import { scopeConditionProblems } from './scope-condition.js'

/** The actions beyond reading and writing fields that the service implements (access-matrix.yaml). */
export const POLICY_ACTIONS = [
  'create_case',
  'transition_stage',
  'decide_determination',
  'share_case',
  'refer_case',
  'transfer_case',
  'end_participation',
  'assign_case',
  'read_directory',
  'read_users',
  'read_audit_trail',
  'read_statistics',
  'manage_organizations_and_users',
] as const

// "-" or some of r, c, u in this order; one spelling per grant keeps reviews and diffs plain.
const LETTERS = /^(-|r?c?u?)$/
const NAME = /^[a-z][A-Za-z0-9]*$/
/** The key under a role that holds field-level exceptions: `section.field` → letters replacing the section's. */
export const FIELD_EXCEPTIONS = 'fields'

const roleNames: readonly string[] = ROLES
const actionNames: readonly string[] = POLICY_ACTIONS

const nameList = (what: string) => z.array(z.string().regex(NAME, `a ${what} name is one camelCase word`))

export const accessMatrixFile = z
  .strictObject({
    sections: z.record(z.string().regex(NAME, 'a section name is one camelCase word'), nameList('field').min(1)),
    roles: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.record(z.string(), z.string())]))),
    actions: z.record(z.string(), z.array(z.string())),
  })
  .superRefine((matrix, context) => {
    const problem = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message })
    const sections = Object.keys(matrix.sections)
    for (const [section, fields] of Object.entries(matrix.sections)) {
      for (const field of duplicates(fields)) problem(['sections', section], `field "${field}" is listed twice`)
    }
    checkNames(matrix.roles, roleNames, 'role', ['roles'], problem)
    const checkLetters = (path: PropertyKey[], value: unknown) => {
      if (typeof value !== 'string' || value === '' || !LETTERS.test(value)) {
        problem(path, `bad letters "${String(value)}": use "-" or some of r, c, u in that order`)
      }
    }
    for (const [role, entries] of Object.entries(matrix.roles)) {
      const { [FIELD_EXCEPTIONS]: exceptions, ...letters } = entries
      checkNames(letters, sections, 'section', ['roles', role], problem)
      for (const [section, value] of Object.entries(letters)) checkLetters(['roles', role, section], value)
      if (exceptions === undefined) continue
      if (typeof exceptions === 'string') {
        problem(['roles', role, FIELD_EXCEPTIONS], 'field exceptions are a map of section.field to letters')
        continue
      }
      for (const [qualified, value] of Object.entries(exceptions)) {
        const [section = '', field = ''] = qualified.split('.')
        if (!matrix.sections[section]?.includes(field))
          problem(['roles', role, FIELD_EXCEPTIONS, qualified], `unknown field "${qualified}" (write section.field)`)
        checkLetters(['roles', role, FIELD_EXCEPTIONS, qualified], value)
      }
    }
    checkNames(matrix.actions, actionNames, 'action', ['actions'], problem)
    for (const [action, roles] of Object.entries(matrix.actions)) {
      for (const role of roles) {
        if (!roleNames.includes(role)) problem(['actions', action], `unknown role "${role}" (known: ${roleNames.join(', ')})`)
      }
      for (const role of duplicates(roles)) problem(['actions', action], `role "${role}" is listed twice`)
    }
  })

export type AccessMatrixFile = z.infer<typeof accessMatrixFile>

const scopeCondition = z.record(z.string(), z.unknown())

export const scopeFile = z
  .strictObject({
    roles: z.record(
      z.string(),
      z.union([z.literal('all'), z.literal('none'), scopeCondition], {
        error: 'a scope is "all", "none" or a condition',
      }),
    ),
  })
  .superRefine((scope, context) => {
    const problem = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message })
    checkNames(scope.roles, roleNames, 'role', ['roles'], problem)
    for (const [role, value] of Object.entries(scope.roles)) {
      if (typeof value === 'string') continue
      for (const message of scopeConditionProblems(value)) problem(['roles', role], message)
    }
  })

export type ScopeFile = z.infer<typeof scopeFile>

/** Refuses names outside `known` and asks for every known name, so a typo never drops a grant. */
function checkNames(
  record: Record<string, unknown>,
  known: readonly string[],
  what: string,
  path: PropertyKey[],
  problem: (path: PropertyKey[], message: string) => void,
): void {
  for (const name of Object.keys(record)) {
    if (!known.includes(name)) problem([...path, name], `unknown ${what} "${name}" (known: ${known.join(', ')})`)
  }
  for (const name of known) {
    if (!(name in record)) problem(path, `${what} "${name}" is missing`)
  }
}

function duplicates(names: readonly string[]): string[] {
  return names.filter((name, index) => names.indexOf(name) !== index)
}

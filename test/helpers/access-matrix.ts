import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { Role } from '../../src/auth/principal.js'

/**
 * The project's matrix (policies/access-matrix.yaml, a copy of the specification's), read here as
 * plain YAML and not through the policy loader, so a fault in the loader or the ability builder shows up.
 */
export interface SpecMatrix {
  sections: Record<string, string[]>
  roles: Record<Role, Record<string, string> & { fields?: Record<string, string> }>
  actions: Record<string, Role[]>
}

export const specMatrix: SpecMatrix = parse(readFileSync(path.resolve('policies', 'access-matrix.yaml'), 'utf8'))

export const letters = (role: Role, section: string): string => {
  const value = specMatrix.roles[role][section]
  return value === '-' || value === undefined ? '' : value
}

/** A field's letters: its own where the role lists an exception (`fields:`), else its section's. */
export const fieldLetters = (role: Role, section: string, field: string): string => {
  const own = specMatrix.roles[role].fields?.[`${section}.${field}`]
  if (own === undefined) return letters(role, section)
  return own === '-' ? '' : own
}

export const mayRead = (role: Role, section: string) => letters(role, section).includes('r')
export const mayCreate = (role: Role, section: string) => letters(role, section).includes('c')
export const mayUpdate = (role: Role, section: string) => letters(role, section).includes('u')
export const mayCreateField = (role: Role, section: string, field: string) => fieldLetters(role, section, field).includes('c')
export const mayUpdateField = (role: Role, section: string, field: string) => fieldLetters(role, section, field).includes('u')
export const mayReadField = (role: Role, section: string, field: string) => fieldLetters(role, section, field).includes('r')
export const holdsAction = (role: Role, action: string) => specMatrix.actions[action]?.includes(role) ?? false

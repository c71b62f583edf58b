import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { Role } from '../../src/auth/principal.js'

/** The normative matrix from the spec (../shared/spec), not the project's copy: tests check against it. */
export interface SpecMatrix {
  sections: Record<string, string[]>
  roles: Record<Role, Record<string, string>>
  actions: Record<string, Role[]>
}

export const specMatrix: SpecMatrix = parse(readFileSync(path.resolve('..', 'shared', 'spec', 'access-matrix.yaml'), 'utf8'))

export const letters = (role: Role, section: string): string => {
  const value = specMatrix.roles[role][section]
  return value === '-' || value === undefined ? '' : value
}

export const mayRead = (role: Role, section: string) => letters(role, section).includes('r')
export const mayCreate = (role: Role, section: string) => letters(role, section).includes('c')
export const mayUpdate = (role: Role, section: string) => letters(role, section).includes('u')
export const holdsAction = (role: Role, action: string) => specMatrix.actions[action]?.includes(role) ?? false

import { createHash } from 'node:crypto'

/**
 * The bench population: 50 organisations of every kind, users per role and organisation, and how
 * cases are spread over them. Ids are derived from names (md5 → uuid) so the generator (in SQL)
 * and the load driver (in Node) agree without reading each other's output.
 */

export type BenchKind = 'platform' | 'oversight_body' | 'migration_authority' | 'child_protection_authority' | 'civil_society' | 'legal_aid'

export interface BenchOrganization {
  readonly index: number
  readonly id: string
  readonly kind: BenchKind
  readonly name: string
}

/** Index ranges per kind; the order matters only for readability of the SQL below. */
const KIND_RANGES: readonly (readonly [BenchKind, number, number])[] = [
  ['platform', 0, 0],
  ['oversight_body', 1, 3],
  ['migration_authority', 4, 6],
  ['child_protection_authority', 7, 16],
  ['civil_society', 17, 41],
  ['legal_aid', 42, 49],
]
export const ORGANIZATION_COUNT = 50

/** PFPNNA, the federal Procuraduría: a participant in ~40% of all cases (the "large organisation"). */
export const LARGE_PROTECTION_ORG = 7
/** The civil-society organisation whose caseworkers read cases in the read scenario. */
export const READER_NGO_ORG = 17

const ROLES_BY_KIND: Readonly<Record<BenchKind, readonly string[]>> = {
  platform: ['system_admin'],
  oversight_body: ['oversight_auditor'],
  migration_authority: ['migration_officer'],
  child_protection_authority: ['protection_officer', 'attorney'],
  civil_society: ['ngo_caseworker'],
  legal_aid: ['attorney'],
}
export const USERS_PER_ROLE_AND_ORG = 4

const KIND_NAMES: Readonly<Record<BenchKind, string>> = {
  platform: 'Plataforma',
  oversight_body: 'Comisión de Derechos Humanos',
  migration_authority: 'Oficina de Representación INM',
  child_protection_authority: 'Procuraduría de Protección',
  civil_society: 'Albergue y Casa del Migrante',
  legal_aid: 'Clínica Jurídica',
}

/** md5 of the text as a (version 4) uuid; the generator's SQL computes the same (UUID_FUNCTION). */
export function nameUuid(text: string): string {
  const digest = createHash('md5').update(text).digest('hex')
  const hex = `${digest.slice(0, 12)}4${digest.slice(13, 16)}8${digest.slice(17)}`
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export const organizationKey = (index: number) => `bench-org-${index}`
export const userKey = (role: string, orgIndex: number, n: number) => `bench-user|${role}|${orgIndex}|${n}`

export function kindOf(index: number): BenchKind {
  const range = KIND_RANGES.find(([, from, to]) => index >= from && index <= to)
  if (!range) throw new Error(`no organisation ${index}`)
  return range[0]
}

export function kindRange(kind: BenchKind): { from: number; count: number } {
  const range = KIND_RANGES.find(([name]) => name === kind)!
  return { from: range[1], count: range[2] - range[1] + 1 }
}

export function organizations(): BenchOrganization[] {
  return Array.from({ length: ORGANIZATION_COUNT }, (_, index) => {
    const kind = kindOf(index)
    return { index, id: nameUuid(organizationKey(index)), kind, name: `${KIND_NAMES[kind]} ${String(index).padStart(2, '0')} (bench)` }
  })
}

export interface BenchUser {
  readonly id: string
  readonly subject: string
  readonly role: string
  readonly organizationIndex: number
  readonly organizationId: string
}

export function users(): BenchUser[] {
  return organizations().flatMap((organization) =>
    ROLES_BY_KIND[organization.kind].flatMap((role) =>
      Array.from({ length: USERS_PER_ROLE_AND_ORG }, (_, n) => ({
        id: nameUuid(userKey(role, organization.index, n)),
        subject: userKey(role, organization.index, n),
        role,
        organizationIndex: organization.index,
        organizationId: organization.id,
      })),
    ),
  )
}

export function userOf(role: string, organizationIndex: number, n = 0): BenchUser {
  const user = users().find(
    (candidate) => candidate.role === role && candidate.organizationIndex === organizationIndex && candidate.subject.endsWith(`|${n}`),
  )
  if (!user) throw new Error(`no bench user ${role} in organisation ${organizationIndex}`)
  return user
}

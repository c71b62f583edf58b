export const ROLES = ['migration_officer', 'protection_officer', 'ngo_caseworker', 'attorney', 'oversight_auditor', 'system_admin'] as const
export type Role = (typeof ROLES)[number]

export const ORGANIZATION_KINDS = [
  'migration_authority',
  'child_protection_authority',
  'civil_society',
  'legal_aid',
  'oversight_body',
  'platform',
] as const
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number]

/** Which organisation kinds each role may belong to (PRODUCT.md, "Who uses it"). */
export const ROLE_ORGANIZATION_KINDS: Readonly<Record<Role, readonly OrganizationKind[]>> = {
  migration_officer: ['migration_authority'],
  protection_officer: ['child_protection_authority'],
  ngo_caseworker: ['civil_society'],
  attorney: ['child_protection_authority', 'legal_aid'],
  oversight_auditor: ['oversight_body'],
  system_admin: ['platform'],
}

/** The caller, as the users table says (never as the token's claims say). */
export interface Principal {
  readonly userId: string
  readonly subject: string
  readonly displayName: string
  readonly role: Role
  readonly organizationId: string
  readonly organizationKind: OrganizationKind
}

import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { OrganizationKind, Role } from '../auth/principal.js'
import { loadDemoCases } from './demo-cases.js'
import { loadDemoHandovers } from './demo-handovers.js'
import type { Database } from './schema.js'

export interface DemoUser {
  readonly subject: string
  readonly role: Role
}

// Invented organisations and people, shaped like the real network around a southern border city.
export const DEMO_ORGANIZATIONS: readonly { key: string; name: string; kind: OrganizationKind }[] = [
  { key: 'inm', name: 'INM Oficina de Representación Chiapas (demo)', kind: 'migration_authority' },
  { key: 'procuraduria', name: 'Procuraduría de Protección de NNA de Chiapas (demo)', kind: 'child_protection_authority' },
  { key: 'procuraduria-federal', name: 'Procuraduría Federal de Protección de NNA (demo)', kind: 'child_protection_authority' },
  { key: 'ngo', name: 'Red de Albergues Casa Esperanza (demo)', kind: 'civil_society' },
  { key: 'ngo-other', name: 'Colectivo Caminos Seguros (demo)', kind: 'civil_society' },
  { key: 'legal-aid', name: 'Clínica Jurídica Frontera Sur (demo)', kind: 'legal_aid' },
  { key: 'oversight', name: 'Mecanismo Independiente de Monitoreo (demo)', kind: 'oversight_body' },
  { key: 'platform', name: 'Plataforma ATD (demo)', kind: 'platform' },
]

export const DEMO_USERS: readonly { subject: string; displayName: string; role: Role; organization: string }[] = [
  { subject: 'demo-migration-officer', displayName: 'Agente Rosa Méndez', role: 'migration_officer', organization: 'inm' },
  { subject: 'demo-protection-officer', displayName: 'Lic. Andrés Coutiño', role: 'protection_officer', organization: 'procuraduria' },
  { subject: 'demo-ngo-caseworker', displayName: 'Mariana Gálvez', role: 'ngo_caseworker', organization: 'ngo' },
  { subject: 'demo-ngo-caseworker-other', displayName: 'Tomás Aguilar', role: 'ngo_caseworker', organization: 'ngo-other' },
  { subject: 'demo-attorney', displayName: 'Lic. Sofía Ruiz', role: 'attorney', organization: 'legal-aid' },
  { subject: 'demo-auditor', displayName: 'Dra. Elena Cabrera', role: 'oversight_auditor', organization: 'oversight' },
  { subject: 'demo-admin', displayName: 'Administración ATD', role: 'system_admin', organization: 'platform' },
]

/** Loads the demo organisations and users once; later starts find them and add nothing. */
export async function loadDemoData(db: Kysely<Database>): Promise<DemoUser[]> {
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('subject', '=', DEMO_USERS[0]!.subject).executeTakeFirst()
    if (existing) return
    const organizationIds: Record<string, string> = {}
    for (const organization of DEMO_ORGANIZATIONS) {
      organizationIds[organization.key] = uuidv7()
      await trx
        .insertInto('organizations')
        .values({ id: organizationIds[organization.key]!, name: organization.name, kind: organization.kind })
        .execute()
    }
    const userIds: Record<string, string> = {}
    for (const user of DEMO_USERS) {
      userIds[user.subject] = uuidv7()
      await trx
        .insertInto('users')
        .values({
          id: userIds[user.subject]!,
          subject: user.subject,
          display_name: user.displayName,
          role: user.role,
          organization_id: organizationIds[user.organization]!,
        })
        .execute()
    }
    await loadDemoCases(trx, organizationIds, userIds)
    await loadDemoHandovers(trx, organizationIds, userIds)
  })
  return DEMO_USERS.map(({ subject, role }) => ({ subject, role }))
}

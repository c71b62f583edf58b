import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { STAGES, type Stage } from '../cases/case-sections.js'
import { childRefFor, loadChildRefKey } from '../cases/child-ref.js'
import type { PlacementType } from '../lifecycle/placement.schemas.js'
import type { Database } from './schema.js'

// Invented children shaped like the real caseload (DOMAIN.md): mostly 12-17, from Guatemala,
// Honduras and El Salvador, many speaking an indigenous language, unaccompanied more than separated.
export const DEMO_CHILDREN = [
  ['Ana Lucía', 'Pérez Xol', 'GT', 'female', ["Q'eqchi'", 'español'], "Q'eqchi'"],
  ['José Manuel', 'López Tzul', 'GT', 'male', ['Mam', 'español'], 'Mam'],
  ['Dulce María', 'Hernández', 'HN', 'female', ['español'], null],
  ['Kevin Alexander', 'Martínez', 'SV', 'male', ['español'], null],
  ['Yesenia', 'Cux Ajanel', 'GT', 'female', ["K'iche'", 'español'], "K'iche'"],
  ['Brayan', 'Cruz Mejía', 'HN', 'male', ['español'], null],
  ['Wendy Carolina', 'Ramos', 'SV', 'female', ['español'], null],
  ['Edwin', 'Ixcoy Tum', 'GT', 'male', ["K'iche'"], "K'iche'"],
  ['Génesis', 'Morales', 'HN', 'female', ['español'], null],
  ['Luis Fernando', 'Choc', 'GT', 'male', ["Q'eqchi'"], "Q'eqchi'"],
  ['Daniela', 'Rivas', 'VE', 'female', ['español'], null],
  ['Jean-Pierre', 'Joseph', 'HT', 'male', ['kreyòl', 'français'], null],
  ['Mayra', 'Sic Ajpop', 'GT', 'female', ["K'iche'", 'español'], "K'iche'"],
  ['Óscar', 'Fuentes', 'SV', 'male', ['español'], null],
  ['Heidy', 'Zelaya', 'HN', 'female', ['español'], null],
  ['Marvin', 'Pérez Mam', 'GT', 'male', ['Mam'], 'Mam'],
  ['Sofía', 'Aguilar', 'GT', 'female', ['español'], null],
  ['Elmer', 'Villeda', 'HN', 'male', ['español'], null],
  ['Nayeli', 'Gómez', 'MX', 'female', ['tsotsil', 'español'], 'tsotsil'],
  ['Cristian', 'Orellana', 'SV', 'male', ['español'], null],
] as const

const PLACEMENTS_BY_STAGE: Record<Stage, PlacementType> = {
  identification: 'inm_temporary_custody',
  custody: 'dif_first_reception',
  guardianship: 'dif_shelter',
  legal_representation: 'ngo_shelter',
  best_interest_determination: 'foster_family',
  durable_solution: 'kinship_care',
  closed: 'family_reunified',
}

export const DEMO_DAY = 86_400_000
const DAY = DEMO_DAY

/** The date of birth the demo gives its child number `index`, `now` being the load's clock. */
export function demoDateOfBirth(now: number, index: number): string {
  const age = 12 + (index % 6)
  return new Date(now - age * 365.25 * DAY - (index * 17 + 40) * DAY).toISOString().slice(0, 10)
}

/** Demo cases at every stage, in several organisations, one child held in a migration station. */
export async function loadDemoCases(
  db: Kysely<Database>,
  organizationIds: Record<string, string>,
  userIds: Record<string, string>,
): Promise<void> {
  const childRefKey = await loadChildRefKey(db, undefined)
  const now = Date.now()
  const year = new Date(now).getUTCFullYear()
  for (const [index, child] of DEMO_CHILDREN.entries()) {
    const [givenName, familyName, nationality, sex, languages, indigenousIdentity] = child
    const stage = STAGES[index % STAGES.length]!
    const stageIndex = STAGES.indexOf(stage)
    const inDetention = index === 3
    const id = uuidv7()
    const openedAt = new Date(now - (10 + index * 6) * DAY)
    const dateOfBirth = demoDateOfBirth(now, index)
    const lead = index % 3 === 0 ? 'procuraduria' : index % 3 === 1 ? 'ngo' : 'ngo-other'
    const creator =
      lead === 'procuraduria' ? 'demo-protection-officer' : lead === 'ngo' ? 'demo-ngo-caseworker' : 'demo-ngo-caseworker-other'
    const reached = (s: Stage) => stageIndex >= STAGES.indexOf(s)
    const notified = reached('custody') || index % 2 === 0
    const legal: Record<string, unknown> = {}
    if (reached('guardianship')) {
      legal.guardian = {
        type: 'procuraduria',
        representationType: 'suplencia',
        organizationId: organizationIds.procuraduria,
        appointedAt: new Date(openedAt.getTime() + 5 * DAY).toISOString().slice(0, 10),
      }
    }
    if (reached('legal_representation')) {
      legal.representation = {
        attorneyName: 'Lic. Sofía Ruiz',
        organizationId: organizationIds['legal-aid'],
        since: new Date(openedAt.getTime() + 8 * DAY).toISOString().slice(0, 10),
      }
    }
    const decided = reached('durable_solution')
    const determinationId = uuidv7()
    const outcome = index % 2 === 0 ? 'family_reunification' : 'local_integration'
    const placementType = inDetention ? 'migration_station' : PLACEMENTS_BY_STAGE[stage]
    const placementSince = new Date(now - (inDetention ? 3 : 4 + index) * DAY)
    const counter = await db
      .insertInto('case_number_counters')
      .values({ year, last_value: 1 })
      .onConflict((oc) => oc.column('year').doUpdateSet((eb) => ({ last_value: eb('case_number_counters.last_value', '+', 1) })))
      .returning('last_value')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('cases')
      .values({
        id,
        case_number: `ATD-${year}-${String(counter.last_value).padStart(6, '0')}`,
        child_ref: childRefFor(childRefKey, id),
        stage,
        status: stage === 'closed' ? 'closed' : 'open',
        risk_level: inDetention ? 'critical' : (['low', 'medium', 'high'] as const)[index % 3]!,
        lead_organization_id: organizationIds[lead]!,
        opened_at: openedAt,
        closed_at: stage === 'closed' ? new Date(now - DAY) : null,
        closure_reason: stage === 'closed' ? 'solution_achieved' : null,
        created_by: userIds[creator]!,
        date_of_birth: dateOfBirth,
        demographics: JSON.stringify({ sex, nationality, separationStatus: index % 4 === 3 ? 'separated' : 'unaccompanied' }),
        identity: JSON.stringify({
          givenName,
          familyName,
          dateOfBirth,
          dateOfBirthEstimated: index % 5 === 0,
          languages,
          ...(indigenousIdentity ? { indigenousIdentity } : {}),
        }),
        contact: JSON.stringify({
          currentAddress: 'Tapachula, Chiapas',
          family: [{ relationship: 'mother', country: nationality, tracingStatus: index % 2 ? 'in_progress' : 'located' }],
        }),
        health: JSON.stringify({ conditions: index % 4 === 0 ? ['dehydration on arrival'] : [], urgentMedicalNeed: index === 7 }),
        protection: JSON.stringify({
          asylumNeedIdentified: index % 3 !== 2,
          traffickingIndicators: index % 6 === 1 ? ['debt to smuggler'] : [],
          riskOnReturn: index % 3 !== 2 ? 'Threats from a gang in the home town' : undefined,
        }),
        custody: JSON.stringify(
          notified
            ? {
                procuraduriaNotifiedAt: new Date(openedAt.getTime() + 6 * 3600_000).toISOString(),
                channelledAt: new Date(openedAt.getTime() + 20 * 3600_000).toISOString(),
              }
            : {},
        ),
        legal_status: JSON.stringify({
          migrationStatus: 'humanitarian_visitor',
          asylumClaimStatus: index % 3 === 2 ? 'not_applicable' : index % 2 ? 'intended' : 'filed',
        }),
        legal: JSON.stringify(legal),
        placement_type: placementType,
        placement_since: placementSince,
        responsible_organization_id: organizationIds[inDetention ? 'inm' : lead === 'procuraduria' ? 'procuraduria' : lead]!,
        in_detention: inDetention,
        section_versions: JSON.stringify({ case: 1 }),
        best_interests: decided
          ? JSON.stringify({
              determinationId,
              outcome,
              decidedAt: new Date(now - 3 * DAY).toISOString(),
              reviewDueAt: new Date(now + 180 * DAY).toISOString().slice(0, 10),
            })
          : null,
      })
      .execute()
    const participants = new Set([
      lead,
      'procuraduria',
      ...(reached('legal_representation') ? ['legal-aid'] : []),
      ...(index % 2 === 0 ? ['inm'] : []),
    ])
    for (const organization of participants) {
      await db
        .insertInto('case_participants')
        .values({
          organization_id: organizationIds[organization]!,
          case_id: id,
          basis: organization === lead ? 'lead' : 'legal_basis',
          legal_basis_code: organization === lead ? null : organization === 'inm' ? 'migration_law_handover' : 'protection_measure',
          legal_basis_citation:
            organization === lead ? null : 'LGDNNA art. 122: representación en suplencia y coordinación interinstitucional',
          granted_by: userIds[creator]!,
        })
        .execute()
    }
    await db
      .insertInto('placements')
      .values({
        id: uuidv7(),
        case_id: id,
        type: placementType,
        facility_name: inDetention ? 'Estación Migratoria Siglo XXI' : 'Casa de acogida (demo)',
        facility_address: 'Tapachula, Chiapas',
        responsible_organization_id: organizationIds[inDetention ? 'inm' : lead === 'procuraduria' ? 'procuraduria' : lead]!,
        legal_basis: inDetention ? null : 'Medida de protección (demo)',
        started_at: placementSince,
        created_by: userIds[creator]!,
        created_by_organization_id: organizationIds[lead]!,
      })
      .execute()
    for (let step = 1; step <= stageIndex; step++) {
      await db
        .insertInto('stage_transitions')
        .values({
          id: uuidv7(),
          case_id: id,
          from_stage: STAGES[step - 1]!,
          to_stage: STAGES[step]!,
          reason: 'Demo history',
          closure_reason: STAGES[step] === 'closed' ? 'solution_achieved' : null,
          actor_id: userIds[creator]!,
          actor_role: creator === 'demo-protection-officer' ? 'protection_officer' : 'ngo_caseworker',
          at: new Date(openedAt.getTime() + step * 4 * DAY),
        })
        .execute()
    }
    if (reached('best_interest_determination')) {
      await db
        .insertInto('assessments')
        .values({
          id: uuidv7(),
          case_id: id,
          assessor_id: userIds['demo-ngo-caseworker']!,
          author_organization_id: organizationIds.ngo!,
          findings: JSON.stringify({
            childViews: 'Wants to stay with an aunt in Mexico',
            family: 'Mother located',
            safety: 'Safe placement',
          }),
          recommendation: 'Family-based care with an aunt',
          status: 'completed',
          completed_at: new Date(now - 5 * DAY),
        })
        .execute()
    }
    if (decided) {
      await db
        .insertInto('determinations')
        .values({
          id: determinationId,
          case_id: id,
          status: 'decided',
          trigger: 'durable_solution',
          panel: JSON.stringify([
            {
              name: 'Lic. Andrés Coutiño',
              role: 'chair',
              organizationId: organizationIds.procuraduria,
              undertakingSignedAt: new Date(now - 6 * DAY).toISOString().slice(0, 10),
            },
            {
              name: 'Mariana Gálvez',
              role: 'caseworker',
              organizationId: organizationIds.ngo,
              undertakingSignedAt: new Date(now - 6 * DAY).toISOString().slice(0, 10),
            },
          ]),
          child_views: 'Wants to live with family',
          rationale: 'Family-based care serves the child best',
          outcome,
          decided_at: new Date(now - 3 * DAY),
          review_due_at: new Date(now + 180 * DAY).toISOString().slice(0, 10),
          created_by: userIds['demo-protection-officer']!,
          author_organization_id: organizationIds.procuraduria!,
        })
        .execute()
    }
  }
}

import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { childRefFor, loadChildRefKey } from '../cases/child-ref.js'
import type { LegalBasisCode, ParticipationBasis } from '../records/participant.schemas.js'
import type { Database } from './schema.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Demo cases at the steps of a hand-over (docs/README-handover.md): a girl held at a migration
 * station whose hand-over waits in the Procuraduría's inbox, and a girl whose hand-over the
 * Procuraduría accepted, who consented to a share with an NGO and then withdrew that consent (the
 * share ended), and whose referral for legal representation waits in a legal-aid clinic's inbox.
 * Invented children.
 */
export async function loadDemoHandovers(
  db: Kysely<Database>,
  organizationIds: Record<string, string>,
  userIds: Record<string, string>,
): Promise<void> {
  const childRefKey = await loadChildRefKey(db, undefined)
  const now = Date.now()
  const year = new Date(now).getUTCFullYear()
  const inm = organizationIds.inm!
  const procuraduria = organizationIds.procuraduria!
  const ngoOther = organizationIds['ngo-other']!
  const migrationOfficer = userIds['demo-migration-officer']!
  const protectionOfficer = userIds['demo-protection-officer']!

  const newCase = async (child: {
    givenName: string
    familyName: string
    age: number
    lead: string
    openedAt: Date
    notifiedAt: Date
    inDetention: boolean
  }) => {
    const id = uuidv7()
    const counter = await db
      .insertInto('case_number_counters')
      .values({ year, last_value: 1 })
      .onConflict((oc) => oc.column('year').doUpdateSet((eb) => ({ last_value: eb('case_number_counters.last_value', '+', 1) })))
      .returning('last_value')
      .executeTakeFirstOrThrow()
    const dateOfBirth = new Date(now - child.age * 365.25 * DAY - 90 * DAY).toISOString().slice(0, 10)
    const placementType = child.inDetention ? 'migration_station' : 'dif_first_reception'
    const placementSince = child.inDetention ? child.openedAt : new Date(child.openedAt.getTime() + DAY)
    const responsible = child.inDetention ? inm : procuraduria
    await db
      .insertInto('cases')
      .values({
        id,
        case_number: `ATD-${year}-${String(counter.last_value).padStart(6, '0')}`,
        child_ref: childRefFor(childRefKey, id),
        stage: child.inDetention ? 'identification' : 'custody',
        risk_level: 'high',
        lead_organization_id: child.lead,
        opened_at: child.openedAt,
        created_by: migrationOfficer,
        date_of_birth: dateOfBirth,
        demographics: JSON.stringify({ sex: 'female', nationality: 'HN', separationStatus: 'unaccompanied' }),
        identity: JSON.stringify({
          givenName: child.givenName,
          familyName: child.familyName,
          dateOfBirth,
          dateOfBirthEstimated: false,
          languages: ['español'],
        }),
        custody: JSON.stringify({ procuraduriaNotifiedAt: child.notifiedAt.toISOString() }),
        legal_status: JSON.stringify({ migrationStatus: 'humanitarian_visitor', asylumClaimStatus: 'intended' }),
        placement_type: placementType,
        placement_since: placementSince,
        responsible_organization_id: responsible,
        in_detention: child.inDetention,
        section_versions: JSON.stringify({ case: 1 }),
      })
      .execute()
    await db
      .insertInto('placements')
      .values({
        id: uuidv7(),
        case_id: id,
        type: placementType,
        facility_name: child.inDetention ? 'Estación Migratoria Siglo XXI' : 'Centro de Primera Acogida DIF (demo)',
        facility_address: 'Tapachula, Chiapas',
        responsible_organization_id: responsible,
        started_at: placementSince,
        created_by: child.inDetention ? migrationOfficer : protectionOfficer,
        created_by_organization_id: responsible,
      })
      .execute()
    return id
  }
  const participation = (row: {
    caseId: string
    organizationId: string
    basis: ParticipationBasis
    grantedBy: string
    since: Date
    consentId?: string
    code?: LegalBasisCode
    ended?: { at: Date; by: string; reason: string }
  }) =>
    db
      .insertInto('case_participants')
      .values({
        id: uuidv7(),
        case_id: row.caseId,
        organization_id: row.organizationId,
        basis: row.basis,
        consent_id: row.consentId ?? null,
        legal_basis_code: row.code ?? null,
        granted_by: row.grantedBy,
        since: row.since,
        ended_at: row.ended?.at ?? null,
        ended_by: row.ended?.by ?? null,
        end_reason: row.ended?.reason ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()

  // 1. Held at a migration station; the hand-over waits in the Procuraduría's inbox.
  const openedA = new Date(now - 5 * HOUR)
  const pending = await newCase({
    givenName: 'Alisson Yamileth',
    familyName: 'Cruz Banegas',
    age: 15,
    lead: inm,
    openedAt: openedA,
    notifiedAt: new Date(now - 2 * HOUR),
    inDetention: true,
  })
  await participation({ caseId: pending, organizationId: inm, basis: 'lead', grantedBy: migrationOfficer, since: openedA })
  const receiver = await participation({
    caseId: pending,
    organizationId: procuraduria,
    basis: 'legal_basis',
    code: 'migration_law_handover',
    grantedBy: migrationOfficer,
    since: new Date(now - 2 * HOUR),
  })
  await db
    .insertInto('transfers')
    .values({
      id: uuidv7(),
      case_id: pending,
      kind: 'handover',
      from_organization_id: inm,
      to_organization_id: procuraduria,
      legal_basis_code: 'migration_law_handover',
      receiver_participation_id: receiver.id,
      requested_by: migrationOfficer,
      requested_at: new Date(now - 2 * HOUR),
    })
    .execute()

  // 2. Handed over and accepted; shared with an NGO on a consent that was then withdrawn.
  const openedB = new Date(now - 6 * DAY)
  const requestedB = new Date(openedB.getTime() + 3 * HOUR)
  const acceptedB = new Date(openedB.getTime() + 20 * HOUR)
  const accepted = await newCase({
    givenName: 'Fernanda Sarahí',
    familyName: 'Mejía Orellana',
    age: 16,
    lead: procuraduria,
    openedAt: openedB,
    notifiedAt: requestedB,
    inDetention: false,
  })
  await participation({
    caseId: accepted,
    organizationId: inm,
    basis: 'lead',
    grantedBy: migrationOfficer,
    since: openedB,
    ended: { at: acceptedB, by: protectionOfficer, reason: 'transfer_accepted' },
  })
  const handedReceiver = await participation({
    caseId: accepted,
    organizationId: procuraduria,
    basis: 'legal_basis',
    code: 'migration_law_handover',
    grantedBy: migrationOfficer,
    since: requestedB,
    ended: { at: acceptedB, by: protectionOfficer, reason: 'transfer_accepted' },
  })
  await participation({
    caseId: accepted,
    organizationId: inm,
    basis: 'legal_basis',
    code: 'migration_law_handover',
    grantedBy: protectionOfficer,
    since: acceptedB,
  })
  await participation({ caseId: accepted, organizationId: procuraduria, basis: 'lead', grantedBy: protectionOfficer, since: acceptedB })
  await db
    .insertInto('transfers')
    .values({
      id: uuidv7(),
      case_id: accepted,
      kind: 'handover',
      from_organization_id: inm,
      to_organization_id: procuraduria,
      legal_basis_code: 'migration_law_handover',
      receiver_participation_id: handedReceiver.id,
      status: 'accepted',
      requested_by: migrationOfficer,
      requested_at: requestedB,
      decided_by: protectionOfficer,
      decided_at: acceptedB,
    })
    .execute()
  const consentId = uuidv7()
  const consentGiven = new Date(openedB.getTime() + 2 * DAY)
  const withdrawnAt = new Date(now - DAY)
  await db
    .insertInto('consents')
    .values({
      id: consentId,
      case_id: accepted,
      given_by: 'child_and_guardian',
      scopes: ['share_with_organizations', 'services'],
      withheld: JSON.stringify([]),
      given_at: consentGiven,
      withdrawn_at: withdrawnAt,
      version: 2,
      recorded_by: protectionOfficer,
      recorded_by_organization_id: procuraduria,
    })
    .execute()
  await participation({
    caseId: accepted,
    organizationId: ngoOther,
    basis: 'consent',
    consentId,
    grantedBy: protectionOfficer,
    since: new Date(consentGiven.getTime() + HOUR),
    ended: { at: withdrawnAt, by: protectionOfficer, reason: 'consent_withdrawn' },
  })

  // 3. The Procuraduría refers the same girl to a legal-aid clinic for representation, on its legal
  // authority: the referral waits in the clinic's inbox, which sees only its stub until it accepts.
  await db
    .insertInto('referrals')
    .values({
      id: uuidv7(),
      case_id: accepted,
      from_organization_id: procuraduria,
      to_organization_id: organizationIds['legal-aid']!,
      service: 'legal_representation',
      sections: ['identity', 'legalStatus', 'legal'],
      legal_basis_code: 'protection_measure',
      respond_by: new Date(now + 5 * DAY).toISOString().slice(0, 10),
      requested_by: protectionOfficer,
      requested_at: new Date(now - 3 * HOUR),
    })
    .execute()
}

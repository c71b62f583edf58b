import type { Kysely } from 'kysely'
import type { RecordAudit } from '../audit/audited.js'
import type { OrganizationKind } from '../auth/principal.js'
import { insertParticipant } from '../cases/case.repository.js'
import { type CaseActor, caseSubjectOf, loadReadableCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import type { Page } from '../http/pagination.js'
import { findOrganizationById } from '../organizations/organization.repository.js'
import { findConsent } from './consent.repository.js'
import { SHARING_SCOPE } from './consent.schemas.js'
import { CONSENT_FIELD } from './consent.service.js'
import type { ParticipantView, ShareCaseInput } from './participant.schemas.js'
import { type ParticipantRow, findParticipant, listParticipantsOfCase } from './participant.repository.js'
import { cursorOfId } from './record-cursor.js'

/** Organisations that never hold a case: the platform runs the service, oversight reads all cases anyway. */
const NON_PARTICIPATING_KINDS: readonly OrganizationKind[] = ['platform', 'oversight_body']

/** Reading who participates needs the case's own fields; the lead organisation is one of them. */
const PARTICIPANTS_FIELD = 'case.leadOrganizationId'

/** Why a share was refused, as a stable code a client can branch on. */
export type SharingRefusal =
  | 'consent_required'
  | 'consent_not_found'
  | 'consent_withdrawn'
  | 'consent_scope_missing'
  | 'legal_basis_requires_protection_officer'

const REFUSALS: Readonly<Record<SharingRefusal, string>> = {
  consent_required: 'Sharing needs a consent whose scope covers sharing, or a legal basis given by a protection officer',
  consent_not_found: 'The consent is not one recorded for this case',
  consent_withdrawn: 'The consent has been withdrawn and no longer allows sharing',
  consent_scope_missing: `The consent's scopes do not include ${SHARING_SCOPE}`,
  legal_basis_requires_protection_officer: 'Only a protection officer may share a case on a legal basis',
}

function refuse(reason: SharingRefusal): never {
  throw new AppError('conflict', REFUSALS[reason], { reason })
}

export function toParticipantView(row: ParticipantRow): ParticipantView {
  return {
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    organizationKind: row.organization_kind as ParticipantView['organizationKind'],
    participation: row.participation,
    consentId: row.consent_id,
    legalBasis: row.legal_basis,
    addedBy: row.added_by,
    addedAt: new Date(row.added_at).toISOString(),
  }
}

/** Checks the ground of a share; the consent stays locked against withdrawal until the share commits. */
async function requireSharingGround(db: Kysely<Database>, actor: CaseActor, caseId: string, input: ShareCaseInput): Promise<void> {
  if (input.legalBasis !== undefined) {
    if (actor.principal.role !== 'protection_officer') refuse('legal_basis_requires_protection_officer')
    return
  }
  if (input.consentId === undefined) refuse('consent_required')
  const consent = await findConsent(db, caseId, input.consentId, 'share')
  if (!consent) refuse('consent_not_found')
  if (consent.withdrawn_at) refuse('consent_withdrawn')
  if (!consent.scopes.includes(SHARING_SCOPE)) refuse('consent_scope_missing')
}

export async function shareCase(db: Kysely<Database>, actor: CaseActor, caseId: string, input: ShareCaseInput, recordAudit: RecordAudit): Promise<ParticipantView> {
  const target = await loadReadableCase(db, actor, caseId)
  if (!actor.ability.can('share', caseSubjectOf(target))) throw new AppError('forbidden', 'Your role does not share cases')
  const organization = await findOrganizationById(db, input.organizationId)
  if (!organization) throw new AppError('unprocessable-entity', 'No such organisation', { reason: 'unknown_organization' })
  if (NON_PARTICIPATING_KINDS.includes(organization.kind as OrganizationKind)) {
    throw new AppError('unprocessable-entity', `An organisation of kind ${organization.kind} cannot participate in a case`, { reason: 'organization_cannot_participate' })
  }
  const alreadyParticipant = () => new AppError('conflict', 'This organisation already participates in the case', { reason: 'already_participant' })
  if (target.participant_organization_ids.includes(organization.id)) throw alreadyParticipant()
  await requireSharingGround(db, actor, caseId, input)
  const inserted = await insertParticipant(db, {
    organization_id: organization.id,
    case_id: caseId,
    participation: 'participant',
    consent_id: input.consentId ?? null,
    legal_basis: input.legalBasis ?? null,
    added_by: actor.principal.userId,
  })
  // A concurrent share of the same organisation got there first.
  if (!inserted) throw alreadyParticipant()
  const row = await findParticipant(db, caseId, organization.id)
  await recordAudit({ caseIds: [caseId], fields: input.consentId ? [CONSENT_FIELD] : [], targetOrganizationId: organization.id })
  return toParticipantView(row!)
}

export async function listParticipants(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<ParticipantView>> {
  const target = await loadReadableCase(db, actor, caseId)
  if (!actor.ability.can('read', caseSubjectOf(target), PARTICIPANTS_FIELD)) throw new AppError('forbidden', 'Your role may not read who participates in this case')
  const rows = await listParticipantsOfCase(db, caseId, { limit: query.limit + 1, after: query.after })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: [PARTICIPANTS_FIELD] })
  const last = page.at(-1)
  return { items: page.map(toParticipantView), nextCursor: rows.length > query.limit && last ? cursorOfId(last.organization_id) : null }
}

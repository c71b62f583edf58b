import type { Kysely } from 'kysely'
import type { CaseAccess } from '../access/case-access.js'
import { PARTICIPATION_RECORD, readableRecordFields } from '../access/record-classes.js'
import type { RecordAudit } from '../audit/audited.js'
import type { OrganizationKind } from '../auth/principal.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { detailText } from '../i18n/messages.js'
import type { Page } from '../http/pagination.js'
import { iso } from '../http/iso-time.js'
import { findOrganizationById } from '../organizations/organization.repository.js'
import { findConsent } from './consent.repository.js'
import { SHARING_SCOPE } from './consent.schemas.js'
import { CONSENT_FIELD } from './consent.service.js'
import type { ParticipantView, ShareCaseInput } from './participant.schemas.js'
import {
  type ParticipationRow,
  findParticipation,
  findParticipationOfOrganization,
  insertParticipation,
  listParticipationsOfCase,
} from './participant.repository.js'
import { cursorOfId } from './record-cursor.js'
import { REFERABLE_SECTIONS } from './referral.schemas.js'

/** Organisations that never hold a case: the platform runs the service, oversight reads all cases anyway. */
const NON_PARTICIPATING_KINDS: readonly OrganizationKind[] = ['platform', 'oversight_body']

/** Participation is one of the case's own fields (who leads, who takes part). */
const PARTICIPANTS_FIELD = PARTICIPATION_RECORD.anchor

/** Why a share was refused, as a stable code a client can branch on. */
export type SharingRefusal =
  | 'consent_required'
  | 'consent_not_found'
  | 'consent_withdrawn'
  | 'consent_scope_missing'
  | 'legal_basis_requires_protection_officer'
  | 'section_not_covered'

const REFUSALS: Readonly<Record<SharingRefusal, string>> = {
  consent_required: detailText('Sharing needs a consent whose scope covers sharing, or a legal basis given by a protection officer'),
  consent_not_found: detailText('The consent is not one recorded for this case'),
  consent_withdrawn: detailText('The consent has been withdrawn and no longer allows sharing'),
  consent_scope_missing: detailText(`The consent's scopes do not include ${SHARING_SCOPE}`),
  legal_basis_requires_protection_officer: detailText('Only a protection officer may share a case on a legal basis'),
  section_not_covered: detailText(
    'A share passes on every section of the case; your organisation takes part in some sections only, and may refer those instead',
  ),
}

/**
 * A ground that does not hold is a well-formed but wrong request (422, PRODUCT.md "Status codes");
 * a legal basis from a role that may not act on one is the role's wall (403).
 */
function refuse(reason: SharingRefusal, extensions: Record<string, unknown> = {}): never {
  throw new AppError(reason === 'legal_basis_requires_protection_officer' ? 'forbidden' : 'unprocessable-entity', REFUSALS[reason], {
    reason,
    ...extensions,
  })
}

type ParticipationField = keyof typeof PARTICIPATION_RECORD.fields

export function toParticipantView(row: ParticipationRow, readable: ReadonlySet<ParticipationField>): ParticipantView {
  const legalBasis = row.legal_basis_code
    ? {
        code: row.legal_basis_code,
        ...(readable.has('legalBasisCitation') ? { citation: row.legal_basis_citation ?? null } : {}),
      }
    : null
  return {
    id: row.id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    organizationKind: row.organization_kind,
    basis: row.basis,
    consentId: row.consent_id,
    legalBasis,
    sections: row.sections,
    grantedBy: row.granted_by,
    since: iso(row.since) as string,
    endedAt: iso(row.ended_at),
    endedBy: row.ended_by,
    ...(readable.has('endReason') ? { endReason: row.end_reason ?? null } : {}),
  }
}

const freeTextOptions = (readable: ReadonlySet<ParticipationField>) => ({
  withCitation: readable.has('legalBasisCitation'),
  withEndReason: readable.has('endReason'),
})

/** Checks the ground of a share; the consent stays locked against withdrawal until the share commits. */
export async function requireSharingGround(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: Pick<ShareCaseInput, 'consentId' | 'legalBasis'>,
): Promise<void> {
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

/** The organisation a case may be shared with, referred to or transferred to, or 422. */
export async function requireParticipatingOrganization(db: Kysely<Database>, organizationId: string) {
  const organization = await findOrganizationById(db, organizationId)
  if (!organization) throw new AppError('unprocessable-entity', 'No such organisation', { reason: 'unknown_organization' })
  if (!organization.active)
    throw new AppError('unprocessable-entity', 'This organisation is deactivated', { reason: 'organization_inactive' })
  if (NON_PARTICIPATING_KINDS.includes(organization.kind)) {
    throw new AppError('unprocessable-entity', `An organisation of kind ${organization.kind} cannot participate in a case`, {
      reason: 'organization_cannot_participate',
    })
  }
  return organization
}

/**
 * Grants a participation and records it in the case's history (never the citation: free text of
 * section legal has no place in a history entry of the case's own fields).
 */
export async function grantParticipation(
  db: Kysely<Database>,
  actor: CaseActor,
  access: CaseAccess,
  grant: {
    organizationId: string
    consentId?: string | undefined
    legalBasis?: ShareCaseInput['legalBasis']
    sections?: readonly string[] | null
  },
): Promise<ParticipantView> {
  const basis = grant.consentId ? 'consent' : 'legal_basis'
  const id = await insertParticipation(db, {
    organization_id: grant.organizationId,
    case_id: access.caseId,
    basis,
    consent_id: grant.consentId ?? null,
    legal_basis_code: grant.legalBasis?.code ?? null,
    legal_basis_citation: grant.legalBasis?.citation ?? null,
    sections: grant.sections ? [...grant.sections] : null,
    granted_by: actor.principal.userId,
  })
  // A concurrent grant to the same organisation got there first.
  if (!id) throw new AppError('conflict', 'This organisation already participates in the case', { reason: 'already_participant' })
  await insertHistory(db, [
    {
      case_id: access.caseId,
      field: PARTICIPANTS_FIELD,
      old_value: null,
      new_value: {
        participationId: id,
        organizationId: grant.organizationId,
        basis,
        legalBasisCode: grant.legalBasis?.code ?? null,
        sections: grant.sections ?? null,
      },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  const readable = readableRecordFields(access, PARTICIPATION_RECORD)
  const row = await findParticipation(db, id, access.caseId, freeTextOptions(readable))
  return toParticipantView(row as ParticipationRow, readable)
}

export async function shareCase(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: ShareCaseInput,
  recordAudit: RecordAudit,
): Promise<ParticipantView> {
  const { row, access } = await openCase(db, actor, caseId)
  access.requireAction('share', 'share cases')
  // A share grants every section: an organisation whose participation covers some sections only (a
  // referral's receiver) would pass on what it was never given. It refers those sections instead.
  const uncovered = REFERABLE_SECTIONS.filter((section) => access.wallOf(section) === 'participation')
  if (uncovered.length > 0) refuse('section_not_covered', { sections: uncovered })
  const organization = await requireParticipatingOrganization(db, input.organizationId)
  if (row.participant_organization_ids.includes(organization.id)) {
    throw new AppError('conflict', 'This organisation already participates in the case', { reason: 'already_participant' })
  }
  await requireSharingGround(db, actor, caseId, input)
  const view = await grantParticipation(db, actor, access, {
    organizationId: organization.id,
    consentId: input.consentId,
    legalBasis: input.legalBasis,
  })
  await recordAudit({
    caseIds: [caseId],
    fields: [PARTICIPANTS_FIELD, ...(input.consentId ? [CONSENT_FIELD] : [])],
    targetOrganizationId: organization.id,
    changedFields: [PARTICIPANTS_FIELD],
  })
  return view
}

export async function listParticipants(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<ParticipantView>> {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, PARTICIPATION_RECORD)
  const rows = await listParticipationsOfCase(db, caseId, { limit: query.limit + 1, after: query.after, ...freeTextOptions(readable) })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: [...new Set([...readable].map((field) => PARTICIPATION_RECORD.fields[field]))] })
  const last = page.at(-1)
  return {
    items: page.map((row) => toParticipantView(row, readable)),
    nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null,
  }
}

/** An organisation's participation in a case: the live one, or else the latest that ended; 404 when it never took part. */
export async function readParticipant(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  organizationId: string,
  recordAudit: RecordAudit,
): Promise<ParticipantView> {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, PARTICIPATION_RECORD)
  const row = await findParticipationOfOrganization(db, caseId, organizationId, freeTextOptions(readable))
  if (!row) throw notFound('participation')
  await recordAudit({ caseIds: [caseId], fields: [...new Set([...readable].map((field) => PARTICIPATION_RECORD.fields[field]))] })
  return toParticipantView(row, readable)
}

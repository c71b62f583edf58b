import type { Kysely } from 'kysely'
import { NOTE_RECORD, PARTICIPATION_RECORD, readableRecordFields } from '../access/record-classes.js'
import type { RecordAudit } from '../audit/audited.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { findParticipation } from './participant.repository.js'
import type { ParticipantView } from './participant.schemas.js'
import { toParticipantView } from './participant.service.js'
import { endParticipation, liveParticipation, pendingTransferOfCase } from './transfer.repository.js'
import { endReferralsOfEndedParticipations } from './referral.service.js'

export interface EndParticipationInput {
  readonly reason?: string | undefined
}

/**
 * Ends an organisation's participation (PRODUCT.md, "End of participation"): by the lead
 * organisation, or by a protection officer on the Procuraduría's legal authority. The lead cannot be
 * ended (a transfer moves it instead). Access ends on the organisation's next request.
 */
export async function endParticipationOf(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  organizationId: string,
  input: EndParticipationInput,
  recordAudit: RecordAudit,
): Promise<ParticipantView> {
  const { row, access } = await openCase(db, actor, caseId, { forUpdate: true })
  access.requireAction('end_participation', 'end participation')
  if (!access.isLead && actor.principal.role !== 'protection_officer') {
    throw new AppError('forbidden', 'Only the lead organisation or a protection officer ends a participation', { reason: 'not_lead' })
  }
  const reason = input.reason?.trim()
  if (!reason) throw new AppError('unprocessable-entity', 'Say why the participation ends', { reason: 'reason_required' })
  // The reason is free text of section notes.
  access.refuseUnwritable('create', [NOTE_RECORD.anchor])
  if (String(row.access_lead_organization_id) === organizationId) {
    throw new AppError('conflict', 'The lead organisation cannot be ended; transfer the case instead', { reason: 'lead_cannot_be_ended' })
  }
  const live = await liveParticipation(db, caseId, organizationId)
  if (!live) throw notFound('participation')
  const pending = await pendingTransferOfCase(db, caseId)
  if (pending?.to_organization_id === organizationId) {
    throw new AppError('conflict', 'A transfer to this organisation is pending; it accepts or declines it first', {
      reason: 'transfer_pending',
    })
  }
  const ended = await endParticipation(db, caseId, organizationId, actor.principal.userId, reason)
  if (!ended) throw notFound('participation')
  const entry = { case_id: caseId, actor_id: actor.principal.userId, request_id: actor.requestId }
  // A referral accepted into this participation ends with it.
  await endReferralsOfEndedParticipations(db, actor, caseId)
  await insertHistory(db, [
    {
      ...entry,
      field: PARTICIPATION_RECORD.anchor,
      old_value: { participationId: ended, organizationId, basis: live.basis, endedAt: null },
      new_value: { participationId: ended, organizationId, basis: live.basis, ended: true },
    },
    { ...entry, field: NOTE_RECORD.anchor, old_value: null, new_value: { participationId: ended, endReason: reason } },
  ])
  const readable = readableRecordFields(access, PARTICIPATION_RECORD)
  const participation = await findParticipation(db, ended, caseId, {
    withCitation: readable.has('legalBasisCitation'),
    withEndReason: readable.has('endReason'),
  })
  await recordAudit({ caseIds: [caseId], fields: [PARTICIPATION_RECORD.anchor, NOTE_RECORD.anchor], targetOrganizationId: organizationId })
  return toParticipantView(participation!, readable)
}

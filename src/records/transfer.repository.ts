import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import { accessFactSelections } from '../access/case-access-sql.js'
import type { ScopeFilter, SectionBump } from '../cases/case.repository.js'
import type { Database, TransferTable } from '../db/schema.js'
import type { TransferStatus } from './transfer.schemas.js'

export type TransferRow = Selectable<TransferTable>

export async function insertTransfer(db: Kysely<Database>, row: Insertable<TransferTable>): Promise<TransferRow> {
  return db.insertInto('transfers').values(row).returningAll().executeTakeFirstOrThrow()
}

/** A transfer of this case. */
export async function findTransferOfCase(db: Kysely<Database>, caseId: string, id: string): Promise<TransferRow | undefined> {
  return db.selectFrom('transfers').selectAll().where('id', '=', id).where('case_id', '=', caseId).executeTakeFirst()
}

/**
 * A transfer that the organisation sent or received, locked until the decision commits: of two
 * concurrent decisions the second waits here and then finds the transfer decided.
 */
export async function lockTransferOfOrganization(
  db: Kysely<Database>,
  id: string,
  organizationId: string,
): Promise<TransferRow | undefined> {
  return db
    .selectFrom('transfers')
    .selectAll()
    .where('id', '=', id)
    .where((eb) => eb.or([eb('from_organization_id', '=', organizationId), eb('to_organization_id', '=', organizationId)]))
    .forUpdate()
    .executeTakeFirst()
}

export async function pendingTransferOfCase(db: Kysely<Database>, caseId: string): Promise<TransferRow | undefined> {
  return db.selectFrom('transfers').selectAll().where('case_id', '=', caseId).where('status', '=', 'pending').executeTakeFirst()
}

export async function listTransfersOfCase(
  db: Kysely<Database>,
  caseId: string,
  options: { limit: number; after: string | undefined },
): Promise<TransferRow[]> {
  let query = db.selectFrom('transfers').selectAll().where('case_id', '=', caseId).orderBy('id').limit(options.limit)
  if (options.after) query = query.where('id', '>', options.after)
  return query.execute()
}

/** Settles a pending transfer; undefined when it was not pending any more. */
export async function decideTransfer(
  db: Kysely<Database>,
  id: string,
  decision: { status: 'accepted' | 'declined'; decidedBy: string; declineReason?: string | null },
): Promise<TransferRow | undefined> {
  return db
    .updateTable('transfers')
    .set({
      status: decision.status,
      decided_by: decision.decidedBy,
      decided_at: sql<Date>`now()`,
      decline_reason: decision.declineReason ?? null,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst()
}

export type InboxRow = TransferRow & {
  stage: string
  participant_organization_ids: string[]
  access_lead_organization_id: unknown
  participation_sections: unknown
  withheld_sections: unknown
}

/**
 * The transfers an organisation sent or received, newest first, of cases in the reader's scope
 * only, with the access rule's facts of each case selected beside it (one statement).
 */
export async function listTransfersOfOrganization(
  db: Kysely<Database>,
  scope: ScopeFilter,
  organizationId: string,
  options: { direction: 'incoming' | 'outgoing'; status: TransferStatus | undefined; limit: number; before: string | undefined },
): Promise<InboxRow[]> {
  let query = db
    .selectFrom('transfers')
    .innerJoin('cases', 'cases.id', 'transfers.case_id')
    .selectAll('transfers')
    .select(['cases.stage', ...accessFactSelections(organizationId)])
    .where(options.direction === 'incoming' ? 'transfers.to_organization_id' : 'transfers.from_organization_id', '=', organizationId)
    // The scope is written for a builder over `cases` alone; here `cases` is joined to `transfers`.
    .where((eb) => scope(eb as never))
    .orderBy('transfers.id', 'desc')
    .limit(options.limit)
  if (options.status) query = query.where('transfers.status', '=', options.status)
  if (options.before) query = query.where('transfers.id', '<', options.before)
  return (await query.execute()) as unknown as InboxRow[]
}

/** Declines every pending transfer resting on this consent, in the withdrawal's transaction; their ids. */
export async function declineTransfersOnConsent(db: Kysely<Database>, consentId: string, decidedBy: string): Promise<string[]> {
  const rows = await db
    .updateTable('transfers')
    .set({ status: 'declined', decided_by: decidedBy, decided_at: sql<Date>`now()`, decline_reason: 'consent_withdrawn' })
    .where('consent_id', '=', consentId)
    .where('status', '=', 'pending')
    .returning('id')
    .execute()
  return rows.map((row) => row.id)
}

/** Sets custody.procuraduriaNotifiedAt when unset (the hand-over notifies the Procuraduría); whether it did. */
export async function markProcuraduriaNotified(db: Kysely<Database>, caseId: string, at: string, bump: SectionBump): Promise<boolean> {
  const row = await db
    .updateTable('cases')
    .set({
      custody: sql<string>`COALESCE(cases.custody, '{}'::jsonb) || jsonb_build_object('procuraduriaNotifiedAt', ${at}::text)`,
      ...bump,
    })
    .where('id', '=', caseId)
    .where(sql<boolean>`(cases.custody ->> 'procuraduriaNotifiedAt') IS NULL`)
    .returning('id')
    .executeTakeFirst()
  return row !== undefined
}

/** Makes the organisation the case's lead. */
export async function setLeadOrganization(db: Kysely<Database>, caseId: string, organizationId: string, bump: SectionBump): Promise<void> {
  await db
    .updateTable('cases')
    .set({ lead_organization_id: organizationId, ...bump })
    .where('id', '=', caseId)
    .execute()
}

/** Ends a live participation; the ended row's id, or undefined when it was not live. */
export async function endParticipation(
  db: Kysely<Database>,
  caseId: string,
  organizationId: string,
  endedBy: string,
  reason: string,
): Promise<string | undefined> {
  const row = await db
    .updateTable('case_participants')
    .set({ ended_at: sql<Date>`now()`, ended_by: endedBy, end_reason: reason })
    .where('case_id', '=', caseId)
    .where('organization_id', '=', organizationId)
    .where('ended_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  return row?.id
}

export async function liveParticipation(db: Kysely<Database>, caseId: string, organizationId: string) {
  return db
    .selectFrom('case_participants')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('organization_id', '=', organizationId)
    .where('ended_at', 'is', null)
    .executeTakeFirst()
}

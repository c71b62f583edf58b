import { type Insertable, type Kysely, sql } from 'kysely'
import type { Database, ReferralTable } from '../db/schema.js'
import type { ReferralOutcome, ReferralStatus } from './referral.schemas.js'

export interface ReferralFreeText {
  readonly withCitation: boolean
  readonly withNotes: boolean
}

/** The free text of a referral is selected only for readers of its section (access/record-classes.ts). */
export const NO_FREE_TEXT: ReferralFreeText = { withCitation: false, withNotes: false }

function referrals(db: Kysely<Database>, freeText: ReferralFreeText) {
  return db
    .selectFrom('referrals')
    .innerJoin('cases', 'cases.id', 'referrals.case_id')
    .innerJoin('organizations as sender', 'sender.id', 'referrals.from_organization_id')
    .innerJoin('organizations as receiver', 'receiver.id', 'referrals.to_organization_id')
    .select([
      'referrals.id',
      'referrals.case_id',
      'cases.case_number',
      'cases.child_ref',
      'referrals.from_organization_id',
      'sender.name as from_organization_name',
      'referrals.to_organization_id',
      'receiver.name as to_organization_name',
      'referrals.service',
      'referrals.sections',
      // A date as its own text: a driver's Date would move it by the session's time zone.
      sql<string>`to_char(referrals.respond_by, 'YYYY-MM-DD')`.as('respond_by'),
      'referrals.status',
      'referrals.requested_by',
      'referrals.requested_at',
      'referrals.consent_id',
      'referrals.legal_basis_code',
      'referrals.decided_by',
      'referrals.decided_at',
      'referrals.outcome',
      'referrals.completed_by',
      'referrals.completed_at',
      'referrals.participation_id',
      'referrals.ended_at',
      'referrals.end_reason',
    ])
    .$if(freeText.withCitation, (query) => query.select('referrals.legal_basis_citation'))
    .$if(freeText.withNotes, (query) => query.select(['referrals.decline_reason', 'referrals.completion_notes']))
}

export type ReferralRow = Awaited<ReturnType<ReturnType<typeof referrals>['executeTakeFirstOrThrow']>> & {
  legal_basis_citation?: string | null
  decline_reason?: string | null
  completion_notes?: string | null
}

/** Inserts a referral unless one to the same organisation is pending on the case; its id, or undefined. */
export async function insertReferral(db: Kysely<Database>, row: Insertable<ReferralTable>): Promise<string | undefined> {
  const inserted = await db
    .insertInto('referrals')
    .values(row)
    .onConflict((oc) => oc.columns(['case_id', 'to_organization_id']).where('status', '=', 'pending').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted?.id
}

export async function findReferralOfCase(db: Kysely<Database>, caseId: string, id: string, freeText: ReferralFreeText) {
  return (await referrals(db, freeText).where('referrals.id', '=', id).where('referrals.case_id', '=', caseId).executeTakeFirst()) as
    | ReferralRow
    | undefined
}

/** A referral, whatever the caller; the service decides who may see it. */
export async function findReferral(db: Kysely<Database>, id: string, freeText: ReferralFreeText = NO_FREE_TEXT) {
  return (await referrals(db, freeText).where('referrals.id', '=', id).executeTakeFirst()) as ReferralRow | undefined
}

/** The referral's row, locked against a concurrent decision until this transaction ends. */
export async function lockReferral(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('referrals')
    .select(['id', 'case_id', 'status', 'consent_id', 'to_organization_id'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
}

export async function listReferralsOfCase(
  db: Kysely<Database>,
  caseId: string,
  options: { limit: number; after: string | undefined } & ReferralFreeText,
) {
  let query = referrals(db, options).where('referrals.case_id', '=', caseId).orderBy('referrals.id').limit(options.limit)
  if (options.after) query = query.where('referrals.id', '>', options.after)
  return (await query.execute()) as ReferralRow[]
}

/**
 * An organisation's inbox (referrals to it) or outbox (referrals it made, of cases it still takes
 * part in: an organisation whose participation ended no longer hears of the case).
 */
export async function listReferralsOfOrganization(
  db: Kysely<Database>,
  organizationId: string,
  options: { direction: 'incoming' | 'outgoing'; status: ReferralStatus | undefined; limit: number; after: string | undefined },
) {
  let query = referrals(db, NO_FREE_TEXT).orderBy('referrals.id').limit(options.limit)
  if (options.direction === 'incoming') query = query.where('referrals.to_organization_id', '=', organizationId)
  else query = query.where('referrals.from_organization_id', '=', organizationId).where(participatesNow(organizationId))
  if (options.status) query = query.where('referrals.status', '=', options.status)
  if (options.after) query = query.where('referrals.id', '>', options.after)
  return (await query.execute()) as ReferralRow[]
}

const participatesNow = (organizationId: string) =>
  sql<boolean>`EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = referrals.case_id AND p.organization_id = ${organizationId}::uuid AND p.ended_at IS NULL)`

/** Whether the organisation takes part in the case now. */
export async function participatesIn(db: Kysely<Database>, caseId: string, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('case_participants')
    .select('id')
    .where('case_id', '=', caseId)
    .where('organization_id', '=', organizationId)
    .where('ended_at', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

export async function markAccepted(db: Kysely<Database>, id: string, decidedBy: string, participationId: string): Promise<void> {
  await db
    .updateTable('referrals')
    .set({ status: 'accepted', decided_by: decidedBy, decided_at: sql<Date>`now()`, participation_id: participationId })
    .where('id', '=', id)
    .execute()
}

export async function markDeclined(db: Kysely<Database>, id: string, decidedBy: string, reason: string): Promise<void> {
  await db
    .updateTable('referrals')
    .set({ status: 'declined', decided_by: decidedBy, decided_at: sql<Date>`now()`, decline_reason: reason })
    .where('id', '=', id)
    .execute()
}

export async function markCompleted(
  db: Kysely<Database>,
  id: string,
  completedBy: string,
  outcome: ReferralOutcome,
  notes: string | null,
): Promise<void> {
  await db
    .updateTable('referrals')
    .set({ status: 'completed', completed_by: completedBy, completed_at: sql<Date>`now()`, outcome, completion_notes: notes })
    .where('id', '=', id)
    .execute()
}

/** Ends the pending referrals that rest on the consent; returns them (id, case, receiver). */
export async function endPendingReferralsOnConsent(db: Kysely<Database>, consentId: string) {
  return db
    .updateTable('referrals')
    .set({ status: 'ended', ended_at: sql<Date>`now()`, end_reason: 'consent_withdrawn' })
    .where('consent_id', '=', consentId)
    .where('status', '=', 'pending')
    .returning(['id', 'case_id', 'to_organization_id'])
    .execute()
}

/** Ends the accepted referrals of the case whose participation has ended; returns them. */
export async function endAcceptedReferralsWithoutParticipation(db: Kysely<Database>, caseId: string) {
  return db
    .updateTable('referrals')
    .set({ status: 'ended', ended_at: sql<Date>`now()`, end_reason: 'participation_ended' })
    .where('case_id', '=', caseId)
    .where('status', '=', 'accepted')
    .where(sql<boolean>`EXISTS (SELECT 1 FROM case_participants p WHERE p.id = referrals.participation_id AND p.ended_at IS NOT NULL)`)
    .returning(['id', 'case_id', 'to_organization_id'])
    .execute()
}

import { memoBy } from '../shared/memo.js'
import { StatementTemplates, insertRowsStatement } from '../db/statement-template.js'
import { v7 as uuidv7 } from 'uuid'
import { type Expression, type ExpressionBuilder, type InsertObject, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { CaseTable, Database } from '../db/schema.js'
import { accessFactSelections, unwalledFieldsSql } from '../access/case-access-sql.js'
import { type AuditEventBase, insertAuditEventFrom } from '../audit/audit.repository.js'
import { GUARD_FACT_COLUMNS } from '../lifecycle/guard.repository.js'
import { assigneeOf } from './assignment.repository.js'
import type { CaseViewSection, Stage } from './case-sections.js'

type CaseExpressionBuilder = ExpressionBuilder<Database, 'cases'>

/** Derived values computed in SQL, so their inputs (a date of birth, say) are never selected. */
export const derived = {
  ageBracket: sql<string | null>`CASE
      WHEN cases.date_of_birth IS NULL THEN NULL
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 6 THEN '0-5'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 12 THEN '6-11'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 15 THEN '12-14'
      WHEN date_part('year', age(current_date, cases.date_of_birth)) < 18 THEN '15-17'
      ELSE '18+' END`,
  daysInDetention: sql<number>`cases.detention_days_closed + CASE WHEN cases.in_detention
      THEN (current_date - cases.placement_since::date) + 1 ELSE 0 END`,
  guardianAppointed: sql<boolean>`(cases.legal -> 'guardian' ->> 'appointedAt') IS NOT NULL`,
  legallyRepresented: sql<boolean>`(cases.legal -> 'representation' ->> 'attorneyName') IS NOT NULL`,
}

/**
 * The columns each section needs; a section the caller may not read is not selected at all. The
 * access rule's facts and the per-section versions come with every row (they are no case data).
 */
export function sectionSelections(eb: CaseExpressionBuilder, reader: CaseSelection) {
  const { sections } = reader
  const selections: unknown[] = [
    eb.ref('cases.id'),
    eb.ref('cases.stage'),
    eb.ref('cases.section_versions'),
    eb.ref('cases.section_updated_at'),
    ...accessFactSelections(reader.organizationId),
  ]
  const add = (...expressions: unknown[]) => selections.push(...expressions)
  if (sections.has('case')) {
    add(
      eb.ref('cases.case_number'),
      eb.ref('cases.child_ref'),
      eb.ref('cases.status'),
      eb.ref('cases.risk_level'),
      eb.ref('cases.lead_organization_id'),
      eb.ref('cases.opened_at'),
      eb.ref('cases.closed_at'),
      eb.ref('cases.closure_reason'),
      assigneeOf(reader.organizationId).as('assigned_to'),
    )
  }
  if (sections.has('demographics')) add(eb.ref('cases.demographics'), derived.ageBracket.as('age_bracket'))
  if (sections.has('identity')) add(eb.ref('cases.identity'))
  if (sections.has('contact')) add(eb.ref('cases.contact'))
  if (sections.has('health')) add(eb.ref('cases.health'))
  if (sections.has('protection')) add(eb.ref('cases.protection'))
  if (sections.has('custody')) {
    add(
      eb.ref('cases.custody'),
      eb.ref('cases.placement_type'),
      eb.ref('cases.placement_since'),
      eb.ref('cases.responsible_organization_id'),
      eb.ref('cases.in_detention'),
      derived.daysInDetention.as('days_in_detention'),
    )
  }
  if (sections.has('legalStatus')) {
    add(
      eb.ref('cases.legal_status'),
      derived.guardianAppointed.as('guardian_appointed'),
      derived.legallyRepresented.as('legally_represented'),
    )
  }
  if (sections.has('legal')) add(eb.ref('cases.legal'))
  if (sections.has('bestInterests')) add(eb.ref('cases.best_interests'))
  // The list depends on the reader's sections, which Kysely cannot follow: the rows are typed by
  // SelectedCaseRow, whose keys are present only when their section was selected.
  return selections as never[]
}

/** A case row as selected for some set of sections: only the selected keys are present. */
export interface SelectedCaseRow {
  id: string
  stage: Stage
  section_versions: Record<string, number>
  section_updated_at: Record<string, string>
  participant_organization_ids: string[]
  [column: string]: unknown
}

/** What a read selects: the sections the caller may read, for the caller's organisation. */
export interface CaseSelection {
  readonly sections: ReadonlySet<CaseViewSection | 'case'>
  readonly organizationId: string
}

export type ScopeFilter = (eb: CaseExpressionBuilder) => Expression<SqlBool>

export async function findCaseInScope(
  db: Kysely<Database>,
  id: string,
  scope: ScopeFilter,
  reader: CaseSelection,
  options: { forUpdate?: boolean } = {},
): Promise<SelectedCaseRow | undefined> {
  const statement = CASE_READS.fill(scope, `${selectionShape(reader)}|${options.forUpdate === true}`, { id }, (slot) => {
    const query = db
      .selectFrom('cases')
      .select((eb) => sectionSelections(eb, reader))
      .where('cases.id', '=', slot('id'))
      .where((eb) => scope(eb))
    return (options.forUpdate ? query.forUpdate() : query).compile()
  })
  return (await db.executeQuery<SelectedCaseRow>(statement)).rows[0]
}

/**
 * The hot statements on one case are built once per shape and filled in per request
 * (db/statement-template.ts). The scope filter is kept per ability (access/case-scope.ts), so it
 * owns the reads; what else fixes a statement is in its shape.
 */
const CASE_READS = new StatementTemplates<ScopeFilter, 'id'>()
const CASE_UPDATES = new StatementTemplates<object, string>()

/** What a selection contributes to a statement's text (kept per selection, which the service keeps per ability). */
export const selectionShape = memoBy((reader: CaseSelection) => `${[...reader.sections].sort().join(',')}|${reader.organizationId}`)

/** A field list as part of a shape, once per list. */
const fieldsShape = memoBy((fields: readonly string[]) => fields.join(','))

/**
 * The audited read in one statement: the case as findCaseInScope selects it, and the allowed event
 * naming it and the fields the reader sees on it (`disclosable`: the fields the role may read, sorted
 * and unique, which the walls narrow in SQL). The row comes back only joined to its event, so no
 * event means no data, in one round trip. The event's fields come back as one comma-separated text
 * (`audited_fields`), cheaper to take apart than an array, for the service to compare with its view.
 * A case the reader does not reach, or whose own fields a wall keeps from it, returns nothing and
 * records nothing: the caller answers 404 and records that.
 */
export async function findCaseInScopeAudited(
  db: Kysely<Database>,
  id: string,
  scope: ScopeFilter,
  reader: CaseSelection,
  disclosable: readonly string[],
  event: AuditEventBase,
  options: { guardFacts?: boolean } = {},
): Promise<(SelectedCaseRow & { audited_fields: string }) | undefined> {
  // The scope filter is kept per ability (access/case-scope.ts); with the sections, the organisation
  // and the fields it fixes the statement, so that is built once and filled in per request.
  const shape = `${selectionShape(reader)}|${fieldsShape(disclosable)}|${options.guardFacts === true}`
  const values: Record<AuditedReadSlot, unknown> = {
    id,
    requestId: event.requestId,
    clientRequestId: event.clientRequestId ?? null,
    actorId: event.actorId,
    actorRole: event.actorRole,
    actorOrganizationId: event.actorOrganizationId,
    action: event.action,
    policyVersion: event.policyVersion,
    targetOrganizationId: event.targetOrganizationId ?? null,
    targetUserId: event.targetUserId ?? null,
  }
  const statement = AUDITED_READS.fill(scope, shape, values, (slot) => {
    // The guard facts ride along for a reader who may move cases on (its guidance needs them).
    const found = db
      .selectFrom('cases')
      .select((eb) => [...sectionSelections(eb, reader), ...(options.guardFacts ? GUARD_FACT_COLUMNS : [])])
      .where('cases.id', '=', slot('id'))
      .where((eb) => scope(eb))
    const audit = insertAuditEventFrom(
      {
        requestId: slot('requestId'),
        clientRequestId: slot('clientRequestId'),
        actorId: slot('actorId'),
        actorRole: slot('actorRole'),
        actorOrganizationId: slot('actorOrganizationId'),
        action: slot('action'),
        policyVersion: slot('policyVersion'),
        targetOrganizationId: slot('targetOrganizationId'),
        targetUserId: slot('targetUserId'),
      },
      {
        source: sql`disclosed`,
        caseIds: sql<string[]>`ARRAY[disclosed.id]`,
        fields: sql<string[]>`disclosed.fields`,
        where: sql<boolean>`${'case.id'}::text = ANY (disclosed.fields)`,
      },
    )
    return sql`WITH found AS (${found}),
      disclosed AS (SELECT found.id, ${unwalledFieldsSql('found', reader.organizationId, disclosable)} AS fields FROM found),
      audit AS (${audit})
      SELECT found.*, array_to_string(audit.fields, ',') AS audited_fields FROM found CROSS JOIN audit`.compile(db)
  })
  const { rows } = await db.executeQuery<SelectedCaseRow & { audited_fields: string }>(statement)
  return rows[0]
}

type AuditedReadSlot = 'id' | keyof AuditEventBase
const AUDITED_READS = new StatementTemplates<ScopeFilter, AuditedReadSlot>()

export async function caseExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('cases').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

/** A condition that a section of each listed case is open to the reader (access/case-access-sql.ts). */
export type SectionOpen = (section: string) => RawBuilder<boolean>

export async function nextCaseNumber(db: Kysely<Database>, year: number): Promise<number> {
  const row = await db
    .insertInto('case_number_counters')
    .values({ year, last_value: 1 })
    .onConflict((oc) => oc.column('year').doUpdateSet({ last_value: sql`case_number_counters.last_value + 1` }))
    .returning('last_value')
    .executeTakeFirstOrThrow()
  return row.last_value
}

export async function insertCase(db: Kysely<Database>, row: InsertObject<Database, 'cases'>): Promise<void> {
  await db.insertInto('cases').values(row).execute()
}

export async function insertLeadParticipation(
  db: Kysely<Database>,
  caseId: string,
  organizationId: string,
  grantedBy: string,
): Promise<void> {
  await db
    .insertInto('case_participants')
    .values({ id: uuidv7(), organization_id: organizationId, case_id: caseId, basis: 'lead', granted_by: grantedBy })
    .execute()
}

/**
 * Applies a write to a case whose row the caller has locked, bumps the versions of the sections it
 * touches, and answers the case as changed, with the reader's sections: one statement instead of an
 * update and a second read.
 */
export async function updateCaseReturning(
  db: Kysely<Database>,
  id: string,
  changes: import('kysely').Updateable<CaseTable>,
  touchedSections: readonly string[],
  reader: CaseSelection,
): Promise<SelectedCaseRow> {
  // A column left undefined is not set (as Kysely would skip it).
  const columns = Object.keys(changes)
    .filter((column) => (changes as Record<string, unknown>)[column] !== undefined)
    .sort()
  const values: Record<string, unknown> = { id }
  for (const column of columns) values[`set:${column}`] = (changes as Record<string, unknown>)[column]
  const shape = `${columns.join(',')}|${touchedSections.join(',')}|${selectionShape(reader)}`
  const statement = CASE_UPDATES.fill(CASE_UPDATES, shape, values, (slot) =>
    db
      .updateTable('cases')
      .set({ ...Object.fromEntries(columns.map((column) => [column, slot(`set:${column}`)])), ...sectionBump(touchedSections) })
      .where('id', '=', slot('id'))
      .returning((eb) => sectionSelections(eb as CaseExpressionBuilder, reader))
      .compile(),
  )
  const [row] = (await db.executeQuery<SelectedCaseRow>(statement)).rows
  if (!row) throw new Error(`the case ${id} was not there to update`)
  return row
}

/**
 * The SET of any write to the cases table: the touched sections' versions go up by one and their
 * change time becomes now (in UTC text, whatever the session's time zone), so a reader's ETag
 * moves only when a section it may read changes (PRODUCT.md, "Versions and ETags per reader").
 */
/** The columns a write to a case sets besides its own: the versions and times of the sections it touches. */
export type SectionBump = ReturnType<typeof sectionBump>

export function sectionBump(sections: readonly string[]) {
  const unique = [...new Set(sections)]
  const versions = unique.map((section) => sql`${section}::text, COALESCE((cases.section_versions ->> ${section})::integer, 0) + 1`)
  const times = unique.map((section) => sql`${section}::text, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)
  return {
    section_versions: sql<string>`cases.section_versions || jsonb_build_object(${sql.join(versions)})`,
    section_updated_at: sql<string>`cases.section_updated_at || jsonb_build_object(${sql.join(times)})`,
    version: sql<number>`cases.version + 1`,
    updated_at: sql<Date>`now()`,
  }
}

export async function insertHistory(
  db: Kysely<Database>,
  entries: { case_id: string; field: string; old_value: unknown; new_value: unknown; actor_id: string; request_id: string }[],
): Promise<void> {
  if (entries.length === 0) return
  // The values before and after are stored as JSON; a field that was not there is null.
  const rows = entries.map((entry) => ({
    ...entry,
    old_value: entry.old_value === undefined ? null : JSON.stringify(entry.old_value),
    new_value: entry.new_value === undefined ? null : JSON.stringify(entry.new_value),
  }))
  await db.executeQuery(insertRowsStatement(db, 'case_history', HISTORY_COLUMNS, rows))
}

const HISTORY_COLUMNS = ['case_id', 'field', 'old_value', 'new_value', 'actor_id', 'request_id'] as const

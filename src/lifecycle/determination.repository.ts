import type { Insertable, Kysely, Updateable } from 'kysely'
import { sql } from 'kysely'
import type { Database, DeterminationTable } from '../db/schema.js'

const DELIBERATION_COLUMNS = ['trigger', 'panel', 'child_views', 'factors', 'options_considered', 'rationale', 'dissent'] as const
const OUTCOME_COLUMNS = ['status', 'supersedes_id', 'created_by', 'outcome', 'decided_at'] as const

export interface DeterminationRow {
  id: string
  case_id: string
  status?: 'draft' | 'decided' | 'superseded'
  supersedes_id?: string | null
  created_by?: string
  outcome?: string | null
  decided_at?: Date | null
  review_due_at?: string | null
  trigger?: string
  panel?: Record<string, unknown>[]
  child_views?: string | null
  factors?: Record<string, string>
  options_considered?: Record<string, unknown>[]
  rationale?: string | null
  dissent?: string | null
  created_at: Date
  version: number
}

/** What a read selects: the deliberation columns only for those who may read them. */
export interface DeterminationColumns {
  readonly outcome: boolean
  readonly deliberation: boolean
}

function selectDeterminations(db: Kysely<Database>, columns: DeterminationColumns) {
  return db.selectFrom('determinations').select(
    (eb) =>
      [
        eb.ref('id'),
        eb.ref('case_id'),
        eb.ref('created_at'),
        eb.ref('version'),
        ...(columns.outcome
          ? [...OUTCOME_COLUMNS.map((column) => eb.ref(column)), sql<string | null>`review_due_at::text`.as('review_due_at')]
          : []),
        ...(columns.deliberation ? DELIBERATION_COLUMNS.map((column) => eb.ref(column)) : []),
        // eb.ref gives unaliased expressions, which Kysely's select types refuse; the rows are typed by DeterminationRow.
      ] as never[],
  )
}

export async function listDeterminations(db: Kysely<Database>, caseId: string, columns: DeterminationColumns): Promise<DeterminationRow[]> {
  return (await selectDeterminations(db, columns)
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as DeterminationRow[]
}

export async function findDetermination(
  db: Kysely<Database>,
  caseId: string,
  id: string,
  columns: DeterminationColumns,
): Promise<DeterminationRow | undefined> {
  return (await selectDeterminations(db, columns).where('case_id', '=', caseId).where('id', '=', id).executeTakeFirst()) as
    | DeterminationRow
    | undefined
}

/** The full row, for the service's own checks (never returned as it is). */
export async function findDeterminationForUpdate(db: Kysely<Database>, caseId: string, id: string) {
  return db
    .selectFrom('determinations')
    .select(['id', 'status', 'supersedes_id', 'panel', 'child_views', 'rationale', 'version', 'created_at'])
    .where('case_id', '=', caseId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
}

export async function insertDetermination(db: Kysely<Database>, row: Insertable<DeterminationTable>): Promise<void> {
  await db.insertInto('determinations').values(row).execute()
}

/** Changes a draft only: a decided determination never changes here. */
export async function updateDraft(
  db: Kysely<Database>,
  id: string,
  expectedVersion: number,
  changes: Updateable<DeterminationTable>,
): Promise<boolean> {
  const result = await db
    .updateTable('determinations')
    .set({ ...changes, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .where('status', '=', 'draft')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function markSuperseded(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('determinations')
    .set({ status: 'superseded', version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'decided')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Whether the case has a decided determination (not superseded) other than this one. */
export async function otherDecidedDetermination(db: Kysely<Database>, caseId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('determinations')
    .select('id')
    .where('case_id', '=', caseId)
    .where('status', '=', 'decided')
    .where('id', '<>', id)
    .executeTakeFirst()
  return row !== undefined
}

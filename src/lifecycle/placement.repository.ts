import type { Insertable, Kysely } from 'kysely'
import type { Database, PlacementTable } from '../db/schema.js'
import type { PlacementEndReason, PlacementType } from './placement.schemas.js'

const BASE_COLUMNS = [
  'id',
  'case_id',
  'type',
  'responsible_organization_id',
  'started_at',
  'ended_at',
  'end_reason_code',
  'created_at',
  'version',
  'backdated',
] as const

export interface PlacementRow {
  id: string
  case_id: string
  type: PlacementType
  facility_name?: string | null
  facility_address?: string | null
  responsible_organization_id: string | null
  legal_basis?: string | null
  started_at: Date
  ended_at: Date | null
  end_reason_code: PlacementEndReason | null
  end_notes?: string | null
  created_at: Date
  version: number
  backdated: boolean
}

/** Columns behind a wall of their own, selected only for readers who may read them. */
export interface PlacementColumns {
  readonly facilityName: boolean
  readonly facilityAddress: boolean
  readonly legalBasis: boolean
  readonly endNotes: boolean
}

const columnsFor = (columns: PlacementColumns) => [
  ...BASE_COLUMNS,
  ...(columns.facilityName ? (['facility_name'] as const) : []),
  ...(columns.facilityAddress ? (['facility_address'] as const) : []),
  ...(columns.legalBasis ? (['legal_basis'] as const) : []),
  ...(columns.endNotes ? (['end_notes'] as const) : []),
]

export async function listPlacements(db: Kysely<Database>, caseId: string, columns: PlacementColumns): Promise<PlacementRow[]> {
  return (await db
    .selectFrom('placements')
    .select(columnsFor(columns))
    .where('case_id', '=', caseId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute()) as PlacementRow[]
}

export async function findPlacement(
  db: Kysely<Database>,
  caseId: string,
  id: string,
  columns: PlacementColumns,
): Promise<PlacementRow | undefined> {
  return (await db
    .selectFrom('placements')
    .select(columnsFor(columns))
    .where('case_id', '=', caseId)
    .where('id', '=', id)
    .executeTakeFirst()) as PlacementRow | undefined
}

export async function findCurrentPlacement(db: Kysely<Database>, caseId: string) {
  return db
    .selectFrom('placements')
    .select(['id', 'type', 'started_at'])
    .where('case_id', '=', caseId)
    .where('ended_at', 'is', null)
    .executeTakeFirst()
}

export async function insertPlacement(db: Kysely<Database>, row: Insertable<PlacementTable>): Promise<void> {
  await db.insertInto('placements').values(row).execute()
}

/** Ends a placement if it still has the expected version and is open; false otherwise. */
export async function endPlacement(
  db: Kysely<Database>,
  id: string,
  change: { endedAt: string; endReasonCode: PlacementEndReason; endNotes?: string | null; expectedVersion?: number },
): Promise<boolean> {
  let query = db
    .updateTable('placements')
    .set((eb) => ({
      ended_at: change.endedAt,
      end_reason_code: change.endReasonCode,
      end_notes: change.endNotes ?? null,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('ended_at', 'is', null)
  if (change.expectedVersion !== undefined) query = query.where('version', '=', change.expectedVersion)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function organizationExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

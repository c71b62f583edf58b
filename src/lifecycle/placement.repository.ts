import type { Insertable, Kysely } from 'kysely'
import type { Database, PlacementTable } from '../db/schema.js'

const BASE_COLUMNS = ['id', 'case_id', 'type', 'responsible_organization_id', 'legal_basis', 'started_at', 'ended_at', 'end_reason', 'created_at', 'version'] as const
const FACILITY_COLUMNS = ['facility_name', 'facility_address'] as const

export interface PlacementRow {
  id: string
  case_id: string
  type: string
  facility_name?: string | null
  facility_address?: string | null
  responsible_organization_id: string | null
  legal_basis: string | null
  started_at: Date
  ended_at: Date | null
  end_reason: string | null
  created_at: Date
  version: number
}

/** Facility columns are selected only for callers who may read them. */
const columnsFor = (withFacility: boolean) => (withFacility ? [...BASE_COLUMNS, ...FACILITY_COLUMNS] : [...BASE_COLUMNS])

export async function listPlacements(db: Kysely<Database>, caseId: string, withFacility: boolean): Promise<PlacementRow[]> {
  return (await db
    .selectFrom('placements')
    .select(columnsFor(withFacility))
    .where('case_id', '=', caseId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute()) as PlacementRow[]
}

export async function findPlacement(db: Kysely<Database>, caseId: string, id: string, withFacility: boolean): Promise<PlacementRow | undefined> {
  return (await db
    .selectFrom('placements')
    .select(columnsFor(withFacility))
    .where('case_id', '=', caseId)
    .where('id', '=', id)
    .executeTakeFirst()) as PlacementRow | undefined
}

export async function findCurrentPlacement(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('placements').select(['id', 'started_at']).where('case_id', '=', caseId).where('ended_at', 'is', null).executeTakeFirst()
}

export async function insertPlacement(db: Kysely<Database>, row: Insertable<PlacementTable>): Promise<void> {
  await db.insertInto('placements').values(row).execute()
}

/** Ends a placement if it still has the expected version and is open; false otherwise. */
export async function endPlacement(
  db: Kysely<Database>,
  id: string,
  change: { endedAt: string; endReason: string; expectedVersion?: number },
): Promise<boolean> {
  let query = db
    .updateTable('placements')
    .set((eb) => ({ ended_at: change.endedAt, end_reason: change.endReason, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('ended_at', 'is', null)
  if (change.expectedVersion !== undefined) query = query.where('version', '=', change.expectedVersion)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function organizationExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

import { type Kysely, sql } from 'kysely'

// The record holds (issue 13): a placement date recorded more than a few minutes after the fact is
// marked backdated, and every retroactive change of a placement's dates is kept with its reason, so
// a correction of detention days reaches oversight as an alert.
const statements = [
  `ALTER TABLE placements ADD COLUMN backdated boolean NOT NULL DEFAULT false`,
  `CREATE TABLE placement_corrections (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     placement_id uuid NOT NULL REFERENCES placements (id),
     placement_type text NOT NULL,
     field text NOT NULL CHECK (field IN ('endedAt')),
     corrected_to timestamptz NOT NULL,
     detention_days_before integer NOT NULL,
     detention_days_after integer NOT NULL,
     reason text NOT NULL,
     corrected_by uuid NOT NULL REFERENCES users (id),
     corrected_by_organization_id uuid NOT NULL REFERENCES organizations (id),
     request_id text NOT NULL,
     recorded_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX placement_corrections_case_idx ON placement_corrections (case_id, recorded_at)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE placement_corrections`.execute(db)
  await sql`ALTER TABLE placements DROP COLUMN backdated`.execute(db)
}

import { type Kysely, sql } from 'kysely'

// Each participating organisation assigns a case to one of its own users (PRODUCT.md, "Assignment"):
// one row per case and organisation, so "my cases" and the tasks of a user are one index lookup.
const statements = [
  `CREATE TABLE case_assignments (
     case_id uuid NOT NULL REFERENCES cases (id),
     organization_id uuid NOT NULL REFERENCES organizations (id),
     user_id uuid NOT NULL REFERENCES users (id),
     assigned_by uuid NOT NULL REFERENCES users (id),
     assigned_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (case_id, organization_id)
   )`,
  `CREATE INDEX case_assignments_user_idx ON case_assignments (user_id, case_id)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE case_assignments`.execute(db)
}

import { type Kysely, sql } from 'kysely'

const statements = [
  // Case notes (section `notes`): free text by the people working the case, edited under If-Match.
  `CREATE TABLE case_notes (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     author_id uuid NOT NULL REFERENCES users (id),
     body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 8000),
     category text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     version integer NOT NULL DEFAULT 1
   )`,
  `CREATE INDEX case_notes_case_idx ON case_notes (case_id, id)`,
  // History is read per case and filtered to the fields the reader may read.
  `CREATE INDEX case_history_case_field_idx ON case_history (case_id, field, id)`,
  // A share names the organisation it let in; other events leave it empty.
  `ALTER TABLE audit_events ADD COLUMN target_organization_id uuid`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'ALTER TABLE audit_events DROP COLUMN IF EXISTS target_organization_id',
    'DROP INDEX IF EXISTS case_history_case_field_idx',
    'DROP TABLE IF EXISTS case_notes',
  ]) {
    await sql.raw(statement).execute(db)
  }
}

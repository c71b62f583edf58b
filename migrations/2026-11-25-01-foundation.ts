import { type Kysely, sql } from 'kysely'

// Migrations are frozen in time: they take Kysely<any> and never import application types.
// Each statement runs on its own because PGlite's extended protocol takes one statement at a time.
const statements = [
  `CREATE TABLE organizations (
     id uuid PRIMARY KEY,
     name text NOT NULL UNIQUE,
     kind text NOT NULL CHECK (kind IN ('migration_authority', 'child_protection_authority',
       'civil_society', 'legal_aid', 'oversight_body', 'platform')),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE users (
     id uuid PRIMARY KEY,
     subject text NOT NULL UNIQUE,
     display_name text NOT NULL,
     role text NOT NULL CHECK (role IN ('migration_officer', 'protection_officer', 'ngo_caseworker',
       'attorney', 'oversight_auditor', 'system_admin')),
     organization_id uuid NOT NULL REFERENCES organizations (id),
     active boolean NOT NULL DEFAULT true,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX users_organization_idx ON users (organization_id)`,
  // Secrets the instance makes for itself once (e.g. the key of the childRef pseudonym).
  `CREATE TABLE instance_secrets (
     name text PRIMARY KEY,
     value text NOT NULL
   )`,
  // A create retried with the same Idempotency-Key answers the first result.
  `CREATE TABLE idempotency_keys (
     user_id uuid NOT NULL REFERENCES users (id),
     key text NOT NULL,
     request_hash text NOT NULL,
     resource_id uuid NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (user_id, key)
   )`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['idempotency_keys', 'instance_secrets', 'users', 'organizations']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db)
  }
}

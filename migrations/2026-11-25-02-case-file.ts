import { type Kysely, sql } from 'kysely'

const STAGES = `'identification', 'custody', 'guardianship', 'legal_representation', 'best_interest_determination', 'durable_solution', 'closed'`

const statements = [
  // One row per case; each section is a JSON document so a read selects only the sections the
  // caller may see. Derived fields (placement, determination) are kept in columns of their own.
  `CREATE TABLE cases (
     id uuid PRIMARY KEY,
     case_number text NOT NULL UNIQUE,
     child_ref text NOT NULL UNIQUE,
     stage text NOT NULL DEFAULT 'identification' CHECK (stage IN (${STAGES})),
     status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
     risk_level text NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
     lead_organization_id uuid NOT NULL REFERENCES organizations (id),
     opened_at timestamptz NOT NULL DEFAULT now(),
     closed_at timestamptz,
     closure_reason text CHECK (closure_reason IN ('solution_achieved', 'turned_18', 'transferred', 'death', 'no_longer_needed')),
     version integer NOT NULL DEFAULT 1,
     updated_at timestamptz NOT NULL DEFAULT now(),
     created_by uuid NOT NULL REFERENCES users (id),
     date_of_birth date,
     demographics jsonb NOT NULL DEFAULT '{}',
     identity jsonb NOT NULL DEFAULT '{}',
     contact jsonb NOT NULL DEFAULT '{}',
     health jsonb NOT NULL DEFAULT '{}',
     protection jsonb NOT NULL DEFAULT '{}',
     custody jsonb NOT NULL DEFAULT '{}',
     legal_status jsonb NOT NULL DEFAULT '{}',
     legal jsonb NOT NULL DEFAULT '{}',
     placement_type text,
     placement_since timestamptz,
     responsible_organization_id uuid REFERENCES organizations (id),
     in_detention boolean NOT NULL DEFAULT false,
     detention_days_closed integer NOT NULL DEFAULT 0,
     best_interests jsonb
   )`,
  `CREATE INDEX cases_stage_idx ON cases (stage, id)`,
  `CREATE INDEX cases_in_detention_idx ON cases (id) WHERE in_detention`,
  // Case numbers run per year: ATD-2026-000123.
  `CREATE TABLE case_number_counters (
     year integer PRIMARY KEY,
     last_value integer NOT NULL
   )`,
  `CREATE TABLE consents (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     given_by text NOT NULL,
     scopes text[] NOT NULL,
     withheld jsonb NOT NULL DEFAULT '[]',
     given_at timestamptz NOT NULL,
     withdrawn_at timestamptz,
     notes text,
     recorded_by uuid NOT NULL REFERENCES users (id),
     created_at timestamptz NOT NULL DEFAULT now(),
     version integer NOT NULL DEFAULT 1
   )`,
  `CREATE INDEX consents_case_idx ON consents (case_id)`,
  // Object scope: an organisation reaches a case when it participates in it. The primary key
  // (organization_id, case_id) is the index every scoped list walks.
  `CREATE TABLE case_participants (
     organization_id uuid NOT NULL REFERENCES organizations (id),
     case_id uuid NOT NULL REFERENCES cases (id),
     participation text NOT NULL CHECK (participation IN ('lead', 'participant')),
     consent_id uuid REFERENCES consents (id),
     legal_basis text,
     added_by uuid NOT NULL REFERENCES users (id),
     added_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organization_id, case_id)
   )`,
  `CREATE INDEX case_participants_case_idx ON case_participants (case_id)`,
  // Field-level change history: one row per field changed, so reads filter by field in SQL.
  `CREATE TABLE case_history (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     field text NOT NULL,
     old_value jsonb,
     new_value jsonb,
     actor_id uuid NOT NULL REFERENCES users (id),
     changed_at timestamptz NOT NULL DEFAULT now(),
     request_id text NOT NULL
   )`,
  `CREATE INDEX case_history_case_idx ON case_history (case_id, id)`,
  // Who saw or changed what: names of fields, never values.
  `CREATE TABLE audit_events (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     occurred_at timestamptz NOT NULL DEFAULT now(),
     request_id text NOT NULL,
     actor_id uuid,
     actor_role text,
     actor_organization_id uuid,
     action text NOT NULL,
     case_ids uuid[] NOT NULL DEFAULT '{}',
     fields text[] NOT NULL DEFAULT '{}',
     outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
     reason text,
     policy_version text NOT NULL
   )`,
  `CREATE INDEX audit_events_case_idx ON audit_events USING gin (case_ids)`,
  `CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id)`,
  `CREATE INDEX audit_events_organization_idx ON audit_events (actor_organization_id, id)`,
  `CREATE INDEX audit_events_time_idx ON audit_events (occurred_at)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_events', 'case_history', 'case_participants', 'consents', 'case_number_counters', 'cases']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db)
  }
}

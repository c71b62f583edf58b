import { type Kysely, sql } from 'kysely'

const STAGES = `'identification', 'custody', 'guardianship', 'legal_representation', 'best_interest_determination', 'durable_solution', 'closed'`
const PLACEMENT_TYPES = `'migration_station', 'inm_temporary_custody', 'dif_shelter', 'dif_first_reception', 'ngo_shelter', 'foster_family', 'kinship_care', 'supervised_independent_living', 'family_reunified'`
const OUTCOMES = `'family_reunification', 'assisted_return', 'local_integration', 'resettlement', 'maintain_arrangement', 'change_arrangement'`

const statements = [
  // Where the child lives, over time. The case's custody columns derive from the open row.
  `CREATE TABLE placements (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     type text NOT NULL CHECK (type IN (${PLACEMENT_TYPES})),
     facility_name text,
     facility_address text,
     responsible_organization_id uuid REFERENCES organizations (id),
     legal_basis text,
     started_at timestamptz NOT NULL,
     ended_at timestamptz,
     end_reason text,
     created_by uuid NOT NULL REFERENCES users (id),
     created_at timestamptz NOT NULL DEFAULT now(),
     version integer NOT NULL DEFAULT 1,
     CHECK (ended_at IS NULL OR ended_at >= started_at)
   )`,
  `CREATE INDEX placements_case_idx ON placements (case_id, started_at)`,
  // One current placement per case, enforced by the database as well as by the service.
  `CREATE UNIQUE INDEX placements_current_idx ON placements (case_id) WHERE ended_at IS NULL`,
  `CREATE TABLE stage_transitions (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     from_stage text NOT NULL CHECK (from_stage IN (${STAGES})),
     to_stage text NOT NULL CHECK (to_stage IN (${STAGES})),
     reason text,
     closure_reason text,
     actor_id uuid NOT NULL REFERENCES users (id),
     actor_role text NOT NULL,
     at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX stage_transitions_case_idx ON stage_transitions (case_id, at)`,
  `CREATE TABLE assessments (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     assessor_id uuid NOT NULL REFERENCES users (id),
     findings jsonb NOT NULL DEFAULT '{}',
     recommendation text,
     status text NOT NULL CHECK (status IN ('draft', 'completed')),
     completed_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     version integer NOT NULL DEFAULT 1,
     CHECK ((status = 'completed') = (completed_at IS NOT NULL))
   )`,
  `CREATE INDEX assessments_case_idx ON assessments (case_id, created_at)`,
  `CREATE TABLE determinations (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     status text NOT NULL CHECK (status IN ('draft', 'decided', 'superseded')),
     trigger text NOT NULL,
     panel jsonb NOT NULL DEFAULT '[]',
     child_views text,
     factors jsonb NOT NULL DEFAULT '{}',
     options_considered jsonb NOT NULL DEFAULT '[]',
     rationale text,
     dissent text,
     outcome text CHECK (outcome IN (${OUTCOMES})),
     decided_at timestamptz,
     review_due_at date,
     supersedes_id uuid REFERENCES determinations (id),
     created_by uuid NOT NULL REFERENCES users (id),
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     version integer NOT NULL DEFAULT 1,
     CHECK ((status = 'draft') = (outcome IS NULL AND decided_at IS NULL))
   )`,
  `CREATE INDEX determinations_case_idx ON determinations (case_id, created_at)`,
  // A decided determination is superseded at most once.
  `CREATE UNIQUE INDEX determinations_supersedes_idx ON determinations (supersedes_id) WHERE status <> 'draft'`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['determinations', 'assessments', 'stage_transitions', 'placements']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db)
  }
}

import { type Kysely, sql } from 'kysely'

// One access rule for every door (PRODUCT.md, "Object scope", "Free text", "Records and their
// authors", "Versions and ETags per reader"):
// - a participation is a record with its basis, the sections it covers and its end, so the same
//   organisation can take part, leave and come back, and the history stays;
// - every record carries its author's organisation, which alone may correct it;
// - free text that a migration officer or an auditor could have read becomes a code beside a note;
// - a case keeps a version and a change time per section, so a reader's ETag moves only when a
//   section it may read changes.
const statements = [
  // --- participation as a record
  `ALTER TABLE case_participants ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid()`,
  `ALTER TABLE case_participants DROP CONSTRAINT case_participants_pkey`,
  `ALTER TABLE case_participants ADD PRIMARY KEY (id)`,
  `ALTER TABLE case_participants ADD COLUMN basis text`,
  `ALTER TABLE case_participants ADD COLUMN legal_basis_code text`,
  `ALTER TABLE case_participants ADD COLUMN sections text[]`,
  `ALTER TABLE case_participants ADD COLUMN ended_at timestamptz`,
  `ALTER TABLE case_participants ADD COLUMN ended_by uuid REFERENCES users (id)`,
  `ALTER TABLE case_participants ADD COLUMN end_reason text`,
  // Shares on a legal basis were free text until now: it stays as the citation, under a code that
  // says which authority the Procuraduría used (a protection measure, the usual one).
  `UPDATE case_participants SET
     basis = CASE WHEN participation = 'lead' THEN 'lead' WHEN consent_id IS NOT NULL THEN 'consent' ELSE 'legal_basis' END,
     legal_basis_code = CASE WHEN participation <> 'lead' AND consent_id IS NULL THEN 'protection_measure' END`,
  `ALTER TABLE case_participants ALTER COLUMN basis SET NOT NULL`,
  `ALTER TABLE case_participants DROP COLUMN participation`,
  `ALTER TABLE case_participants RENAME COLUMN legal_basis TO legal_basis_citation`,
  `ALTER TABLE case_participants RENAME COLUMN added_by TO granted_by`,
  `ALTER TABLE case_participants RENAME COLUMN added_at TO since`,
  `ALTER TABLE case_participants ADD CONSTRAINT case_participants_basis_check
     CHECK (basis IN ('lead', 'consent', 'legal_basis')
       AND (basis <> 'consent' OR consent_id IS NOT NULL)
       AND (basis <> 'legal_basis' OR legal_basis_code IS NOT NULL))`,
  `ALTER TABLE case_participants ADD CONSTRAINT case_participants_end_check
     CHECK ((ended_at IS NULL) = (ended_by IS NULL))`,
  // The index every scoped read walks: an organisation's live participations.
  `CREATE UNIQUE INDEX case_participants_live_idx ON case_participants (organization_id, case_id) WHERE ended_at IS NULL`,

  // --- records carry their author's organisation
  `ALTER TABLE case_notes ADD COLUMN author_organization_id uuid REFERENCES organizations (id)`,
  `UPDATE case_notes SET author_organization_id = (SELECT organization_id FROM users WHERE users.id = case_notes.author_id)`,
  `ALTER TABLE case_notes ALTER COLUMN author_organization_id SET NOT NULL`,
  `ALTER TABLE case_notes ADD COLUMN entered_in_error boolean NOT NULL DEFAULT false`,
  `ALTER TABLE assessments ADD COLUMN author_organization_id uuid REFERENCES organizations (id)`,
  `UPDATE assessments SET author_organization_id = (SELECT organization_id FROM users WHERE users.id = assessments.assessor_id)`,
  `ALTER TABLE assessments ALTER COLUMN author_organization_id SET NOT NULL`,
  `ALTER TABLE determinations ADD COLUMN author_organization_id uuid REFERENCES organizations (id)`,
  `UPDATE determinations SET author_organization_id = (SELECT organization_id FROM users WHERE users.id = determinations.created_by)`,
  `ALTER TABLE determinations ALTER COLUMN author_organization_id SET NOT NULL`,
  `ALTER TABLE consents ADD COLUMN recorded_by_organization_id uuid REFERENCES organizations (id)`,
  `UPDATE consents SET recorded_by_organization_id = (SELECT organization_id FROM users WHERE users.id = consents.recorded_by)`,
  `ALTER TABLE consents ALTER COLUMN recorded_by_organization_id SET NOT NULL`,
  `ALTER TABLE placements ADD COLUMN created_by_organization_id uuid REFERENCES organizations (id)`,
  `UPDATE placements SET created_by_organization_id = (SELECT organization_id FROM users WHERE users.id = placements.created_by)`,
  `ALTER TABLE placements ALTER COLUMN created_by_organization_id SET NOT NULL`,

  // --- a placement's end: a code anyone reading custody may read, the prose in notes
  `ALTER TABLE placements RENAME COLUMN end_reason TO end_notes`,
  `ALTER TABLE placements ADD COLUMN end_reason_code text`,
  `UPDATE placements SET end_reason_code = CASE WHEN end_notes = 'replaced_by_new_placement' THEN 'replaced_by_new_placement' ELSE 'other' END,
     end_notes = CASE WHEN end_notes = 'replaced_by_new_placement' THEN NULL ELSE end_notes END
   WHERE ended_at IS NOT NULL`,
  `ALTER TABLE placements ADD CONSTRAINT placements_end_reason_check CHECK ((ended_at IS NULL) = (end_reason_code IS NULL))`,

  // --- a version and a change time per section of the case file
  `ALTER TABLE cases ADD COLUMN section_versions jsonb NOT NULL DEFAULT '{}'`,
  `ALTER TABLE cases ADD COLUMN section_updated_at jsonb NOT NULL DEFAULT '{}'`,
  // Every reader reads the top-level section: starting it at the old version keeps the ETags that
  // clients hold valid across the upgrade.
  `UPDATE cases SET section_versions = jsonb_build_object('case', version),
     section_updated_at = jsonb_build_object('case', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(): Promise<void> {
  throw new Error('2026-12-01-01-one-door cannot be undone: it merges participation rows and renames columns')
}

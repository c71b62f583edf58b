import { type Kysely, sql } from 'kysely'

// A case moves between agencies (PRODUCT.md, "Object scope"): the hand-over of a migration
// authority to child protection (Migration Law art. 112) and transfers of responsibility between
// any two organisations. The receiver participates from the request on; on acceptance it leads.
const statements = [
  `CREATE TABLE transfers (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     kind text NOT NULL CHECK (kind IN ('handover', 'responsibility')),
     from_organization_id uuid NOT NULL REFERENCES organizations (id),
     to_organization_id uuid NOT NULL REFERENCES organizations (id),
     consent_id uuid REFERENCES consents (id),
     legal_basis_code text,
     legal_basis_citation text,
     -- the participation the request granted the receiver; null when it took part before
     receiver_participation_id uuid REFERENCES case_participants (id),
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
     requested_by uuid NOT NULL REFERENCES users (id),
     requested_at timestamptz NOT NULL DEFAULT now(),
     decided_by uuid REFERENCES users (id),
     decided_at timestamptz,
     decline_reason text,
     CHECK ((consent_id IS NULL) <> (legal_basis_code IS NULL)),
     CHECK ((status = 'pending') = (decided_at IS NULL)),
     CHECK ((decided_at IS NULL) = (decided_by IS NULL)),
     CHECK (status <> 'declined' OR decline_reason IS NOT NULL),
     CHECK (from_organization_id <> to_organization_id)
   )`,
  // One pending transfer per case: a second request waits for the first to be decided.
  `CREATE UNIQUE INDEX transfers_one_pending_idx ON transfers (case_id) WHERE status = 'pending'`,
  `CREATE INDEX transfers_case_idx ON transfers (case_id, id)`,
  `CREATE INDEX transfers_incoming_idx ON transfers (to_organization_id, status, id)`,
  `CREATE INDEX transfers_outgoing_idx ON transfers (from_organization_id, status, id)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE transfers`.execute(db)
}

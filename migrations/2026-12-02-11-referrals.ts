import { type Kysely, sql } from 'kysely'

// Referrals for a service (PRODUCT.md, "Object scope", Referral): the receiver sees a stub until it
// accepts; on acceptance it participates with the referred sections only (participation_id).
// Codes are checked here as well as in the service, so no path can store a value outside the lists.
const statements = [
  `CREATE TABLE referrals (
     id uuid PRIMARY KEY,
     case_id uuid NOT NULL REFERENCES cases (id),
     from_organization_id uuid NOT NULL REFERENCES organizations (id),
     to_organization_id uuid NOT NULL REFERENCES organizations (id),
     service text NOT NULL CHECK (service IN ('legal_representation', 'psychosocial', 'shelter', 'health', 'education', 'family_tracing', 'interpretation')),
     sections text[] NOT NULL CHECK (cardinality(sections) > 0),
     consent_id uuid REFERENCES consents (id),
     legal_basis_code text CHECK (legal_basis_code IN ('migration_law_handover', 'protection_measure', 'court_order', 'emergency_protection')),
     legal_basis_citation text,
     respond_by date NOT NULL,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'completed', 'ended')),
     requested_by uuid NOT NULL REFERENCES users (id),
     requested_at timestamptz NOT NULL DEFAULT now(),
     decided_by uuid REFERENCES users (id),
     decided_at timestamptz,
     decline_reason text,
     outcome text CHECK (outcome IN ('provided', 'partially_provided', 'not_provided')),
     completion_notes text,
     completed_by uuid REFERENCES users (id),
     completed_at timestamptz,
     participation_id uuid REFERENCES case_participants (id),
     ended_at timestamptz,
     end_reason text CHECK (end_reason IN ('consent_withdrawn', 'participation_ended')),
     CONSTRAINT referrals_basis_check CHECK ((consent_id IS NULL) <> (legal_basis_code IS NULL)),
     CONSTRAINT referrals_not_to_self CHECK (from_organization_id <> to_organization_id),
     CONSTRAINT referrals_decided_check CHECK ((status = 'pending') = (decided_at IS NULL) OR status = 'ended'),
     CONSTRAINT referrals_declined_check CHECK (status <> 'declined' OR decline_reason IS NOT NULL),
     CONSTRAINT referrals_completed_check CHECK ((status = 'completed') = (outcome IS NOT NULL AND completed_at IS NOT NULL)),
     CONSTRAINT referrals_ended_check CHECK ((status = 'ended') = (ended_at IS NOT NULL))
   )`,
  `CREATE INDEX referrals_case_idx ON referrals (case_id, id)`,
  // The inboxes: incoming and outgoing, by status, in id (time) order.
  `CREATE INDEX referrals_incoming_idx ON referrals (to_organization_id, status, id)`,
  `CREATE INDEX referrals_outgoing_idx ON referrals (from_organization_id, status, id)`,
  // A withdrawal ends the pending referrals resting on the consent.
  `CREATE INDEX referrals_consent_idx ON referrals (consent_id) WHERE status = 'pending'`,
  `CREATE INDEX referrals_participation_idx ON referrals (participation_id) WHERE status = 'accepted'`,
  // One open request per case and receiver: a second would race the first to one participation.
  `CREATE UNIQUE INDEX referrals_one_pending_idx ON referrals (case_id, to_organization_id) WHERE status = 'pending'`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE referrals`.execute(db)
}

import { type Kysely, sql } from 'kysely'

/**
 * Administration on record, and organisations that can be deactivated.
 *
 * An audit event now says, beside the fields its answer disclosed (`fields`), the fields it
 * changed (`changed_fields`), the user an administrative act was about (`target_user_id`), and how
 * many attempts it stands for (`event_count`: repeated refused tokens from one address are one
 * event per window). Links sealed from now on are of form 3, whose hash covers these columns too;
 * links of forms 1 and 2 keep their own definitions, so old links and checkpoints stay verifiable.
 */
const statements = [
  `ALTER TABLE organizations ADD COLUMN active boolean NOT NULL DEFAULT true`,
  `ALTER TABLE audit_events ADD COLUMN changed_fields text[] NOT NULL DEFAULT '{}'`,
  `ALTER TABLE audit_events ADD COLUMN target_user_id uuid`,
  `ALTER TABLE audit_events ADD COLUMN event_count integer NOT NULL DEFAULT 1 CHECK (event_count >= 1)`,
  `CREATE INDEX audit_events_target_user ON audit_events (target_user_id) WHERE target_user_id IS NOT NULL`,
  `ALTER TABLE audit_chain DROP CONSTRAINT audit_chain_form_check`,
  `ALTER TABLE audit_chain ADD CONSTRAINT audit_chain_form_check CHECK (form IN (1, 2, 3))`,
  // Form 3: form 2's array with changed_fields, target_user_id and event_count appended.
  `CREATE FUNCTION audit_link_hash_3(prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT encode(sha256(convert_to(prev_hash || json_build_array(
       seq, e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.request_id, e.actor_id, e.actor_role, e.actor_organization_id, e.action, e.case_ids, e.fields,
       e.outcome, e.reason, e.policy_version, e.target_organization_id,
       e.changed_fields, e.target_user_id, e.event_count)::text, 'UTF8')), 'hex')
   $$`,
  `CREATE OR REPLACE FUNCTION audit_link_hash(form smallint, prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT CASE form WHEN 3 THEN audit_link_hash_3(prev_hash, seq, e) WHEN 2 THEN audit_link_hash_2(prev_hash, seq, e)
       WHEN 1 THEN audit_link_hash_1(prev_hash, seq, e) END
   $$`,
  `CREATE OR REPLACE FUNCTION audit_seal(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
   DECLARE
     head_seq bigint;
     head_hash text;
     seqs bigint[] := '{}';
     ids bigint[] := '{}';
     prevs text[] := '{}';
     hashes text[] := '{}';
     e audit_events;
   BEGIN
     SELECT c.seq, c.hash INTO head_seq, head_hash FROM audit_chain c ORDER BY c.seq DESC LIMIT 1;
     IF NOT FOUND THEN
       head_seq := 0;
       head_hash := repeat('0', 64);
     END IF;
     FOR e IN SELECT ev.* FROM (SELECT event_id FROM audit_pending ORDER BY event_id LIMIT batch) p
         JOIN audit_events ev ON ev.id = p.event_id ORDER BY ev.id LOOP
       head_seq := head_seq + 1;
       seqs := seqs || head_seq;
       ids := ids || e.id;
       prevs := prevs || head_hash;
       head_hash := audit_link_hash_3(head_hash, head_seq, e);
       hashes := hashes || head_hash;
     END LOOP;
     INSERT INTO audit_chain (seq, event_id, prev_hash, hash, form)
       SELECT s, i, p, h, 3 FROM unnest(seqs, ids, prevs, hashes) AS u(s, i, p, h);
     DELETE FROM audit_pending WHERE event_id = ANY (ids);
     RETURN cardinality(ids);
   END
   $$`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  // Links of form 3 cannot be verified without their definition: a database that sealed any keeps it.
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM audit_chain WHERE form = 3`.execute(db)
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error('The chain holds links of form 3; this migration cannot be undone')
  for (const statement of [
    `CREATE OR REPLACE FUNCTION audit_seal(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
     DECLARE
       head_seq bigint;
       head_hash text;
       seqs bigint[] := '{}';
       ids bigint[] := '{}';
       prevs text[] := '{}';
       hashes text[] := '{}';
       e audit_events;
     BEGIN
       SELECT c.seq, c.hash INTO head_seq, head_hash FROM audit_chain c ORDER BY c.seq DESC LIMIT 1;
       IF NOT FOUND THEN
         head_seq := 0;
         head_hash := repeat('0', 64);
       END IF;
       FOR e IN SELECT ev.* FROM (SELECT event_id FROM audit_pending ORDER BY event_id LIMIT batch) p
           JOIN audit_events ev ON ev.id = p.event_id ORDER BY ev.id LOOP
         head_seq := head_seq + 1;
         seqs := seqs || head_seq;
         ids := ids || e.id;
         prevs := prevs || head_hash;
         head_hash := audit_link_hash_2(head_hash, head_seq, e);
         hashes := hashes || head_hash;
       END LOOP;
       INSERT INTO audit_chain (seq, event_id, prev_hash, hash, form)
         SELECT s, i, p, h, 2 FROM unnest(seqs, ids, prevs, hashes) AS u(s, i, p, h);
       DELETE FROM audit_pending WHERE event_id = ANY (ids);
       RETURN cardinality(ids);
     END
     $$`,
    `CREATE OR REPLACE FUNCTION audit_link_hash(form smallint, prev_hash text, seq bigint, e audit_events) RETURNS text
     LANGUAGE sql STABLE PARALLEL SAFE AS $$
       SELECT CASE form WHEN 2 THEN audit_link_hash_2(prev_hash, seq, e) WHEN 1 THEN audit_link_hash_1(prev_hash, seq, e) END
     $$`,
    'DROP FUNCTION IF EXISTS audit_link_hash_3(text, bigint, audit_events)',
    'ALTER TABLE audit_chain DROP CONSTRAINT audit_chain_form_check',
    'ALTER TABLE audit_chain ADD CONSTRAINT audit_chain_form_check CHECK (form IN (1, 2))',
    'DROP INDEX IF EXISTS audit_events_target_user',
    'ALTER TABLE audit_events DROP COLUMN IF EXISTS event_count',
    'ALTER TABLE audit_events DROP COLUMN IF EXISTS target_user_id',
    'ALTER TABLE audit_events DROP COLUMN IF EXISTS changed_fields',
    'ALTER TABLE organizations DROP COLUMN IF EXISTS active',
  ]) {
    await sql.raw(statement).execute(db)
  }
}

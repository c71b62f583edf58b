import { type Kysely, sql } from 'kysely'

/**
 * The caller's own request id on record, beside the server's.
 *
 * A caller's X-Request-Id that is a plain token (letters, digits, `.`, `_`, `:`, `-`; 1 to 64
 * characters) is kept in `audit_events.client_request_id`, so an event joins to the caller's own
 * records; anything else is never kept, and the database refuses it too. The server's own id stays
 * `request_id`: a caller's id could repeat another caller's. Links sealed from now on are of form 4,
 * whose hash covers the new column too; links of forms 1, 2 and 3 keep their own definitions, so old
 * links and checkpoints stay verifiable.
 */
const sealer = (form: number) => `CREATE OR REPLACE FUNCTION audit_seal(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
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
       head_hash := audit_link_hash_${form}(head_hash, head_seq, e);
       hashes := hashes || head_hash;
     END LOOP;
     INSERT INTO audit_chain (seq, event_id, prev_hash, hash, form)
       SELECT s, i, p, h, ${form} FROM unnest(seqs, ids, prevs, hashes) AS u(s, i, p, h);
     DELETE FROM audit_pending WHERE event_id = ANY (ids);
     RETURN cardinality(ids);
   END
   $$`

const statements = [
  `ALTER TABLE audit_events ADD COLUMN client_request_id text
     CONSTRAINT audit_events_client_request_id_check CHECK (client_request_id ~ '^[A-Za-z0-9._:-]{1,64}$')`,
  `ALTER TABLE audit_chain DROP CONSTRAINT audit_chain_form_check`,
  `ALTER TABLE audit_chain ADD CONSTRAINT audit_chain_form_check CHECK (form IN (1, 2, 3, 4))`,
  // Form 4: form 3's array with client_request_id appended.
  `CREATE FUNCTION audit_link_hash_4(prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT encode(sha256(convert_to(prev_hash || json_build_array(
       seq, e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.request_id, e.actor_id, e.actor_role, e.actor_organization_id, e.action, e.case_ids, e.fields,
       e.outcome, e.reason, e.policy_version, e.target_organization_id,
       e.changed_fields, e.target_user_id, e.event_count, e.client_request_id)::text, 'UTF8')), 'hex')
   $$`,
  `CREATE OR REPLACE FUNCTION audit_link_hash(form smallint, prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT CASE form WHEN 4 THEN audit_link_hash_4(prev_hash, seq, e) WHEN 3 THEN audit_link_hash_3(prev_hash, seq, e)
       WHEN 2 THEN audit_link_hash_2(prev_hash, seq, e) WHEN 1 THEN audit_link_hash_1(prev_hash, seq, e) END
   $$`,
  sealer(4),
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  // Links of form 4 cannot be verified without their definition: a database that sealed any keeps it.
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM audit_chain WHERE form = 4`.execute(db)
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error('The chain holds links of form 4; this migration cannot be undone')
  for (const statement of [
    sealer(3),
    `CREATE OR REPLACE FUNCTION audit_link_hash(form smallint, prev_hash text, seq bigint, e audit_events) RETURNS text
     LANGUAGE sql STABLE PARALLEL SAFE AS $$
       SELECT CASE form WHEN 3 THEN audit_link_hash_3(prev_hash, seq, e) WHEN 2 THEN audit_link_hash_2(prev_hash, seq, e)
         WHEN 1 THEN audit_link_hash_1(prev_hash, seq, e) END
     $$`,
    'DROP FUNCTION IF EXISTS audit_link_hash_4(text, bigint, audit_events)',
    'ALTER TABLE audit_chain DROP CONSTRAINT audit_chain_form_check',
    'ALTER TABLE audit_chain ADD CONSTRAINT audit_chain_form_check CHECK (form IN (1, 2, 3))',
    'ALTER TABLE audit_events DROP COLUMN IF EXISTS client_request_id',
  ]) {
    await sql.raw(statement).execute(db)
  }
}

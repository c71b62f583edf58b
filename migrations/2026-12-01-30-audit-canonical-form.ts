import { type Kysely, sql } from 'kysely'

/**
 * One definition of a link's hash, in the database, that reads the same under every session
 * setting (time zone, DateStyle, IntervalStyle, extra_float_digits, locale) and major version: the
 * sealer computes hashes with it and verify recomputes them with it, a million in one statement.
 * README ("For auditors") publishes it for anyone who checks the chain with tools of their own.
 */
const statements = [
  // Links sealed before this migration (and by a sealer that predates it, during a rolling
  // upgrade: it names no form) are of form 1; the sealer below writes form 2. Old links are never
  // rewritten, so checkpoints kept outside the system stay valid.
  `ALTER TABLE audit_chain ADD COLUMN form smallint NOT NULL DEFAULT 1 CHECK (form IN (1, 2))`,
  // Form 2: SHA-256 (lowercase hex) of the UTF-8 bytes of prev_hash followed by the JSON array of
  // the link's sequence and the event's columns in this fixed order, as json_build_array prints it
  // (", " between the values; lists as compact JSON arrays of strings). The time is always UTC
  // with six fraction digits, rendered by to_char, which no DateStyle or TimeZone setting touches.
  `CREATE FUNCTION audit_link_hash_2(prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT encode(sha256(convert_to(prev_hash || json_build_array(
       seq, e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       e.request_id, e.actor_id, e.actor_role, e.actor_organization_id, e.action, e.case_ids, e.fields,
       e.outcome, e.reason, e.policy_version, e.target_organization_id)::text, 'UTF8')), 'hex')
   $$`,
  // Form 1, the first sealer's: SHA-256 of the canonical JSON (keys sorted, no spaces) of
  // {"event": the row's non-NULL columns, "prevHash", "seq"}, the time as to_jsonb printed it in
  // UTC (fraction without trailing zeros, "+00:00"). Written out here so it no longer depends on
  // the session's time zone; the keys below are already in sorted order.
  `CREATE FUNCTION audit_json_utc(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
       || coalesce('.' || nullif(rtrim(to_char(t AT TIME ZONE 'UTC', 'US'), '0'), ''), '') || '+00:00'
   $$`,
  `CREATE FUNCTION audit_link_hash_1(prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT encode(sha256(convert_to('{"event":{' || concat_ws(',',
       '"action":' || to_json(e.action)::text,
       '"actor_id":' || to_json(e.actor_id)::text,
       '"actor_organization_id":' || to_json(e.actor_organization_id)::text,
       '"actor_role":' || to_json(e.actor_role)::text,
       '"case_ids":' || array_to_json(e.case_ids)::text,
       '"fields":' || array_to_json(e.fields)::text,
       '"id":' || e.id::text,
       '"occurred_at":"' || audit_json_utc(e.occurred_at) || '"',
       '"outcome":' || to_json(e.outcome)::text,
       '"policy_version":' || to_json(e.policy_version)::text,
       '"reason":' || to_json(e.reason)::text,
       '"request_id":' || to_json(e.request_id)::text,
       '"target_organization_id":' || to_json(e.target_organization_id)::text
     ) || '},"prevHash":' || to_json(prev_hash)::text || ',"seq":' || seq::text || '}', 'UTF8')), 'hex')
   $$`,
  // What verify recomputes for each link: the hash of its own form.
  `CREATE FUNCTION audit_link_hash(form smallint, prev_hash text, seq bigint, e audit_events) RETURNS text
   LANGUAGE sql STABLE PARALLEL SAFE AS $$
     SELECT CASE form WHEN 2 THEN audit_link_hash_2(prev_hash, seq, e) WHEN 1 THEN audit_link_hash_1(prev_hash, seq, e) END
   $$`,
  // Seals up to `batch` pending events after the head, in id order, in the caller's transaction
  // (which holds the sealer's advisory lock). Answers how many it sealed.
  `CREATE FUNCTION audit_seal(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
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
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'DROP FUNCTION IF EXISTS audit_seal(integer)',
    'DROP FUNCTION IF EXISTS audit_link_hash(smallint, text, bigint, audit_events)',
    'DROP FUNCTION IF EXISTS audit_link_hash_1(text, bigint, audit_events)',
    'DROP FUNCTION IF EXISTS audit_json_utc(timestamptz)',
    'DROP FUNCTION IF EXISTS audit_link_hash_2(text, bigint, audit_events)',
    'ALTER TABLE audit_chain DROP COLUMN IF EXISTS form',
  ]) {
    await sql.raw(statement).execute(db)
  }
}

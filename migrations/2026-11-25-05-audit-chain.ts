import { type Kysely, sql } from 'kysely'

const statements = [
  // Append-only, enforced by the database itself: no role (not even the table owner, short of
  // disabling triggers) can change or remove an audit row through ordinary SQL.
  `CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END
   $$`,
  `CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
  `CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
  `REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC`,
  // The hash chain lives beside the events: requests insert events concurrently (no lock), and one
  // sealer at a time links them in commit order shortly after (src/audit/audit-sealer.ts).
  `CREATE TABLE audit_chain (
     seq bigint PRIMARY KEY CHECK (seq > 0),
     event_id bigint NOT NULL UNIQUE REFERENCES audit_events (id),
     prev_hash text NOT NULL,
     hash text NOT NULL,
     sealed_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
  `CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
  `REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM PUBLIC`,
  // The sealer's queue: filled by the insert itself (so no event can be forgotten), emptied as
  // events are sealed. It alone is not append-only.
  `CREATE TABLE audit_pending (event_id bigint PRIMARY KEY)`,
  `CREATE FUNCTION audit_events_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO audit_pending (event_id) VALUES (NEW.id);
     RETURN NULL;
   END
   $$`,
  `CREATE TRIGGER audit_events_enqueue AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_enqueue()`,
  // Lists filter by action and outcome besides the indexes of the case-file migration.
  `CREATE INDEX audit_events_action_idx ON audit_events (action, id)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'DROP INDEX IF EXISTS audit_events_action_idx',
    'DROP TRIGGER IF EXISTS audit_events_enqueue ON audit_events',
    'DROP FUNCTION IF EXISTS audit_events_enqueue()',
    'DROP TABLE IF EXISTS audit_pending',
    'DROP TABLE IF EXISTS audit_chain',
    'DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events',
    'DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events',
    'DROP FUNCTION IF EXISTS audit_refuse_change()',
  ]) {
    await sql.raw(statement).execute(db)
  }
}

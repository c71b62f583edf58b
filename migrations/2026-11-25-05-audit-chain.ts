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
  // Statistics read a narrow copy of the facts they count, kept by a trigger: a scan of the cases
  // table itself reads every section (about 1.6 kB a case, over a gigabyte for a million cases).
  // The key is named id and the stage column stage, so the case scope conditions apply unchanged.
  `CREATE TABLE case_statistics (
     id uuid PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
     stage text NOT NULL,
     status text NOT NULL,
     opened_at timestamptz NOT NULL,
     date_of_birth date,
     placement_type text,
     nationality text,
     separation_status text,
     in_detention boolean NOT NULL,
     placement_since timestamptz,
     detention_days_closed integer NOT NULL,
     hours_to_notification double precision,
     days_to_guardian double precision,
     days_to_representation double precision,
     days_to_determination double precision
   )`,
  // A stored date that is not a date counts as absent rather than failing the case's write.
  `CREATE FUNCTION statistics_time(value text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
     SELECT CASE WHEN value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN value::timestamptz END
   $$`,
  `CREATE FUNCTION case_statistics_of(c cases) RETURNS case_statistics LANGUAGE sql STABLE AS $$
     SELECT c.id, c.stage, c.status, c.opened_at, c.date_of_birth, c.placement_type,
       c.demographics ->> 'nationality', c.demographics ->> 'separationStatus',
       c.in_detention, c.placement_since, c.detention_days_closed,
       (extract(epoch FROM statistics_time(c.custody ->> 'procuraduriaNotifiedAt') - c.opened_at) / 3600)::double precision,
       (extract(epoch FROM statistics_time(c.legal -> 'guardian' ->> 'appointedAt') - c.opened_at) / 86400)::double precision,
       (extract(epoch FROM statistics_time(c.legal -> 'representation' ->> 'since') - c.opened_at) / 86400)::double precision,
       (extract(epoch FROM statistics_time(c.best_interests ->> 'decidedAt') - c.opened_at) / 86400)::double precision
   $$`,
  `CREATE FUNCTION case_statistics_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO case_statistics SELECT * FROM case_statistics_of(NEW)
     ON CONFLICT (id) DO UPDATE SET stage = EXCLUDED.stage, status = EXCLUDED.status, opened_at = EXCLUDED.opened_at,
         date_of_birth = EXCLUDED.date_of_birth, placement_type = EXCLUDED.placement_type, nationality = EXCLUDED.nationality,
         separation_status = EXCLUDED.separation_status, in_detention = EXCLUDED.in_detention, placement_since = EXCLUDED.placement_since,
         detention_days_closed = EXCLUDED.detention_days_closed, hours_to_notification = EXCLUDED.hours_to_notification,
         days_to_guardian = EXCLUDED.days_to_guardian, days_to_representation = EXCLUDED.days_to_representation,
         days_to_determination = EXCLUDED.days_to_determination;
     RETURN NULL;
   END
   $$`,
  `CREATE TRIGGER cases_statistics_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_statistics_refresh()`,
  // Only writes to the columns statistics read refresh the copy.
  `CREATE TRIGGER cases_statistics_update AFTER UPDATE OF stage, status, opened_at, date_of_birth, placement_type, demographics, in_detention,
     placement_since, detention_days_closed, custody, legal, best_interests ON cases FOR EACH ROW EXECUTE FUNCTION case_statistics_refresh()`,
  // Cases that exist already (the trigger fills the copy for later ones).
  `INSERT INTO case_statistics SELECT s.* FROM cases c, LATERAL case_statistics_of(c) s`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'DROP TRIGGER IF EXISTS cases_statistics_update ON cases',
    'DROP TRIGGER IF EXISTS cases_statistics_insert ON cases',
    'DROP FUNCTION IF EXISTS case_statistics_refresh()',
    'DROP FUNCTION IF EXISTS case_statistics_of(cases)',
    'DROP FUNCTION IF EXISTS statistics_time(text)',
    'DROP TABLE IF EXISTS case_statistics',
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

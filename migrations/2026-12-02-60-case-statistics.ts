import { type Kysely, sql } from 'kysely'

// The statistics copy, in a migration of its own. It was first added (commit 941f7b2) to the landed
// migration 2026-11-25-05-audit-chain, which databases had already run: those that ran the audit
// chain before it never got the table, those that ran it after have it. Every statement here is
// idempotent, so both, and a new database, end with the same schema; the audit-chain file is back to
// what it was when it landed (its later text is a sanctioned former checksum, src/db/migration-checksums.ts).
const statements = [
  // Statistics read a narrow copy of the facts they count, kept by a trigger: a scan of the cases
  // table itself reads every section (about 1.6 kB a case, over a gigabyte for a million cases).
  // The key is named id and the stage column stage, so the case scope conditions apply unchanged.
  `CREATE TABLE IF NOT EXISTS case_statistics (
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
  `CREATE OR REPLACE FUNCTION statistics_time(value text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
     SELECT CASE WHEN value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN value::timestamptz END
   $$`,
  `CREATE OR REPLACE FUNCTION case_statistics_of(c cases) RETURNS case_statistics LANGUAGE sql STABLE AS $$
     SELECT c.id, c.stage, c.status, c.opened_at, c.date_of_birth, c.placement_type,
       c.demographics ->> 'nationality', c.demographics ->> 'separationStatus',
       c.in_detention, c.placement_since, c.detention_days_closed,
       (extract(epoch FROM statistics_time(c.custody ->> 'procuraduriaNotifiedAt') - c.opened_at) / 3600)::double precision,
       (extract(epoch FROM statistics_time(c.legal -> 'guardian' ->> 'appointedAt') - c.opened_at) / 86400)::double precision,
       (extract(epoch FROM statistics_time(c.legal -> 'representation' ->> 'since') - c.opened_at) / 86400)::double precision,
       (extract(epoch FROM statistics_time(c.best_interests ->> 'decidedAt') - c.opened_at) / 86400)::double precision
   $$`,
  `CREATE OR REPLACE FUNCTION case_statistics_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
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
  // Dropped and made again in the same transaction: the same triggers whether they existed or not.
  `DROP TRIGGER IF EXISTS cases_statistics_insert ON cases`,
  `CREATE TRIGGER cases_statistics_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_statistics_refresh()`,
  // Only writes to the columns statistics read refresh the copy.
  `DROP TRIGGER IF EXISTS cases_statistics_update ON cases`,
  `CREATE TRIGGER cases_statistics_update AFTER UPDATE OF stage, status, opened_at, date_of_birth, placement_type, demographics, in_detention,
     placement_since, detention_days_closed, custody, legal, best_interests ON cases FOR EACH ROW EXECUTE FUNCTION case_statistics_refresh()`,
  // Cases that have no copy yet: all of them where the table is new, none where the trigger kept it.
  `INSERT INTO case_statistics
   SELECT s.* FROM cases c, LATERAL case_statistics_of(c) s
   WHERE NOT EXISTS (SELECT 1 FROM case_statistics k WHERE k.id = c.id)
   ON CONFLICT (id) DO NOTHING`,
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
  ]) {
    await sql.raw(statement).execute(db)
  }
}

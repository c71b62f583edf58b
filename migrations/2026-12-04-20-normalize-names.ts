import { type Kysely, sql } from 'kysely'

/**
 * Names stored before names were normalised, normalised now as a new name is (http/text.ts,
 * nameText): NFC, every run of white space (as JavaScript's `\s` knows it) one space, trimmed. Every
 * place a name is kept: the child's given, family and other names (cases.identity), relatives'
 * names (cases.contact.family[].name), the guardian's and the attorney's (cases.legal.guardian.name,
 * cases.legal.representation.attorneyName), BID panel members' (determinations.panel[].name), users'
 * display names and organisations' names. The search columns are generated from the identity, so
 * they follow by themselves. A changed case's sections get new versions (ETags move, as on any
 * write); a changed determination a new version.
 *
 * A change of case data and of administration is on record: one audit event for the whole
 * migration (`names.normalize`, no actor), naming the cases it changed and the fields, never the
 * values. An organisation whose normalised name another organisation already has keeps its name
 * (names are unique): two organisations are not merged by a migration.
 */
const WHITE_SPACE = String.raw`[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+`

const helpers = [
  `CREATE FUNCTION migration_name_text(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
     SELECT btrim(regexp_replace(normalize(value, NFC), '${WHITE_SPACE}', ' ', 'g'), ' ')
   $$`,
  // The document with its string member `key` normalised; anything else as it was.
  `CREATE FUNCTION migration_name_in(doc jsonb, key text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
     SELECT CASE WHEN jsonb_typeof(doc) = 'object' AND jsonb_typeof(doc -> key) = 'string'
       THEN doc || jsonb_build_object(key, migration_name_text(doc ->> key)) ELSE doc END
   $$`,
  // A list of such documents (or, with key NULL, of strings), each normalised.
  `CREATE FUNCTION migration_names_in(list jsonb, key text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
     SELECT CASE WHEN jsonb_typeof(list) = 'array' THEN (
       SELECT coalesce(jsonb_agg(CASE
           WHEN key IS NULL AND jsonb_typeof(item) = 'string' THEN to_jsonb(migration_name_text(item #>> '{}'))
           WHEN key IS NULL THEN item
           ELSE migration_name_in(item, key) END ORDER BY position), '[]'::jsonb)
       FROM jsonb_array_elements(list) WITH ORDINALITY AS items(item, position)) ELSE list END
   $$`,
  // A member of a document replaced when the document has it.
  `CREATE FUNCTION migration_replace(doc jsonb, key text, value jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
     SELECT CASE WHEN jsonb_typeof(doc) = 'object' AND doc ? key THEN doc || jsonb_build_object(key, value) ELSE doc END
   $$`,
]

const dropHelpers = [
  'DROP FUNCTION migration_replace(jsonb, text, jsonb)',
  'DROP FUNCTION migration_names_in(jsonb, text)',
  'DROP FUNCTION migration_name_in(jsonb, text)',
  'DROP FUNCTION migration_name_text(text)',
]

const NOW_UTC = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
const bump = (section: string, column: string) =>
  `CASE WHEN n.${column} IS DISTINCT FROM c.${column} THEN coalesce((c.section_versions ->> '${section}')::integer, 0) + 1 END`
const touched = (column: string) => `CASE WHEN n.${column} IS DISTINCT FROM c.${column} THEN ${NOW_UTC} END`

const NORMALIZE_CASES = `
  WITH n AS (
    SELECT id,
      migration_name_in(migration_name_in(migration_replace(identity, 'otherNames', migration_names_in(identity -> 'otherNames', NULL)),
        'givenName'), 'familyName') AS identity,
      migration_replace(contact, 'family', migration_names_in(contact -> 'family', 'name')) AS contact,
      migration_replace(migration_replace(legal, 'guardian', migration_name_in(legal -> 'guardian', 'name')),
        'representation', migration_name_in(legal -> 'representation', 'attorneyName')) AS legal
    FROM cases
  ), old AS (
    SELECT c.id, c.identity, c.contact, c.legal FROM cases c
  )
  UPDATE cases c SET identity = n.identity, contact = n.contact, legal = n.legal,
    section_versions = c.section_versions || jsonb_strip_nulls(jsonb_build_object(
      'identity', ${bump('identity', 'identity')}, 'contact', ${bump('contact', 'contact')}, 'legal', ${bump('legal', 'legal')})),
    section_updated_at = c.section_updated_at || jsonb_strip_nulls(jsonb_build_object(
      'identity', ${touched('identity')}, 'contact', ${touched('contact')}, 'legal', ${touched('legal')})),
    version = c.version + 1,
    updated_at = now()
  FROM n JOIN old o ON o.id = n.id
  WHERE c.id = n.id AND (n.identity IS DISTINCT FROM c.identity OR n.contact IS DISTINCT FROM c.contact OR n.legal IS DISTINCT FROM c.legal)
  RETURNING c.id::text AS case_id, array_remove(ARRAY[
    CASE WHEN n.identity -> 'givenName' IS DISTINCT FROM o.identity -> 'givenName' THEN 'identity.givenName' END,
    CASE WHEN n.identity -> 'familyName' IS DISTINCT FROM o.identity -> 'familyName' THEN 'identity.familyName' END,
    CASE WHEN n.identity -> 'otherNames' IS DISTINCT FROM o.identity -> 'otherNames' THEN 'identity.otherNames' END,
    CASE WHEN n.contact IS DISTINCT FROM o.contact THEN 'contact.family' END,
    CASE WHEN n.legal -> 'guardian' IS DISTINCT FROM o.legal -> 'guardian' THEN 'legal.guardian' END,
    CASE WHEN n.legal -> 'representation' IS DISTINCT FROM o.legal -> 'representation' THEN 'legal.representation' END
  ], NULL) AS fields`

const NORMALIZE_DETERMINATIONS = `
  UPDATE determinations d SET panel = migration_names_in(d.panel, 'name'), version = d.version + 1, updated_at = now()
  WHERE migration_names_in(d.panel, 'name') IS DISTINCT FROM d.panel
  RETURNING d.case_id::text AS case_id, ARRAY['bidDeliberation.panel'] AS fields`

const NORMALIZE_USERS = `
  UPDATE users SET display_name = migration_name_text(display_name), updated_at = now()
  WHERE migration_name_text(display_name) <> display_name
  RETURNING NULL::text AS case_id, ARRAY['user.displayName'] AS fields`

// The first organisation (by creation) of those a normalised name would join gets it, when no
// other organisation has it already; the others keep theirs.
const NORMALIZE_ORGANIZATIONS = `
  WITH n AS (
    SELECT id, migration_name_text(name) AS name,
      row_number() OVER (PARTITION BY migration_name_text(name) ORDER BY created_at, id) AS rank
    FROM organizations
  )
  UPDATE organizations o SET name = n.name
  FROM n
  WHERE o.id = n.id AND n.name <> o.name AND n.rank = 1
    AND NOT EXISTS (SELECT 1 FROM organizations other WHERE other.name = n.name AND other.id <> o.id)
  RETURNING NULL::text AS case_id, ARRAY['organization.name'] AS fields`

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of helpers) await sql.raw(statement).execute(db)
  const caseIds = new Set<string>()
  const fields = new Set<string>()
  for (const statement of [NORMALIZE_CASES, NORMALIZE_DETERMINATIONS, NORMALIZE_USERS, NORMALIZE_ORGANIZATIONS]) {
    const { rows } = await sql.raw<{ case_id: string | null; fields: string[] }>(statement).execute(db)
    for (const row of rows) {
      if (row.case_id) caseIds.add(row.case_id)
      for (const field of row.fields) fields.add(field)
    }
  }
  for (const statement of dropHelpers) await sql.raw(statement).execute(db)
  if (fields.size === 0) return
  const changed = [...fields].sort()
  await sql`INSERT INTO audit_events (request_id, actor_id, actor_role, actor_organization_id, action, case_ids, fields, changed_fields,
      outcome, reason, policy_version)
    VALUES ('migration-2026-12-04-20-normalize-names', NULL, NULL, NULL, 'names.normalize', ${[...caseIds].sort()}::uuid[],
      ${changed}::text[], ${changed}::text[], 'allowed', 'migration:2026-12-04-20-normalize-names', 'migration')`.execute(db)
}

/** Nothing to undo: the names as they were typed are not kept, and normalised names are what the service stores anyway. */
export async function down(): Promise<void> {}

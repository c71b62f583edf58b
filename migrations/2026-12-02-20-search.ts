import { type Kysely, sql } from 'kysely'

// Search (PRODUCT.md, "Finding cases and the day's work"): names are matched in SQL with pg_trgm
// (trigram similarity, tolerant of misspellings and of name order), unaccent (accent-insensitive)
// and fuzzystrmatch (a phonetic bonus in the ranking). The three are trusted extensions on
// PostgreSQL and ship with PGlite (src/db/pglite.ts loads them wherever PGlite is opened).
const NAMES = `coalesce(identity ->> 'givenName', '') || ' ' || coalesce(identity ->> 'familyName', '') || ' ' || coalesce(identity ->> 'otherNames', '')`

const statements = [
  `CREATE EXTENSION IF NOT EXISTS pg_trgm`,
  `CREATE EXTENSION IF NOT EXISTS unaccent`,
  `CREATE EXTENSION IF NOT EXISTS fuzzystrmatch`,
  // unaccent() is STABLE (it reads its dictionary by name); with the dictionary named explicitly the
  // result depends only on the input, so this wrapper may be IMMUTABLE and feed a stored column.
  `CREATE FUNCTION search_fold(value text) RETURNS text
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, coalesce(value, ''))), '[^a-z0-9]+', ' ', 'g')) $$`,
  // The share of the words of a (folded) query that sound like some word of a (folded) name.
  `CREATE FUNCTION search_phonetic_overlap(name text, query text) RETURNS real
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT CASE WHEN count(*) = 0 THEN 0 ELSE
            (count(*) FILTER (WHERE public.dmetaphone(q) = ANY (ARRAY(SELECT public.dmetaphone(n) FROM unnest(string_to_array(name, ' ')) AS n WHERE n <> ''))))::real / count(*) END
           FROM unnest(string_to_array(query, ' ')) AS q WHERE q <> '' $$`,
  // How each word of a (folded) text sounds (Double Metaphone): Garsia finds García, Mria finds María.
  `CREATE FUNCTION search_phonetic(value text) RETURNS text[]
     LANGUAGE sql IMMUTABLE PARALLEL SAFE
     AS $$ SELECT coalesce(array_agg(DISTINCT code), '{}') FROM (
            SELECT public.dmetaphone(word) AS code FROM unnest(string_to_array(value, ' ')) AS word WHERE word <> '') AS codes
           WHERE code <> '' $$`,
  // The child's names, folded: given, family and other names in one text, and how they sound.
  `ALTER TABLE cases ADD COLUMN name_folded text GENERATED ALWAYS AS (search_fold(${NAMES})) STORED`,
  `ALTER TABLE cases ADD COLUMN name_phonetic text[] GENERATED ALWAYS AS (search_phonetic(search_fold(${NAMES}))) STORED`,
  `CREATE INDEX cases_name_folded_trgm_idx ON cases USING gin (name_folded gin_trgm_ops)`,
  `CREATE INDEX cases_name_phonetic_idx ON cases USING gin (name_phonetic)`,
  // One child may have several files linked as the same child: they share the pseudonym.
  `ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_child_ref_key`,
  `CREATE INDEX cases_child_ref_idx ON cases (child_ref)`,
  `CREATE INDEX cases_opened_at_idx ON cases (opened_at, id)`,
  `CREATE INDEX cases_nationality_idx ON cases ((demographics ->> 'nationality'), id)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `DROP INDEX cases_nationality_idx`,
    `DROP INDEX cases_opened_at_idx`,
    `DROP INDEX cases_child_ref_idx`,
    `ALTER TABLE cases ADD CONSTRAINT cases_child_ref_key UNIQUE (child_ref)`,
    `ALTER TABLE cases DROP COLUMN name_phonetic`,
    `ALTER TABLE cases DROP COLUMN name_folded`,
    `DROP FUNCTION search_phonetic(text)`,
    `DROP FUNCTION search_phonetic_overlap(text, text)`,
    `DROP FUNCTION search_fold(text)`,
  ]) {
    await sql.raw(statement).execute(db)
  }
}

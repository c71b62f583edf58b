import { type Kysely, sql } from 'kysely'

/**
 * The pairs of words in each child's names, indexed, so that a search for a common full name costs
 * about as much at a million cases as at ten thousand (issue 12).
 *
 * With the words index alone (2026-12-05-10-name-words), "María Hernández López" intersects the
 * posting lists of three common words: about 60,000–90,000 cases each at a million, read to find
 * 200. A pair of words ("hernandez lopez") is far rarer than either word, so a query of two or
 * more words looks up the posting lists of its pairs instead, which are a few hundred to a few
 * thousand long. A pair is two distinct words of the same name, in alphabetical order, so that it
 * does not depend on the order the words are written in.
 */
const statements = [
  // name_folded is lower-case words separated by single spaces (search_fold), so its words are
  // string_to_array(name_folded, ' ').
  `CREATE FUNCTION name_word_pairs(folded text) RETURNS text[]
     LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
     SELECT coalesce(array_agg(DISTINCT first.word || ' ' || second.word), '{}')
     FROM unnest(string_to_array(folded, ' ')) AS first(word)
     JOIN unnest(string_to_array(folded, ' ')) AS second(word) ON first.word < second.word
   $$`,
  `CREATE INDEX cases_name_word_pairs_idx ON cases USING gin (name_word_pairs(name_folded))`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [`DROP INDEX cases_name_word_pairs_idx`, `DROP FUNCTION name_word_pairs(text)`]) {
    await sql.raw(statement).execute(db)
  }
}

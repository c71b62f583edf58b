import { type Kysely, sql } from 'kysely'

/**
 * A dictionary of the words of children's names, so that a name search costs the same at a
 * million cases as at ten thousand (issue 12).
 *
 * Before, each word of a query was matched by trigrams against every case's names (the GIN trigram
 * index on `cases.name_folded`): a misspelt common word ("hernadez") shares trigrams with a fifth
 * of all names, so the index returned hundreds of thousands of rows to recheck. Now a misspelt word
 * is matched against the distinct words ever seen in names (`name_words`: a few thousand, with its
 * own trigram index and each word's Double Metaphone code), and the cases are found through an
 * exact GIN index on the words of their names: the posting lists of the few words that are alike.
 *
 * The dictionary only grows: a word that no name holds any more matches no case. It is kept by
 * triggers, so every way a name is written (create, PATCH, migrations) reaches it.
 */
const statements = [
  `CREATE TABLE name_words (
     word text PRIMARY KEY CHECK (word <> ''),
     phonetic text NOT NULL
   )`,
  `CREATE INDEX name_words_word_trgm_idx ON name_words USING gin (word gin_trgm_ops)`,
  `CREATE INDEX name_words_phonetic_idx ON name_words (phonetic)`,
  // name_folded is lower-case letters and digits in words separated by single spaces (search_fold),
  // so its words are string_to_array(name_folded, ' ') with no empty element but for an empty name.
  `CREATE INDEX cases_name_words_idx ON cases USING gin (string_to_array(name_folded, ' '))`,
  `INSERT INTO name_words (word, phonetic)
     SELECT DISTINCT word, public.dmetaphone(word)
     FROM cases, unnest(string_to_array(cases.name_folded, ' ')) AS word
     WHERE word <> ''`,
  // A new case's words, once per statement (a bulk insert looks each distinct word up once).
  `CREATE FUNCTION name_words_of_inserted_cases() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO name_words (word, phonetic)
       SELECT DISTINCT word, public.dmetaphone(word)
       FROM inserted_cases, unnest(string_to_array(inserted_cases.name_folded, ' ')) AS word
       WHERE word <> ''
       ON CONFLICT (word) DO NOTHING;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER cases_name_words_insert AFTER INSERT ON cases
     REFERENCING NEW TABLE AS inserted_cases
     FOR EACH STATEMENT EXECUTE FUNCTION name_words_of_inserted_cases()`,
  // A changed name's words: only when the names changed, so the many other updates of a case cost nothing.
  `CREATE FUNCTION name_words_of_renamed_case() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO name_words (word, phonetic)
       SELECT DISTINCT word, public.dmetaphone(word)
       FROM unnest(string_to_array(NEW.name_folded, ' ')) AS word
       WHERE word <> ''
       ON CONFLICT (word) DO NOTHING;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER cases_name_words_update AFTER UPDATE OF identity ON cases
     FOR EACH ROW WHEN (OLD.name_folded IS DISTINCT FROM NEW.name_folded)
     EXECUTE FUNCTION name_words_of_renamed_case()`,
  // The phonetic codes of whole names were searched through this index; the dictionary answers that now.
  `DROP INDEX cases_name_phonetic_idx`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `CREATE INDEX cases_name_phonetic_idx ON cases USING gin (name_phonetic)`,
    `DROP TRIGGER cases_name_words_update ON cases`,
    `DROP FUNCTION name_words_of_renamed_case()`,
    `DROP TRIGGER cases_name_words_insert ON cases`,
    `DROP FUNCTION name_words_of_inserted_cases()`,
    `DROP INDEX cases_name_words_idx`,
    `DROP TABLE name_words`,
  ]) {
    await sql.raw(statement).execute(db)
  }
}

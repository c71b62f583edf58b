import { sql } from 'kysely'
import t from 'tap'
import { v7 as uuidv7 } from 'uuid'
import { migrations as landedMigrations } from '../../migrations/index.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { createEmptyDatabase } from '../helpers/database.js'

const NAME_WORDS = '2026-12-05-10-name-words'

const dictionary = async (db: Parameters<typeof migrateToLatest>[0]) =>
  (await sql<{ word: string }>`SELECT word FROM name_words ORDER BY word`.execute(db)).rows.map((row) => row.word)

t.test('the dictionary of name words holds the words of names stored before it, and of every name written since', async (t) => {
  const { db } = await createEmptyDatabase(t)
  // A database in the field: every migration before this one ran, and cases were stored.
  const before = Object.fromEntries(Object.entries(landedMigrations).filter(([name]) => name < NAME_WORDS))
  await migrateToLatest(db, { migrations: before })
  const [org, user] = [uuidv7(), uuidv7()]
  await sql`INSERT INTO organizations (id, name, kind) VALUES (${org}, 'Casa', 'civil_society')`.execute(db)
  await sql`INSERT INTO users (id, subject, display_name, role, organization_id) VALUES (${user}, 'sub-1', 'Ana', 'ngo_caseworker', ${org})`.execute(
    db,
  )
  const insertCase = (id: string, number: string, identity: object) =>
    sql`INSERT INTO cases (id, case_number, child_ref, risk_level, lead_organization_id, created_by, identity)
      VALUES (${id}, ${number}, ${`NNA-W-${number}`}, 'low', ${org}, ${user}, ${JSON.stringify(identity)}::jsonb)`.execute(db)
  const [earlier, later] = [uuidv7(), uuidv7()]
  await insertCase(earlier, 'ATD-2026-900001', { givenName: 'José Luis', familyName: 'Pérez', otherNames: ['Pepe'] })

  await migrateToLatest(db)
  t.same(await dictionary(db), ['jose', 'luis', 'pepe', 'perez'], 'the words of the names already stored, folded')

  await insertCase(later, 'ATD-2026-900002', { givenName: 'Ana', familyName: 'Pérez Xol' })
  t.same(await dictionary(db), ['ana', 'jose', 'luis', 'pepe', 'perez', 'xol'], 'a new case adds its new words once')
  await sql`UPDATE cases SET identity = '{"givenName": "Itzel", "familyName": "Pérez"}'::jsonb WHERE id = ${earlier}`.execute(db)
  t.same(await dictionary(db), ['ana', 'itzel', 'jose', 'luis', 'pepe', 'perez', 'xol'], 'a changed name adds its new words')
  const phonetic = await sql<{ phonetic: string }>`SELECT phonetic FROM name_words WHERE word = 'xol'`.execute(db)
  t.same(phonetic.rows, [{ phonetic: 'SL' }], 'each word with how it sounds (Double Metaphone)')
})

t.test('the pairs of words of a name: two distinct words, in alphabetical order, whatever order they are written in', async (t) => {
  const { db } = await createEmptyDatabase(t)
  await migrateToLatest(db)
  const pairsOf = async (folded: string) =>
    (await sql<{ pairs: string[] }>`SELECT name_word_pairs(${folded}::text) AS pairs`.execute(db)).rows[0]?.pairs.sort()
  t.same(await pairsOf('maria hernandez lopez'), ['hernandez lopez', 'hernandez maria', 'lopez maria'])
  t.same(await pairsOf('lopez maria hernandez'), ['hernandez lopez', 'hernandez maria', 'lopez maria'], 'the order written does not matter')
  t.same(await pairsOf('maria maria'), [], 'a word repeated is no pair')
  t.same(await pairsOf('xol'), [], 'one word has no pair')
  t.same(await pairsOf(''), [])
})

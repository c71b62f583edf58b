import { CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely'
import t from 'tap'
import { liveParticipantIds, participationSections, sectionOpenSql } from '../../src/access/case-access-sql.js'
import type { Principal } from '../../src/auth/principal.js'
import { nameMatch } from '../../src/cases/case-search.repository.js'
import type { Database } from '../../src/db/schema.js'
import { createTestDatabase } from '../helpers/database.js'

/**
 * The questions a search or a list asks of every candidate case must be answered by the indexes
 * built for them; the bench measures how fast, this test that they are used at all. The database
 * holds a few thousand cases, each with two live participations, vacuumed and analysed as one in
 * service is, and scans of whole tables are priced out of the planner's reach, so the plan shows
 * which index the statement uses.
 */

const ORGANIZATION = '0190a000-0000-7000-8000-000000000001'
const OTHER = '0190a000-0000-7000-8000-000000000002'
const USER = '0190a000-0000-7000-8000-0000000000aa'
const principal = { organizationId: ORGANIZATION } as Principal
const CASES = 3000

async function populatedDatabase(t: Parameters<typeof createTestDatabase>[0]) {
  const handle = await createTestDatabase(t)
  const { db } = handle
  await sql`INSERT INTO organizations (id, name, kind) VALUES (${ORGANIZATION}, 'Procuraduría', 'child_protection_authority'),
    (${OTHER}, 'Casa', 'civil_society')`.execute(db)
  await sql`INSERT INTO users (id, subject, display_name, role, organization_id)
    VALUES (${USER}, 'plan-user', 'Ana', 'protection_officer', ${ORGANIZATION})`.execute(db)
  await sql`INSERT INTO cases (id, case_number, child_ref, risk_level, lead_organization_id, created_by, identity)
    SELECT gen_random_uuid(), 'ATD-2026-' || lpad(n::text, 6, '0'), 'NNA-PLAN-' || n, 'low', ${ORGANIZATION}, ${USER},
      jsonb_build_object('givenName', (ARRAY['María', 'José', 'Ixchel', 'Kevin'])[1 + n % 4],
        'familyName', (ARRAY['Hernández López', 'Pérez', 'Xol Caal', 'Choc'])[1 + n % 4])
    FROM generate_series(1, ${CASES}) AS n`.execute(db)
  await sql`INSERT INTO case_participants (organization_id, case_id, basis, granted_by, sections, legal_basis_code)
    SELECT organization.id, cases.id, CASE WHEN organization.id = ${ORGANIZATION}::uuid THEN 'lead' ELSE 'legal_basis' END, ${USER},
      CASE WHEN organization.id = ${ORGANIZATION}::uuid THEN NULL ELSE ARRAY['identity'] END,
      CASE WHEN organization.id = ${ORGANIZATION}::uuid THEN NULL ELSE 'protection_measure' END
    FROM cases, (VALUES (${ORGANIZATION}::uuid), (${OTHER}::uuid)) AS organization (id)`.execute(db)
  await sql`VACUUM ANALYZE cases`.execute(db)
  await sql`VACUUM ANALYZE case_participants`.execute(db)
  return handle
}

async function planOf(db: Kysely<Database>, condition: RawBuilder<unknown>, select: RawBuilder<unknown> = sql`cases.id`) {
  return explain(db, sql`SELECT ${select} FROM cases WHERE ${condition}`.compile(db))
}

/** The plan of a name search's candidates, with the tables its WITH works out. */
async function namePlanOf(db: Kysely<Database>, query: string) {
  const name = nameMatch(db, query)
  return explain(db, name.from.selectFrom('cases').select('cases.id').where(name.matches).compile())
}

async function explain(db: Kysely<Database>, statement: CompiledQuery) {
  return db.connection().execute(async (connection) => {
    await sql`SET enable_seqscan = off`.execute(connection)
    try {
      const { rows } = await connection.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN ${statement.sql}`, [...statement.parameters]),
      )
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    } finally {
      await sql`RESET enable_seqscan`.execute(connection)
    }
  })
}

t.test('participation is answered from its indexes alone, sections included', async (t) => {
  const { db } = await populatedDatabase(t)
  const open = await planOf(db, sectionOpenSql(principal, { kind: 'condition', condition: {} }, 'identity'))
  t.match(open, /Index Only Scan using case_participants_live_sections_idx/, 'whether a section is open to the reader')
  const facts = await planOf(db, sql`true`, sql`${liveParticipantIds}, ${participationSections(ORGANIZATION)}`)
  t.match(facts, /Index Only Scan using case_participants_live_case_idx/, 'who takes part in a case')
  t.match(facts, /Index Only Scan using case_participants_live_sections_idx/, 'with which sections the reader takes part')
})

t.test('a name search looks its words up in the indexes of name words and of pairs of them', async (t) => {
  const { db } = await populatedDatabase(t)
  t.match(await namePlanOf(db, 'Xol'), /Bitmap Index Scan on cases_name_words_idx/, 'one word')
  t.match(await namePlanOf(db, 'María Hernández López'), /Bitmap Index Scan on cases_name_word_pairs_idx/, 'two words or more')
})

t.test('a name search looks each of its words up in the dictionary once, however many pairs it is in', async (t) => {
  const { db } = await populatedDatabase(t)
  // A dictionary of a real register's size (thousands of words), so each lookup is an index scan to count.
  await sql`INSERT INTO name_words (word, phonetic) SELECT 'palabra' || n, 'PLPR' || n FROM generate_series(1, 2000) AS n
    ON CONFLICT DO NOTHING`.execute(db)
  await sql`ANALYZE name_words`.execute(db)
  // Four words are matched as any three of them: eight pairs, five of them different, of four words.
  const plan = await namePlanOf(db, 'María Fernanda Hernández López')
  t.equal(plan.match(/Index Scan on name_words_phonetic_idx/g)?.length, 4, 'one dictionary lookup per word')
  t.match(plan, /Bitmap Index Scan on cases_name_word_pairs_idx/, 'the pairs still found through their index')
})

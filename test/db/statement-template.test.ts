// Statement templates (src/db/statement-template.ts): built once per shape, filled in per request,
// and refused when a value that changes between requests could be frozen into the statement.
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely'
import t from 'tap'
import { StatementTemplates } from '../../src/db/statement-template.js'

// Compiling only: nothing here reaches a database.
const db = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})

t.test('a template is built once per owner and shape, and each request gets its own values', async (t) => {
  const templates = new StatementTemplates<object, 'id' | 'who'>()
  const owner = {}
  let builds = 0
  const read = (shape: string, values: { id: string; who: string | null }) =>
    templates.fill(owner, shape, values, (slot) => {
      builds += 1
      return db.selectFrom('cases').select(sql.raw(shape).as('x')).where('id', '=', slot('id')).where('who', '=', slot('who')).compile()
    })
  const first = read('a', { id: 'case-1', who: 'ana' })
  const second = read('a', { id: 'case-2', who: null })
  t.equal(builds, 1, 'the same shape is built once')
  t.same(first.parameters, ['case-1', 'ana'])
  t.same(second.parameters, ['case-2', null])
  t.equal(first.sql, second.sql)
  const other = read('b', { id: 'case-3', who: 'luis' })
  t.equal(builds, 2, 'another shape is built again')
  t.not(other.sql, first.sql)
  t.same(read('a', { id: 'case-4', who: 'rosa' }).parameters, ['case-4', 'rosa'], 'a built shape is kept beside the other')
})

t.test('a slot that does not reach the statement as a parameter of its own is refused', async (t) => {
  const templates = new StatementTemplates<object, 'id'>()
  t.throws(
    () => templates.fill({}, 'literal', { id: 'x' }, (slot) => sql`SELECT ${sql.lit(slot('id'))}`.compile(db)),
    /landed in the SQL text/,
  )
  t.throws(
    () => templates.fill({}, 'folded', { id: 'x' }, (slot) => sql`SELECT ${JSON.stringify({ id: slot('id') })}::jsonb`.compile(db)),
    /folded into another value/,
  )
  t.throws(() => templates.fill({}, 'lost', { id: 'x' }, () => sql`SELECT 1`.compile(db)), /never reached the statement: id/)
})

t.test('past its bound every template is dropped and built again on use', async (t) => {
  const templates = new StatementTemplates<object, 'id'>({ maxTemplates: 2 })
  const owner = {}
  let builds = 0
  const read = (shape: string) =>
    templates.fill(owner, shape, { id: 'x' }, (slot) => {
      builds += 1
      return sql`SELECT ${sql.raw(shape)}, ${slot('id')}`.compile(db)
    })
  read('1')
  read('2')
  read('1')
  t.equal(builds, 2, 'two kept')
  read('3')
  t.equal(builds, 3)
  read('3')
  t.equal(builds, 3, 'the newest is kept after the drop')
  read('1')
  t.equal(builds, 4, 'an older one is built again')
})

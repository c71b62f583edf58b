import { randomBytes } from 'node:crypto'
import { CompiledQuery, type Kysely } from 'kysely'
import { prepareText } from './prepared-statements.js'
import type { Database } from './schema.js'

/**
 * A hot statement built with Kysely once per shape and filled in with each request's values.
 *
 * Building a statement with Kysely costs more than sending it on the hottest routes (the audited
 * read: about 8 % of the service's busy time, README "Where the time goes now"). A template is
 * built with a marker in place of each value that changes between requests (`slot`), compiled
 * once, and remembered with the positions of its markers; a request then copies the parameters and
 * puts its values in those positions. Everything else in the statement must follow from `shape`
 * (the caller's key): two requests with the same shape get the same SQL.
 *
 * A marker must reach the statement as a parameter of its own. If one is lost or lands in the SQL
 * text (a literal, a value folded into another), building the template throws, so a template can
 * never send one request's value with another's.
 */
export class StatementTemplates<Owner extends object, Slot extends string> {
  #byOwner = new WeakMap<Owner, Map<string, Template<Slot>>>()
  #kept = 0
  readonly #marker = `\u0000slot:${randomBytes(6).toString('hex')}:`
  readonly #maxTemplates: number

  /**
   * `maxTemplates` bounds the memory: owners are kept per user (abilities), each template holds its
   * SQL (a few kilobytes), so past the bound every template is dropped and built again on use.
   */
  constructor(options: { maxTemplates?: number } = {}) {
    this.#maxTemplates = options.maxTemplates ?? 1_000
  }

  /**
   * The statement for `owner` and `shape`, filled in with `values`. `build` receives `slot`, which
   * stands for a value (any type: it is a parameter), and is called only the first time.
   */
  fill(
    owner: Owner,
    shape: string,
    values: Readonly<Record<Slot, unknown>>,
    build: (slot: (name: Slot) => never) => CompiledQuery,
    /** Whether the database keeps it planned (prepared-statements.ts): not where its best plan depends on the values. */
    prepare = true,
  ): CompiledQuery {
    let templates = this.#byOwner.get(owner)
    if (!templates) this.#byOwner.set(owner, (templates = new Map()))
    let template = templates.get(shape)
    if (!template) {
      template = this.#compile(Object.keys(values) as Slot[], build, prepare)
      if (this.#kept >= this.#maxTemplates) {
        this.#byOwner = new WeakMap()
        this.#kept = 0
        this.#byOwner.set(owner, (templates = new Map()))
      }
      templates.set(shape, template)
      this.#kept += 1
    }
    const parameters = [...template.parameters]
    for (const [index, name] of template.slots) parameters[index] = values[name]
    return CompiledQuery.raw(template.sql, parameters)
  }

  #compile(names: readonly Slot[], build: (slot: (name: Slot) => never) => CompiledQuery, prepare: boolean): Template<Slot> {
    const compiled = build((name) => `${this.#marker}${name}` as never)
    if (compiled.sql.includes(this.#marker)) throw new Error('a template slot landed in the SQL text instead of a parameter')
    const slots: [number, Slot][] = []
    compiled.parameters.forEach((value, index) => {
      if (typeof value === 'string' && value.startsWith(this.#marker)) slots.push([index, value.slice(this.#marker.length) as Slot])
      else if (JSON.stringify(value)?.includes(this.#marker.slice(1))) throw new Error('a template slot was folded into another value')
    })
    const missing = names.filter((name) => !slots.some(([, slot]) => slot === name))
    if (missing.length > 0) throw new Error(`template slots never reached the statement: ${missing.join(', ')}`)
    // Its text serves every request of the shape: the database keeps it parsed and planned.
    if (prepare) prepareText(compiled.sql)
    return { sql: compiled.sql, parameters: compiled.parameters, slots }
  }
}

interface Template<Slot extends string> {
  readonly sql: string
  readonly parameters: readonly unknown[]
  readonly slots: readonly (readonly [number, Slot])[]
}

/**
 * An INSERT of `rows` into `table`, one value per column of `columns` in that order, built once per
 * table and number of rows and filled in with the rows' values (the audit trail, the case history).
 */
export function insertRowsStatement(
  db: Kysely<Database>,
  table: keyof Database & string,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, unknown>>[],
): CompiledQuery {
  const values: Record<string, unknown> = {}
  rows.forEach((row, index) => {
    for (const column of columns) values[`${index}:${column}`] = row[column]
  })
  return ROW_INSERTS.fill(ROW_INSERTS, `${table}|${rows.length}`, values, (slot) =>
    db
      .insertInto(table)
      .values(rows.map((_, index) => Object.fromEntries(columns.map((column) => [column, slot(`${index}:${column}`)]))) as never)
      .compile(),
  )
}

// One shape per table and number of rows, so the templates are their own owner.
const ROW_INSERTS = new StatementTemplates<object, string>()

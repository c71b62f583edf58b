import { type Kysely, type QueryCreator, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { StatementTemplates } from '../db/statement-template.js'
import { memoBy } from '../shared/memo.js'
import { CASE_DOCUMENT_SECTIONS } from '../access/reader-version.js'
import {
  type CaseSelection,
  type ScopeFilter,
  type SectionOpen,
  type SelectedCaseRow,
  derived,
  sectionSelections,
  selectionShape,
} from './case.repository.js'
import type { CaseCursor, CaseSearchParameters, CaseSort } from './case-search.js'

/**
 * GET /cases as SQL: every filter, the name match and its ranking, the order and the keyset run in
 * the database (pg_trgm, unaccent, fuzzystrmatch; migration 2026-12-02-20-search). A filter on a
 * section that participation or a consent may close holds only where that section is open to the
 * reader, so a hidden value never decides whether a case is listed.
 */

export interface CaseSearchOptions {
  readonly parameters: CaseSearchParameters
  readonly sort: CaseSort
  readonly after: CaseCursor | undefined
  readonly limit: number
  readonly sectionOpen: SectionOpen
  /** The caller's organisation and user (assignedTo=me). */
  readonly organizationId: string
  readonly userId: string
  /** Sections the caller's role may read: a reader's updatedAt is the latest change among them. */
  readonly readableSections: ReadonlySet<string>
}

const RISK_RANK = sql`CASE cases.risk_level WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END`
const UTC_TEXT = (expression: RawBuilder<unknown>) => sql`to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** The folded query, computed by the database once per statement. */
const foldedQuery = (q: unknown) => sql`search_fold(${q}::text)`

/**
 * The share of the query's words that sound like a word of the names: each query word's Double
 * Metaphone code (worked out once per statement) looked up in the case's stored codes
 * (`name_phonetic`), so no name is encoded again per row.
 */
function phoneticOverlap(folded: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(SELECT coalesce(count(*) FILTER (WHERE code = ANY (cases.name_phonetic))::real / nullif(count(*), 0), 0)
    FROM unnest(ARRAY(SELECT public.dmetaphone(word) FROM unnest(string_to_array(${folded}, ' ')) AS word WHERE word <> '')) AS code)`
}

/** Name similarity in [0, 1], rounded so that it round-trips through a cursor exactly. */
function nameScore(folded: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`round((0.8 * greatest(similarity(cases.name_folded, ${folded}), word_similarity(${folded}, cases.name_folded))
    + 0.2 * ${phoneticOverlap(folded)})::numeric, 4)`
}

const MAX_WORDS = 6

/**
 * The words of the children's names that are like one word of a query: alike by trigrams (`<<%`,
 * strict word similarity ≥ 0.5) or sounding alike (Double Metaphone), looked up in the dictionary of
 * name words (migration 2026-12-05-10-name-words), which holds each distinct word once.
 */
function wordsLike(word: unknown): RawBuilder<string[]> {
  const folded = sql`search_fold(${word}::text)`
  return sql<string[]>`ARRAY(SELECT name_words.word FROM name_words
    WHERE ${folded} <<% name_words.word OR name_words.phonetic = nullif(public.dmetaphone(${folded}), ''))`
}

/** A query's words as the folding would separate them: letters (with their accents) and digits. */
const QUERY_WORD_SEPARATORS = /[^\p{L}\p{M}\p{N}]+/u

/** The words of a query that the name match looks up: those of two letters or more, at most six. */
export function queryWords(query: string): string[] {
  return query
    .split(QUERY_WORD_SEPARATORS)
    .filter((word) => word.length >= 2)
    .slice(0, MAX_WORDS)
}

/**
 * The sets of query words (by position) of which every word must be like a different word of the
 * names: all of them up to three words, from four words on all but one (any one may be misspelt
 * beyond recognition or missing from the file).
 */
function matchedWordSets(wordCount: number): number[][] {
  const all = Array.from({ length: wordCount }, (_, index) => index)
  if (wordCount <= 3) return [all]
  return all.map((skipped) => all.filter((index) => index !== skipped))
}

/**
 * The pairs of query words a set is looked up by: each word with the next one in the set. A pair of
 * common words is far rarer than either word, so the database reads short posting lists however
 * many children share a common given or family name.
 */
const pairsOf = (set: readonly number[]): [number, number][] => set.slice(1).map((index, at) => [set[at]!, index])

const wordColumn = (index: number) => sql.ref(`w${index}`)
const pairColumn = ([first, second]: readonly [number, number]) => sql.ref(`p${first}_${second}`)

/**
 * The tables a name query reads, each worked out once per statement however many conditions use it
 * (a subquery in each condition would look the same words up again for every pair it appears in):
 * `query_words`, the alike words of each query word (w0, w1, …), and `query_pairs`, the pairs of
 * name words (migration 2026-12-06-10-name-word-pairs) that two query words can stand for, in
 * alphabetical order as the index keeps them (p0_1, …).
 */
function withNameTables(db: Kysely<Database>, words: readonly unknown[]): QueryCreator<Database> {
  const columns = words.map((word, index) => sql`${wordsLike(word)} AS ${wordColumn(index)}`)
  const withWords = db.with(
    (cte) => cte('query_words').materialized(),
    () => sql`(SELECT ${sql.join(columns)})`,
  )
  const pairs = [
    ...new Map(
      matchedWordSets(words.length)
        .flatMap(pairsOf)
        .map((pair) => [pair.join('_'), pair]),
    ).values(),
  ]
  if (pairs.length === 0) return withWords as unknown as QueryCreator<Database>
  const pairColumns = pairs.map(
    (pair) => sql`ARRAY(SELECT least(a, b) || ' ' || greatest(a, b)
      FROM unnest(query_words.${wordColumn(pair[0])}) AS a, unnest(query_words.${wordColumn(pair[1])}) AS b WHERE a <> b) AS ${pairColumn(pair)}`,
  )
  return withWords.with(
    (cte) => cte('query_pairs').materialized(),
    () => sql`(SELECT ${sql.join(pairColumns)} FROM query_words)`,
  ) as unknown as QueryCreator<Database>
}

/**
 * That every word of a set is like a different word of the names, in any order: one word, an exact
 * GIN lookup of its alike words (`&&` on the words of name_folded); two words or more, of the pairs.
 */
function allWordsMatch(set: readonly number[]): RawBuilder<boolean> {
  if (set.length === 1) return sql<boolean>`(string_to_array(cases.name_folded, ' ') && (SELECT ${wordColumn(set[0]!)} FROM query_words))`
  const pairs = pairsOf(set).map((pair) => sql`(name_word_pairs(cases.name_folded) && (SELECT ${pairColumn(pair)} FROM query_pairs))`)
  return sql<boolean>`(${sql.join(pairs, sql` AND `)})`
}

/** A name match: the statement's start (its WITH) and the candidate condition on `cases`. */
export interface NameMatch {
  readonly from: QueryCreator<Database>
  readonly matches: RawBuilder<boolean>
}

/** The name match for a query (its words: queryWords). */
export function nameMatch(db: Kysely<Database>, query: string): NameMatch {
  return nameMatchOf(db, queryWords(query), query)
}

/**
 * The name match: one of the sets of query words all match (matchedWordSets); a query without such
 * words, by trigram similarity of the whole name. The words and the query are values (or template
 * slots) of the statement.
 */
function nameMatchOf(db: Kysely<Database>, words: readonly unknown[], query: unknown): NameMatch {
  if (words.length === 0) return { from: db, matches: sql<boolean>`(cases.name_folded % search_fold(${query}::text))` }
  const sets = matchedWordSets(words.length).map(allWordsMatch)
  return { from: withNameTables(db, words), matches: sql<boolean>`(${sql.join(sets, sql` OR `)})` }
}

/** The sort key as an SQL expression, and the type its text form is cast back to for the keyset. */
function sortKey(options: CaseSearchOptions, q: unknown): { expression: RawBuilder<unknown>; cast: RawBuilder<unknown> } {
  const { sort, sectionOpen } = options
  switch (sort.key) {
    case 'id':
      return { expression: sql`cases.id`, cast: sql`uuid` }
    case 'openedAt':
      return { expression: sql`cases.opened_at`, cast: sql`timestamptz` }
    case 'caseNumber':
      return { expression: sql`cases.case_number`, cast: sql`text` }
    case 'riskLevel':
      return { expression: RISK_RANK, cast: sql`integer` }
    case 'similarity':
      return { expression: nameScore(foldedQuery(q)), cast: sql`numeric` }
    case 'updatedAt': {
      // The reader's own change time (reader-version.ts): the latest among the sections it may read
      // on this case, so the order never moves with a change behind a wall.
      const times = CASE_DOCUMENT_SECTIONS.filter((section) => options.readableSections.has(section)).map((section) =>
        section === 'case'
          ? sql`cases.section_updated_at ->> 'case'`
          : sql`CASE WHEN ${sectionOpen(section)} THEN cases.section_updated_at ->> ${section} END`,
      )
      const latest = times.length > 0 ? sql`greatest(${sql.join(times)})` : sql`NULL::text`
      return { expression: sql`coalesce(${latest}, ${UTC_TEXT(sql`cases.opened_at`)})`, cast: sql`text` }
    }
  }
}

/**
 * The key as the statement selects it (`search_key`, the cursor's text form) and what the order
 * names: the selected column wherever it orders as the key does, so the database works the key out
 * once per row. The same expression written twice is two expressions to PostgreSQL, each with its
 * own parameters: ordered by the expression, the name score was computed twice for every candidate.
 */
function keyColumn(key: SortKey, expression: RawBuilder<unknown>): { selected: RawBuilder<unknown>; order: RawBuilder<unknown> } {
  switch (key) {
    case 'similarity': // numeric, which node-postgres and PGlite both give as its text
    case 'updatedAt': // text already
    case 'caseNumber':
      return { selected: expression, order: sql.ref('search_key') }
    case 'openedAt':
      return { selected: UTC_TEXT(expression), order: expression }
    default:
      return { selected: sql`(${expression})::text`, order: expression }
  }
}
type SortKey = CaseSort['key']

/**
 * The values of a search, by name, in the order the statement takes them: a filter's value when it
 * is given, the query and its words, the cursor's key, the page size. Which names are present (and
 * the reader, the sort) fix the statement's text, so it is built once per shape
 * (db/statement-template.ts) and filled in with these values.
 */
function searchValues(options: CaseSearchOptions): Record<string, unknown> {
  const p = options.parameters
  const values: Record<string, unknown> = {}
  for (const name of EQUAL_FILTERS) if (p[name]) values[name] = p[name]
  if (p.openedFrom) values.openedFrom = p.openedFrom
  if (p.openedTo) values.openedTo = p.openedTo
  if (p.assignedTo) values.assignedTo = p.assignedTo === 'me' ? options.userId : p.assignedTo
  if (p.inDetention !== undefined) values.inDetention = p.inDetention
  for (const name of SECTION_FILTERS) if (p[name]) values[name] = p[name]
  if (p.q) {
    const words = queryWords(p.q)
    words.forEach((word, index) => {
      values[`word:${index}`] = word
    })
    // The query itself is sent only where the statement uses it: matched whole, or ranked by.
    if (words.length === 0 || options.sort.key === 'similarity') values.q = p.q
  }
  if (options.after) {
    values.afterKey = options.after.key
    values.afterId = options.after.id
  }
  values.limit = options.limit
  return values
}

/** Filters that compare a column of the case itself with the value given. */
const EQUAL_FILTERS = ['stage', 'status', 'riskLevel', 'caseNumber', 'childRef', 'leadOrganizationId'] as const
/** Filters on a section that participation or a consent may close to the reader. */
const SECTION_FILTERS = ['placementType', 'nationality', 'ageBracket'] as const

const EQUAL_FILTER_SQL: Record<(typeof EQUAL_FILTERS)[number], (value: unknown) => RawBuilder<unknown>> = {
  stage: (value) => sql`cases.stage = ${value}`,
  status: (value) => sql`cases.status = ${value}`,
  riskLevel: (value) => sql`cases.risk_level = ${value}`,
  caseNumber: (value) => sql`cases.case_number = ${value}`,
  childRef: (value) => sql`cases.child_ref = ${value}`,
  leadOrganizationId: (value) => sql`cases.lead_organization_id = ${value}::uuid`,
}

const SECTION_FILTER_SQL: Record<(typeof SECTION_FILTERS)[number], { section: string; sql: (value: unknown) => RawBuilder<unknown> }> = {
  placementType: { section: 'custody', sql: (value) => sql`cases.placement_type = ${value}` },
  nationality: { section: 'demographics', sql: (value) => sql`cases.demographics ->> 'nationality' = ${value}` },
  ageBracket: { section: 'demographics', sql: (value) => sql`${derived.ageBracket} = ${value}` },
}

/**
 * Search statements, built once per shape and reader. The scope filter is kept per ability
 * (access/case-scope.ts), so it owns them; the reader's organisation and user, its readable
 * sections, the sort and the names of the values given make the shape.
 */
const SEARCHES = new StatementTemplates<ScopeFilter, string>()

/** A set of section names as part of a shape, once per set (the service keeps it per ability). */
const sectionsKey = memoBy((sections: ReadonlySet<string>) => [...sections].sort().join(','))

export async function searchCasesInScope(
  db: Kysely<Database>,
  scope: ScopeFilter,
  reader: CaseSelection,
  options: CaseSearchOptions,
): Promise<(SelectedCaseRow & { search_key: string })[]> {
  const values = searchValues(options)
  const shape = [
    selectionShape(reader),
    options.organizationId,
    options.userId,
    sectionsKey(options.readableSections),
    options.sort.key,
    options.sort.descending,
    Object.keys(values).join(','),
  ].join('|')
  // A name search is planned for its own words each time: kept prepared, it answered 75 req/s at
  // 1,000,000 cases against 238. The plan for any words of a two-word name is estimated cheaper
  // than the plans for its own (62,000 against 82,000), so PostgreSQL keeps it; not knowing which
  // organisation reads, it hashes all of the reader's participations (414,816 for the federal
  // Procuraduría) where the plan for the words checks each candidate's: 140 ms against 1.5 ms.
  // Whether `q` is given follows from the shape (searchValues), so a shape is always prepared or never.
  const isNameSearch = Boolean(options.parameters.q)
  const build = (slot: (name: string) => never) => buildSearch(db, scope, reader, options, values, slot).compile()
  const statement = SEARCHES.fill(scope, shape, values, build, !isNameSearch)
  return (await db.executeQuery<SelectedCaseRow & { search_key: string }>(statement)).rows
}

/** The search as Kysely builds it, with `slot(name)` in place of each of the values given. */
function buildSearch(
  db: Kysely<Database>,
  scope: ScopeFilter,
  reader: CaseSelection,
  options: CaseSearchOptions,
  values: Readonly<Record<string, unknown>>,
  slot: (name: string) => never,
) {
  const { sectionOpen } = options
  const given = (name: string) => name in values
  const conditions: RawBuilder<unknown>[] = []
  for (const name of EQUAL_FILTERS) if (given(name)) conditions.push(EQUAL_FILTER_SQL[name](slot(name)))
  if (given('openedFrom')) conditions.push(sql`cases.opened_at >= (${slot('openedFrom')}::date)::timestamp AT TIME ZONE 'UTC'`)
  if (given('openedTo')) conditions.push(sql`cases.opened_at < (${slot('openedTo')}::date + 1)::timestamp AT TIME ZONE 'UTC'`)
  if (given('assignedTo')) {
    conditions.push(sql`EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = cases.id
      AND a.organization_id = ${options.organizationId}::uuid AND a.user_id = ${slot('assignedTo')}::uuid)`)
  }
  if (given('inDetention')) conditions.push(sql`cases.in_detention = ${slot('inDetention')}`, sectionOpen('custody'))
  for (const name of SECTION_FILTERS) {
    if (given(name)) conditions.push(SECTION_FILTER_SQL[name].sql(slot(name)), sectionOpen(SECTION_FILTER_SQL[name].section))
  }
  let from: QueryCreator<Database> = db
  if (options.parameters.q) {
    const words = queryWords(options.parameters.q).map((_, index) => slot(`word:${index}`))
    const name = nameMatchOf(db, words, given('q') ? slot('q') : undefined)
    from = name.from
    conditions.push(name.matches, sectionOpen('identity'))
  }

  const { expression, cast } = sortKey(options, given('q') ? slot('q') : '')
  const key = keyColumn(options.sort.key, expression)
  const direction = options.sort.descending ? sql`DESC` : sql`ASC`
  if (options.after) {
    const comparison = options.sort.descending ? sql`<` : sql`>`
    conditions.push(sql`(${expression}, cases.id) ${comparison} (${slot('afterKey')}::${cast}, ${slot('afterId')}::uuid)`)
  }

  let query = from
    .selectFrom('cases')
    .select((eb) => [...sectionSelections(eb, reader), key.selected.as('search_key')])
    .where((eb) => scope(eb))
    .orderBy(sql`${key.order} ${direction}`)
    .orderBy(sql`cases.id ${direction}`)
    .limit(slot('limit'))
  for (const condition of conditions) query = query.where(condition as RawBuilder<boolean>)
  return query
}

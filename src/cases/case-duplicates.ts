import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { readableFields } from '../access/abilities.js'
import { accessFactSelections, sectionOpenSql } from '../access/case-access-sql.js'
import { caseScopeFilter } from '../access/case-scope.js'
import { nameMatch } from './case-search.repository.js'
import type { NewCaseInput } from './case-sections.js'
import type { CaseActor } from './case.service.js'
import { accessOf } from './case.service.js'

export interface PossibleDuplicate {
  readonly id: string
  readonly caseNumber: string
  readonly score: number
}

const MINIMUM_SCORE = 0.5
const MAXIMUM_ANSWERS = 10

/**
 * Cases the creator may read whose child looks like the new one (PRODUCT.md, "Possible
 * duplicates"): a similar name (trigrams on the folded names, the same GIN index as search), then the
 * same date of birth (or else the same age bracket) and the same nationality add to the score. Each
 * signal counts only where the creator may read it on that case (role letters here, participation
 * and consent in SQL), so the answer says nothing about a value behind a wall. All matching is SQL.
 */
export async function findPossibleDuplicates(
  db: Kysely<Database>,
  actor: CaseActor,
  newId: string,
  input: NewCaseInput,
): Promise<PossibleDuplicate[]> {
  const readable = new Set(readableFields(actor.ability))
  const canRead = (...fields: string[]) => fields.every((field) => readable.has(field))
  const identity = input.identity ?? {}
  const names = [identity.givenName, identity.familyName, ...((identity.otherNames as unknown[] | undefined) ?? [])].filter(
    (name): name is string => typeof name === 'string',
  )
  if (names.length === 0 || !canRead('identity.givenName', 'identity.familyName', 'identity.otherNames', 'case.caseNumber')) return []

  const open = (section: string) => sectionOpenSql(actor.principal, actor.scope, section)
  const folded = sql`search_fold(${names.join(' ')}::text)`
  const nameScore = sql`greatest(similarity(cases.name_folded, ${folded}), word_similarity(${folded}, cases.name_folded))`
  const dateOfBirth = typeof identity.dateOfBirth === 'string' ? identity.dateOfBirth : undefined
  const nationality = typeof input.demographics?.nationality === 'string' ? input.demographics.nationality : undefined
  const dobMatch =
    dateOfBirth && canRead('identity.dateOfBirth') ? sql`(cases.date_of_birth = ${dateOfBirth}::date AND ${open('identity')})` : sql`false`
  // Ages within the same bracket of years (the bracket a reader of demographics sees).
  const bracket = (date: ReturnType<typeof sql>) => sql`CASE WHEN date_part('year', age(current_date, ${date})) < 6 THEN 0
    WHEN date_part('year', age(current_date, ${date})) < 12 THEN 1 WHEN date_part('year', age(current_date, ${date})) < 15 THEN 2
    WHEN date_part('year', age(current_date, ${date})) < 18 THEN 3 ELSE 4 END`
  const bracketMatch =
    dateOfBirth && canRead('demographics.ageBracket')
      ? sql`(cases.date_of_birth IS NOT NULL AND ${bracket(sql`cases.date_of_birth`)} = ${bracket(sql`${dateOfBirth}::date`)} AND ${open('demographics')})`
      : sql`false`
  const nationalityMatch =
    nationality && canRead('demographics.nationality')
      ? sql`(cases.demographics ->> 'nationality' = ${nationality} AND ${open('demographics')})`
      : sql`false`
  const score = sql<string>`round((0.6 * ${nameScore} + 0.25 * CASE WHEN ${dobMatch} THEN 1 WHEN ${bracketMatch} THEN 0.4 ELSE 0 END
    + 0.15 * CASE WHEN ${nationalityMatch} THEN 1 ELSE 0 END)::numeric, 2)`

  const scope = caseScopeFilter(actor.ability, 'read')
  const name = nameMatch(db, names.join(' '))
  const candidates = db
    .selectFrom('cases')
    .select(
      (eb) =>
        [
          eb.ref('cases.id'),
          eb.ref('cases.stage'),
          eb.ref('cases.case_number'),
          ...accessFactSelections(actor.principal.organizationId),
          score.as('score'),
          // eb.ref gives unaliased expressions, which Kysely's select types refuse; the rows are typed below.
        ] as never[],
    )
    .where((eb) => scope(eb))
    .where('cases.id', '<>', newId)
    .where(name.matches)
    .where(open('identity'))
  // The name's tables (its WITH) head the whole statement; the candidates' subquery reads them.
  const rows = (await name.from
    .selectFrom(candidates.as('candidate'))
    .selectAll()
    .where(sql`candidate.score`, '>=', MINIMUM_SCORE)
    .orderBy(sql`candidate.score DESC`)
    .orderBy(sql`candidate.id`)
    .limit(MAXIMUM_ANSWERS * 2)
    .execute()) as unknown as ({
    id: string
    stage: string
    case_number: string
    score: string
    participant_organization_ids: string[]
  } & Record<string, unknown>)[]
  return rows
    .filter((row) => {
      const access = accessOf(actor, row)
      return access.canRead('case.id') && access.canRead('case.caseNumber')
    })
    .slice(0, MAXIMUM_ANSWERS)
    .map((row) => ({ id: row.id, caseNumber: row.case_number, score: Number(row.score) }))
}

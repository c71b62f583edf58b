import { memoBy } from '../shared/memo.js'
import { type Kysely, type Updateable, sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { CaseTable, Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { deniedFields, readableFields } from '../access/abilities.js'
import { CaseAccess, type CaseReader, forbiddenFields, sectionOf } from '../access/case-access.js'
import { accessFactsOf, sectionOpenSql } from '../access/case-access-sql.js'
import type { Scope } from '../access/policy.js'
import { readerVersion } from '../access/reader-version.js'
import type { RecordAudit } from '../audit/audited.js'
import {
  CASE_VIEW_SECTIONS,
  type CasePatchInput,
  type CaseViewSection,
  type NewCaseInput,
  SECTION_COLUMNS,
  WRITABLE_SECTIONS,
  type WritableSection,
  fieldsOfWrite,
} from './case-sections.js'
import {
  type CaseSelection,
  type SelectedCaseRow,
  findCaseInScope,
  findCaseInScopeAudited,
  insertCase,
  insertHistory,
  insertLeadParticipation,
  nextCaseNumber,
  updateCaseReturning,
} from './case.repository.js'
import { caseScopeFilter } from '../access/case-scope.js'
import { type CaseSearchParameters, type CursorCodec, refuseUnreadableSearch, sortOf } from './case-search.js'
import { searchCasesInScope } from './case-search.repository.js'
import { type PossibleDuplicate, findPossibleDuplicates } from './case-duplicates.js'
import { type CaseView, toCaseView } from './case-view.js'
import { childRefFor } from './child-ref.js'
import { checkCaseDates } from './date-rules.js'
import { type GuardFacts, takeGuardFacts } from '../lifecycle/guard.repository.js'

/** Who is acting, with what rights, in which request. */
export interface CaseActor extends CaseReader {
  /** The cases the role reaches at all (policies/scope.yaml). */
  readonly scope: Scope
  readonly requestId: string
}

export interface CaseResult {
  readonly view: CaseView
  readonly version: number
}

/** A case the caller reaches, with the access rule's answer for it. */
export interface OpenCase {
  readonly row: SelectedCaseRow
  readonly access: CaseAccess
}

const CASE_FILE_SECTIONS: ReadonlySet<string> = new Set(['case', ...CASE_VIEW_SECTIONS])

function sectionsToSelect(fields: readonly string[]): Set<CaseViewSection | 'case'> {
  return new Set(fields.map((field) => sectionOf(field) as CaseViewSection | 'case'))
}

/**
 * The sections a read selects: those the role may read on some case, plus (for a write) the sections
 * being written, whose current values the merge and the history need. Those never reach the
 * response: the view carries what the access rule lets through, per case.
 */
function selectionOf(actor: CaseActor, alsoSelect: readonly string[] = []): CaseSelection {
  if (alsoSelect.length > 0) return selectionOfFields(actor, [...readableFields(actor.ability), ...alsoSelect])
  // The ability is kept per user, role and organisation (plugins/abilities.ts): so is what it selects.
  return selectionByAbility(actor.ability)(actor)
}

const selectionOfFields = (actor: CaseActor, fields: readonly string[]): CaseSelection => ({
  sections: sectionsToSelect(fields),
  organizationId: actor.principal.organizationId,
})
const selectionByAbility = memoBy((ability: CaseActor['ability']) => {
  let selection: CaseSelection | undefined
  return (actor: CaseActor) => (selection ??= selectionOfFields(actor, readableFields(ability)))
})

export const accessOf = (actor: CaseReader, row: Parameters<typeof accessFactsOf>[0]): CaseAccess =>
  new CaseAccess(actor, accessFactsOf(row))

/**
 * A case the caller reaches, or 404: a case outside the caller's scope does not exist for them.
 * Selects only the sections the caller's role may read.
 */
export async function openCase(
  db: Kysely<Database>,
  actor: CaseActor,
  id: string,
  options: { forUpdate?: boolean; alsoSelect?: readonly string[] } = {},
): Promise<OpenCase> {
  const row = await findCaseInScope(db, id, caseScopeFilter(actor.ability, 'read'), selectionOf(actor, options.alsoSelect), options)
  if (!row) throw notFound('case')
  const access = accessOf(actor, row)
  if (!access.canRead('case.id')) throw notFound('case')
  return { row, access }
}

/** The readable fields of the case file itself, once per field list (a page of cases shares a few). */
const caseFileFieldsOf = memoBy((readable: readonly string[]): readonly string[] =>
  readable.filter((field) => CASE_FILE_SECTIONS.has(sectionOf(field))),
)

/** The case document as the access rule lets this reader see it, and the fields it discloses. */
export function viewOf({ row, access }: OpenCase): { view: CaseView; fields: readonly string[]; version: number } {
  // Only the case file's own sections: records under the case (notes, consents, deliberation) are
  // not in this response, so they are neither shown nor recorded as disclosed.
  const fields = caseFileFieldsOf(access.readableFields())
  const version = readerVersion(access, row)
  const view = toCaseView(row, fields, version)
  // The reader's own organisation's assignee: who works on the case, as participation is (case.leadOrganizationId).
  if (fields.includes('case.leadOrganizationId')) view.assignedTo = (row.assigned_to as string | null | undefined) ?? null
  return { view, fields, version: version.version }
}

/**
 * GET /cases/{id}: the case, read with its audit event in one statement (findCaseInScopeAudited), so
 * the data cannot leave without the event; then the guidance, if any, from the case as read and the
 * guard facts the same statement carried for a reader who may move cases on (one round trip in all).
 */
export async function readCase(
  db: Kysely<Database>,
  actor: CaseActor,
  id: string,
  recordAudit: RecordAudit,
  guidance?: (open: OpenCase, facts: GuardFacts | undefined) => Record<string, unknown>,
): Promise<CaseResult> {
  const guardFacts = guidance !== undefined && actor.ability.can('transition', 'Case')
  const found = await recordAudit.inStatement(
    (event) =>
      findCaseInScopeAudited(db, id, caseScopeFilter(actor.ability, 'read'), selectionOf(actor), disclosableFields(actor), event, {
        guardFacts,
      }),
    (row) => row !== undefined,
  )
  if (!found) throw notFound('case')
  const { audited_fields: audited, ...row } = found
  const facts = guardFacts ? takeGuardFacts(row) : undefined
  const open = { row, access: accessOf(actor, row) }
  const { view, fields, version } = viewOf(open)
  // The walls are worked out twice, in SQL for the event and by CaseAccess for the view: a view that
  // shows other fields than its event names is never sent.
  if (audited !== fieldSetKey(fields)) throw new Error(`the audited read of ${id} named other fields than its view shows`)
  if (guidance) Object.assign(view, guidance(open, facts))
  return { view, version }
}

/** The case-file fields the role may read on some case, sorted and unique, as an event keeps them. */
const disclosableFields = (actor: CaseActor): readonly string[] => disclosableByAbility(actor.ability)
const disclosableByAbility = memoBy((ability: CaseActor['ability']): readonly string[] =>
  [...new Set(caseFileFieldsOf(readableFields(ability)))].sort(),
)

/**
 * A set of field names as the audited read's statement returns it (sorted, comma-separated): once
 * per field list, which views share (viewOf).
 */
const fieldSetKey = memoBy((fields: readonly string[]): string => [...new Set(fields)].sort().join(','))

/** The sections the role may read some field of, once per ability. */
const readableSectionsOf = memoBy((ability: CaseActor['ability']): ReadonlySet<string> => new Set(readableFields(ability).map(sectionOf)))

export interface CaseListQuery {
  readonly limit: number
  readonly cursor: string | undefined
  readonly parameters: CaseSearchParameters
}

/** A page of GET /cases. */
export interface CasePage {
  readonly items: CaseView[]
  readonly nextCursor: string | null
}

/**
 * GET /cases: the cases in the caller's scope that match the search, in the order asked, each
 * filtered like a single read. A filter or sort on a field the role may not read is a 403 naming it.
 *
 * `render` turns the page into what the response sends (the route's compiled serializer) before the
 * audit event is awaited, so that the page's objects die young: under load the wait for the event
 * spans a turn of a busy event loop, and 25 cases' rows and views kept across it are promoted and
 * collected by the major collector (README, "The list's page rendered before its audit wait").
 */
export async function listCases<Rendered>(
  db: Kysely<Database>,
  actor: CaseActor,
  query: CaseListQuery,
  cursors: CursorCodec,
  recordAudit: RecordAudit,
  render: (page: CasePage) => Rendered,
): Promise<Rendered> {
  const sort = sortOf(query.parameters)
  refuseUnreadableSearch(actor.ability, query.parameters, sort)
  const after = cursors.decode(query.cursor, query.parameters)
  const rows = await searchCasesInScope(db, caseScopeFilter(actor.ability, 'read'), selectionOf(actor), {
    parameters: query.parameters,
    sort,
    after,
    limit: query.limit + 1,
    sectionOpen: (section) => sectionOpenSql(actor.principal, actor.scope, section),
    organizationId: actor.principal.organizationId,
    userId: actor.principal.userId,
    readableSections: readableSectionsOf(actor.ability),
  })
  const visible = rows.map((row) => ({ row, access: accessOf(actor, row) })).filter(({ access }) => access.canRead('case.id'))
  const page = visible.slice(0, query.limit)
  const disclosed = new Set<string>()
  const items = page.map((open) => {
    const { view, fields } = viewOf(open)
    for (const field of fields) disclosed.add(field)
    return view
  })
  const last = page.at(-1)?.row as (SelectedCaseRow & { search_key: string }) | undefined
  const rendered = render({
    items,
    nextCursor: rows.length > query.limit && last ? cursors.encode({ key: last.search_key, id: last.id }, query.parameters) : null,
  })
  await recordAudit({ caseIds: page.map(({ row }) => row.id), fields: [...disclosed] })
  return rendered
}

/** Section documents as stored: a null in a write removes the field. */
function mergeSection(current: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...current }
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete merged[field]
    else merged[field] = value
  }
  return merged
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

export async function createCase(
  db: Kysely<Database>,
  actor: CaseActor,
  input: NewCaseInput,
  options: { id?: string; childRefKey: string },
  recordAudit: RecordAudit,
): Promise<CaseResult & { possibleDuplicates: PossibleDuplicate[] }> {
  if (!actor.ability.can('create_case', 'Case')) throw new AppError('forbidden', 'Your role does not open cases')
  const written = fieldsOfWrite(input)
  // The creator's organisation will lead the case: the rule's walls are its role's letters alone.
  const denied = deniedFields(actor.ability, 'create', written)
  if (denied.length > 0) throw forbiddenFields(denied)

  checkCaseDates(input, new Date())
  // The same child as an earlier case the creator may read: the new case shares its pseudonym.
  let childRef: string | undefined
  if (input.sameChildAs !== undefined) {
    const earlier = await openCase(db, actor, input.sameChildAs)
    if (!earlier.access.canRead('case.childRef'))
      throw new AppError('forbidden', 'You may not read the childRef of that case', { deniedFields: ['case.childRef'] })
    childRef = String(earlier.row.child_ref)
  }

  const id = options.id ?? uuidv7()
  const year = new Date().getUTCFullYear()
  const number = await nextCaseNumber(db, year)
  const sections: Record<string, Record<string, unknown>> = {}
  for (const section of WRITABLE_SECTIONS) sections[SECTION_COLUMNS[section]] = mergeSection({}, input[section] ?? {})
  await insertCase(db, {
    id,
    case_number: `ATD-${year}-${String(number).padStart(6, '0')}`,
    child_ref: childRef ?? childRefFor(options.childRefKey, id),
    risk_level: input.riskLevel,
    lead_organization_id: actor.principal.organizationId,
    created_by: actor.principal.userId,
    date_of_birth: (input.identity?.dateOfBirth as string | undefined) ?? null,
    ...Object.fromEntries(Object.entries(sections).map(([column, value]) => [column, JSON.stringify(value)])),
    section_versions: JSON.stringify({ case: 1 }),
    section_updated_at: sql<string>`jsonb_build_object('case', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`,
  })
  await insertLeadParticipation(db, id, actor.principal.organizationId, actor.principal.userId)
  await insertHistory(
    db,
    written.map((field) => ({
      case_id: id,
      field,
      old_value: null,
      new_value:
        field === 'case.riskLevel'
          ? input.riskLevel
          : input[field.slice(0, field.indexOf('.')) as WritableSection]?.[field.slice(field.indexOf('.') + 1)],
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    })),
  )
  const { view, fields, version } = viewOf(await openCase(db, actor, id))
  const possibleDuplicates = await findPossibleDuplicates(db, actor, id, input)
  // The duplicates' ids and case numbers are disclosed too.
  await recordAudit({
    caseIds: [id, ...possibleDuplicates.map((duplicate) => duplicate.id)],
    fields: [...written, ...fields],
    changedFields: written,
  })
  return { view, version, possibleDuplicates }
}

export async function patchCase(
  db: Kysely<Database>,
  actor: CaseActor,
  id: string,
  expectedVersion: number | undefined,
  input: CasePatchInput,
  recordAudit: RecordAudit,
): Promise<CaseResult> {
  const written = fieldsOfWrite(input)
  const target = await openCase(db, actor, id, { forUpdate: true, alsoSelect: written })
  // Refused before the version is compared: a 412 would say that a section behind a wall changed.
  target.access.refuseUnwritable('update', written)
  if (expectedVersion === undefined || expectedVersion !== readerVersion(target.access, target.row).version) {
    throw new AppError('precondition-failed', 'The case has changed since you read it; read it again and retry')
  }

  checkCaseDates(input, target.row.opened_at as Date)

  const current = target.row as Record<string, unknown>
  const changes: Updateable<CaseTable> = {}
  const history: Parameters<typeof insertHistory>[1] = []
  const note = (field: string, oldValue: unknown, newValue: unknown) => {
    if (!sameValue(oldValue, newValue))
      history.push({
        case_id: id,
        field,
        old_value: oldValue ?? null,
        new_value: newValue ?? null,
        actor_id: actor.principal.userId,
        request_id: actor.requestId,
      })
  }
  if (input.riskLevel !== undefined) {
    note('case.riskLevel', current.risk_level, input.riskLevel)
    changes.risk_level = input.riskLevel
  }
  for (const section of WRITABLE_SECTIONS) {
    const sectionChanges = input[section]
    if (!sectionChanges) continue
    const column = SECTION_COLUMNS[section]
    const before = (current[column] ?? {}) as Record<string, unknown>
    for (const [field, value] of Object.entries(sectionChanges)) note(`${section}.${field}`, before[field], value)
    changes[column] = JSON.stringify(mergeSection(before, sectionChanges))
    if (section === 'identity' && 'dateOfBirth' in sectionChanges)
      changes.date_of_birth = (sectionChanges.dateOfBirth as string | null | undefined) ?? null
  }

  let changed = target
  if (history.length > 0) {
    const row = await updateCaseReturning(
      db,
      id,
      changes,
      history.map((entry) => sectionOf(entry.field)),
      selectionOf(actor),
    )
    changed = { row, access: accessOf(actor, row) }
    await insertHistory(db, history)
  }
  const { view, fields, version } = viewOf(changed)
  await recordAudit({ caseIds: [id], fields, changedFields: history.map((entry) => entry.field) })
  return { view, version }
}

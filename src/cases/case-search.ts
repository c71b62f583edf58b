import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { isoDate } from '../http/dates.js'
import { readableFields } from '../access/abilities.js'
import type { AppAbility } from '../access/abilities.js'
import { AppError } from '../http/problem.js'
import { AGE_BRACKETS, CASE_STATUSES, RISK_LEVELS, STAGES } from './case-sections.js'
import { PLACEMENT_TYPES } from '../lifecycle/placement.schemas.js'

/**
 * Search on GET /cases (PRODUCT.md, "Finding cases and the day's work"): which fields each filter
 * and sort reads (a filter or sort on a field the caller may not read is a 403 naming it), and the
 * opaque, signed keyset cursor. The matching itself is SQL (case-search.repository.ts).
 */

export const SORT_KEYS = ['openedAt', 'updatedAt', 'riskLevel', 'caseNumber', 'similarity'] as const
export type SortKey = (typeof SORT_KEYS)[number]
export const SORT_VALUES = SORT_KEYS.flatMap((key) => [key, `-${key}`] as const)

const NAME_FIELDS = ['identity.givenName', 'identity.familyName', 'identity.otherNames'] as const

/** The search parameters of GET /cases (besides limit and cursor). */
export const caseSearchQueryShape = {
  stage: z.enum(STAGES).optional().describe('only cases at this stage of their lifecycle'),
  status: z.enum(CASE_STATUSES).optional().describe('only open or only closed cases'),
  riskLevel: z.enum(RISK_LEVELS).optional().describe('only cases at this risk level'),
  inDetention: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('only cases whose child is (true) or is not (false) held in detention (section custody)'),
  q: z.string().trim().min(1).max(200).optional().describe('a name: accent- and case-insensitive, tolerant of misspellings and name order'),
  caseNumber: z.string().trim().min(1).max(40).optional().describe('the case’s human-readable number, exactly'),
  childRef: z.string().trim().min(1).max(40).optional().describe('the child’s pseudonym: every case of the same child'),
  nationality: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2')
    .optional()
    .describe('the child’s nationality, ISO 3166 alpha-2 (e.g. HN)'),
  ageBracket: z
    .enum([...AGE_BRACKETS, '18+'])
    .optional()
    .describe('only cases of children in this age bracket (section demographics)'),
  placementType: z.enum(PLACEMENT_TYPES).optional().describe('only cases whose current placement is of this type (section custody)'),
  leadOrganizationId: z.uuid().optional().describe('only cases this organisation leads'),
  assignedTo: z
    .union([z.literal('me'), z.uuid()])
    .optional()
    .describe('`me` or a user id: the assignee of the caller’s organisation'),
  openedFrom: isoDate.optional().describe('inclusive (UTC date)'),
  openedTo: isoDate.optional().describe('inclusive (UTC date)'),
  sort: z
    .enum(SORT_VALUES as [string, ...string[]])
    .optional()
    .describe('`field` ascending, `-field` descending; `similarity` only with q (the default then)'),
}

const searchQuerySchema = z.object(caseSearchQueryShape)
export type CaseSearchParameters = z.infer<typeof searchQuerySchema>

/** The field each filter reads: filtering on it discloses it through the result set. */
const FILTER_FIELDS: Record<Exclude<keyof CaseSearchParameters, 'sort'>, readonly string[]> = {
  stage: ['case.stage'],
  status: ['case.status'],
  riskLevel: ['case.riskLevel'],
  inDetention: ['custody.inDetention'],
  q: NAME_FIELDS,
  caseNumber: ['case.caseNumber'],
  childRef: ['case.childRef'],
  nationality: ['demographics.nationality'],
  ageBracket: ['demographics.ageBracket'],
  placementType: ['custody.placementType'],
  leadOrganizationId: ['case.leadOrganizationId'],
  assignedTo: ['case.id'],
  openedFrom: ['case.openedAt'],
  openedTo: ['case.openedAt'],
}

const SORT_FIELDS: Record<SortKey, readonly string[]> = {
  openedAt: ['case.openedAt'],
  updatedAt: ['case.updatedAt'],
  riskLevel: ['case.riskLevel'],
  caseNumber: ['case.caseNumber'],
  similarity: NAME_FIELDS,
}

export interface CaseSort {
  /** `id` is the order without `sort` and without `q`: newest first. */
  readonly key: SortKey | 'id'
  readonly descending: boolean
}

export function sortOf(parameters: CaseSearchParameters): CaseSort {
  if (!parameters.sort) return parameters.q ? { key: 'similarity', descending: true } : { key: 'id', descending: true }
  const descending = parameters.sort.startsWith('-')
  const key = (descending ? parameters.sort.slice(1) : parameters.sort) as SortKey
  if (key === 'similarity' && !parameters.q) throw new AppError('bad-request', 'sort=similarity needs q')
  return { key, descending }
}

/**
 * 403 naming every filter and sort on a field the caller's role may not read. Where the role may
 * read it but a case's participation or consent withholds it, the filter holds only where the
 * section is open (the repository adds that condition): it never answers yes/no about a hidden value.
 */
export function refuseUnreadableSearch(ability: AppAbility, parameters: CaseSearchParameters, sort: CaseSort): void {
  const readable = new Set(readableFields(ability))
  const refusedFilters = Object.entries(FILTER_FIELDS).filter(
    ([name, fields]) => parameters[name as keyof CaseSearchParameters] !== undefined && fields.some((field) => !readable.has(field)),
  )
  const refusedSort = sort.key !== 'id' && SORT_FIELDS[sort.key].some((field) => !readable.has(field)) ? sort.key : undefined
  if (refusedFilters.length === 0 && !refusedSort) return
  const denied = new Set<string>()
  for (const [, fields] of refusedFilters) for (const field of fields) if (!readable.has(field)) denied.add(field)
  if (refusedSort) for (const field of SORT_FIELDS[refusedSort]) if (!readable.has(field)) denied.add(field)
  const parts = [
    ...(refusedFilters.length > 0 ? [`filter on ${refusedFilters.map(([name]) => name).join(', ')}`] : []),
    ...(refusedSort ? [`sort on ${refusedSort}`] : []),
  ]
  throw new AppError('forbidden', `You may not ${parts.join(' or ')}`, {
    deniedFields: [...denied],
    deniedParameters: [...refusedFilters.map(([name]) => name), ...(refusedSort ? ['sort'] : [])],
  })
}

/** Where the next page starts: the last item's sort key (as text) and id. */
export interface CaseCursor {
  readonly key: string
  readonly id: string
}

const cursorPayload = z.strictObject({ k: z.string().max(100), i: z.uuid(), h: z.string().length(16) })

/**
 * Cursors are opaque and signed (HMAC of the payload with a key derived from the instance's
 * child-reference key), and bound to the query they came from: a forged, altered or foreign cursor
 * is a 400, never a 500.
 */
export class CursorCodec {
  readonly #key: Buffer

  constructor(secret: string) {
    this.#key = createHmac('sha256', secret).update('case-list-cursor').digest()
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, 16).toString('base64url')
  }

  #queryHash(parameters: CaseSearchParameters): string {
    const entries = Object.entries(parameters)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
    return createHmac('sha256', this.#key).update(JSON.stringify(entries)).digest().subarray(0, 12).toString('base64url')
  }

  encode(cursor: CaseCursor, parameters: CaseSearchParameters): string {
    const payload = Buffer.from(JSON.stringify({ k: cursor.key, i: cursor.id, h: this.#queryHash(parameters) })).toString('base64url')
    return `${payload}.${this.#sign(payload)}`
  }

  decode(text: string | undefined, parameters: CaseSearchParameters): CaseCursor | undefined {
    if (text === undefined) return undefined
    const invalid = () => new AppError('bad-request', 'The cursor is not valid')
    const [payload, signature, ...rest] = text.split('.')
    if (!payload || !signature || rest.length > 0) throw invalid()
    const expected = Buffer.from(this.#sign(payload))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid()
    let parsed: z.infer<typeof cursorPayload>
    try {
      parsed = cursorPayload.parse(JSON.parse(Buffer.from(payload, 'base64url').toString()))
    } catch {
      throw invalid()
    }
    if (parsed.h !== this.#queryHash(parameters))
      throw new AppError('bad-request', 'The cursor belongs to another search; start again without it')
    return { key: parsed.k, id: parsed.i }
  }
}

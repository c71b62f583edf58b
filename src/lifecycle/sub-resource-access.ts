import { AppError } from '../http/problem.js'
import type { CaseActor } from '../cases/case.service.js'
import { scopeAttributesOf } from '../cases/case.service.js'
import type { SelectedCaseRow } from '../cases/case.repository.js'
import { deniedFields, readableFields } from '../policies/abilities.js'

/**
 * Sub-resources (placements, assessments, determinations) have fields of their own, each carried by
 * one field of the access matrix: `facilityName` of a placement is granted like `contact.currentAddress`.
 * A map from the record's field to that policy field decides every read and write.
 */
export type FieldMap<K extends string> = Readonly<Record<K, string>>

/** The name a client sees for a record's field: its section and its own name (`contact.facilityName`). */
export const qualifiedName = (policyField: string, field: string) => `${policyField.slice(0, policyField.indexOf('.'))}.${field}`

/** 403 naming the record's fields the caller may not set; nothing is written. */
export function refuseDeniedRecordFields<K extends string>(
  actor: CaseActor,
  action: 'create' | 'update',
  map: FieldMap<K>,
  fields: readonly K[],
  caseRow: SelectedCaseRow,
): void {
  const attributes = scopeAttributesOf(caseRow)
  const denied = fields.filter((field) => deniedFields(actor.ability, action, [map[field]], attributes).length > 0)
  if (denied.length > 0) {
    const names = denied.map((field) => qualifiedName(map[field], field))
    throw new AppError('forbidden-fields', `You may not write: ${names.join(', ')}`, { deniedFields: names })
  }
}

/** The record's fields this caller may read on this case. */
export function readableRecordFields<K extends string>(actor: CaseActor, map: FieldMap<K>, caseRow: SelectedCaseRow): Set<K> {
  const readable = new Set(readableFields(actor.ability, scopeAttributesOf(caseRow)))
  return new Set((Object.keys(map) as K[]).filter((field) => readable.has(map[field])))
}

/** The policy fields behind some record fields, for the audit trail (names only). */
export const policyFieldsOf = <K extends string>(map: FieldMap<K>, fields: Iterable<K>) => [...new Set([...fields].map((field) => map[field]))]

/** Only the keys the caller may read: an unreadable field is absent, never null. */
export function pick<K extends string>(view: Record<K, unknown>, readable: ReadonlySet<K>): Partial<Record<K, unknown>> {
  const result: Partial<Record<K, unknown>> = {}
  for (const key of Object.keys(view) as K[]) if (readable.has(key)) result[key] = view[key]
  return result
}

export const iso = (value: Date | string | null | undefined) => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : new Date(value).toISOString())

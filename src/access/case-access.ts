import { subject } from '@casl/ability'
import type { Principal } from '../auth/principal.js'
import { AppError } from '../http/problem.js'
import { type AppAbility, type CaseScopeAttributes, readableFields } from './abilities.js'

/**
 * THE access rule (PRODUCT.md, "Object scope"): what an organisation may read or write of a case is
 *
 *     the role's letters (access-matrix.yaml)
 *   ∩ the sections its participation covers
 *   ∩ not withheld from its organisation by a live consent.
 *
 * Every door asks this module: the case, lists and their filters, every record under a case, history,
 * alerts, tasks and statistics. Nothing else in the service decides what a caller may see.
 *
 * The lead organisation is `cases.lead_organization_id`; consents never withhold from it. Oversight
 * reaches every case by its scope, not by participating, and no consent withholds from it either
 * (it must be able to see that no child is detained).
 */

/** Who is asking. */
export interface CaseReader {
  readonly principal: Principal
  readonly ability: AppAbility
}

/** What the database says about one case for one reader (selected beside the case's columns). */
export interface CaseAccessFacts extends CaseScopeAttributes {
  readonly id: string
  readonly lead_organization_id: string
  /** The reader organisation's live participation: `['*']` for every section, a referral's sections, or null. */
  readonly participation_sections: readonly string[] | null
  /** Sections live consents withhold from the reader's organisation (empty for the lead). */
  readonly withheld_sections: readonly string[]
}

/** Marks a participation that covers every section. */
export const ALL_SECTIONS = '*'

/** The case's own top-level fields come with any participation: without them a case has no name. */
export const ALWAYS_COVERED = 'case'

export type WallReason = 'role' | 'participation' | 'withheld_by_consent'

export const sectionOf = (field: string): string => field.slice(0, field.indexOf('.'))

/** One reader's access to one case, as the rule decides it. */
export class CaseAccess {
  readonly #reader: CaseReader
  readonly #facts: CaseAccessFacts
  readonly #readable: ReadableShape

  constructor(reader: CaseReader, facts: CaseAccessFacts) {
    this.#reader = reader
    this.#facts = facts
    this.#readable = readableShapeOf(readableFields(reader.ability, facts), this.#wallKey(), (section) => this.wallOf(section))
  }

  get caseId(): string {
    return this.#facts.id
  }

  get isLead(): boolean {
    return this.#facts.lead_organization_id === this.#reader.principal.organizationId
  }

  /** Every `section.field` the reader may read on this case. */
  readableFields(): readonly string[] {
    return this.#readable.fields
  }

  /** The sections with at least one readable field. */
  readableSections(): ReadonlySet<string> {
    return this.#readable.sections
  }

  canRead(field: string): boolean {
    return this.#readable.fieldSet.has(field)
  }

  canReadSection(section: string): boolean {
    return this.#readable.sections.has(section)
  }

  /**
   * Whether the reader may set the field. The same walls stand as for reading: a section withheld
   * from the organisation or outside its participation is not writable. The only writes without
   * reading are the matrix's own c-without-r letters (a migration officer reporting what it saw).
   */
  canWrite(action: 'create' | 'update', field: string): boolean {
    return this.wallOf(sectionOf(field)) === undefined && this.#reader.ability.can(action, this.#subject(), field)
  }

  /** Whether the role may take a case action (share, transfer, decide…) on this case. */
  may(action: Parameters<AppAbility['can']>[0]): boolean {
    return this.#reader.ability.can(action, this.#subject())
  }

  /** 403 naming every requested field the reader may not set; nothing is written. */
  refuseUnwritable(action: 'create' | 'update', fields: readonly string[]): void {
    const denied = fields.filter((field) => !this.canWrite(action, field))
    if (denied.length > 0) throw forbiddenFields(denied)
  }

  /** 403 unless the reader may read this section of the case; says which wall stands, never what is behind it. */
  requireReadableSection(section: string, what: string): void {
    if (this.canReadSection(section)) return
    const wall = this.wallOf(section) ?? 'role'
    throw new AppError('forbidden', `You may not read ${what} of this case`, { reason: wall })
  }

  /** 403 unless the reader may take this case action. */
  requireAction(action: Parameters<AppAbility['can']>[0], what: string): void {
    if (!this.may(action)) throw new AppError('forbidden', `Your role may not ${what}`, { reason: 'role' })
  }

  /** The wall that keeps a section from the reader on this case, if any, apart from the role's letters. */
  wallOf(section: string): Exclude<WallReason, 'role'> | undefined {
    const covered = this.#facts.participation_sections
    if (covered === null) {
      // Not a participant: only a scope that reaches every case (oversight) sees anything.
      return undefined
    }
    if (section !== ALWAYS_COVERED && !covered.includes(ALL_SECTIONS) && !covered.includes(section)) return 'participation'
    if (!this.isLead && this.#facts.withheld_sections.includes(section)) return 'withheld_by_consent'
    return undefined
  }

  /** What wallOf looks at, as a key: the participation, and the consents unless the reader leads. */
  #wallKey(): string {
    const covered = this.#facts.participation_sections
    return `${covered === null ? '-' : covered.join(',')}|${this.isLead ? '' : this.#facts.withheld_sections.join(',')}`
  }

  #subject() {
    return subject('Case', { participantOrganizationIds: this.#facts.participantOrganizationIds, stage: this.#facts.stage })
  }
}

export function forbiddenFields(fields: readonly string[]): AppError {
  return new AppError('forbidden-fields', `You may not write: ${fields.join(', ')}`, { deniedFields: [...fields] })
}

/** The fields the rule leaves readable on a case, with their lookups. */
interface ReadableShape {
  readonly fields: readonly string[]
  readonly fieldSet: ReadonlySet<string>
  readonly sections: ReadonlySet<string>
}

/**
 * The role's fields on a case narrowed by its walls, worked out once per pattern of walls: a page of
 * cases mostly shares one (the same participation, no consent withholding), so the walls are not
 * checked field by field for every case listed. Keyed by the role's field list, which abilities.ts
 * keeps per ability and pattern of conditions, so a shape never outlives the ability it was made for.
 */
const shapesByFields = new WeakMap<readonly string[], Map<string, ReadableShape>>()
const MAX_SHAPES_PER_FIELD_LIST = 256

function readableShapeOf(
  roleFields: readonly string[],
  wallKey: string,
  wallOf: (section: string) => WallReason | undefined,
): ReadableShape {
  let shapes = shapesByFields.get(roleFields)
  if (!shapes) shapesByFields.set(roleFields, (shapes = new Map()))
  let shape = shapes.get(wallKey)
  if (!shape) {
    const fields = roleFields.filter((field) => wallOf(sectionOf(field)) === undefined)
    shape = { fields, fieldSet: new Set(fields), sections: new Set(fields.map(sectionOf)) }
    if (shapes.size >= MAX_SHAPES_PER_FIELD_LIST) shapes.clear()
    shapes.set(wallKey, shape)
  }
  return shape
}

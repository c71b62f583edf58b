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
  readonly #readable: readonly string[]

  constructor(reader: CaseReader, facts: CaseAccessFacts) {
    this.#reader = reader
    this.#facts = facts
    this.#readable = readableFields(reader.ability, facts).filter((field) => this.wallOf(sectionOf(field)) === undefined)
  }

  get caseId(): string {
    return this.#facts.id
  }

  get isLead(): boolean {
    return this.#facts.lead_organization_id === this.#reader.principal.organizationId
  }

  /** Every `section.field` the reader may read on this case. */
  readableFields(): readonly string[] {
    return this.#readable
  }

  /** The sections with at least one readable field. */
  readableSections(): ReadonlySet<string> {
    return new Set(this.#readable.map(sectionOf))
  }

  canRead(field: string): boolean {
    return this.#readable.includes(field)
  }

  canReadSection(section: string): boolean {
    return this.#readable.some((field) => sectionOf(field) === section)
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

  #subject() {
    return subject('Case', { participantOrganizationIds: this.#facts.participantOrganizationIds, stage: this.#facts.stage })
  }
}

export function forbiddenFields(fields: readonly string[]): AppError {
  return new AppError('forbidden-fields', `You may not write: ${fields.join(', ')}`, { deniedFields: [...fields] })
}

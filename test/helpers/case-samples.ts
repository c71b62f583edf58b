import { appendFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { WRITABLE_SECTIONS, WRITABLE_SECTION_FIELDS, type NewCaseInput } from '../../src/cases/case-sections.js'

export const MARKER_DIRECTORY = path.resolve('.tap', 'markers')

/**
 * Marker values are unique strings seeded into case data. The suite-wide log scan (and the tests
 * themselves) look for them where they must never appear. Every marker is registered to a file.
 */
export function newMarker(label: string): string {
  const marker = `MRK${randomBytes(6).toString('hex')}${label.replace(/[^A-Za-z]/g, '').slice(0, 12)}`
  mkdirSync(MARKER_DIRECTORY, { recursive: true })
  appendFileSync(path.join(MARKER_DIRECTORY, `${process.pid}.txt`), `${marker}\n`)
  return marker
}

/** A valid value for a writable field; free-text fields carry a marker, returned alongside. */
export function sampleValue(section: string, field: string, variant: 1 | 2 = 1): { value: unknown; marker?: string } {
  const text = () => {
    const marker = newMarker(`${section}${field}`)
    return { value: marker, marker }
  }
  const key = `${section}.${field}`
  switch (key) {
    case 'demographics.sex':
      return { value: variant === 1 ? 'female' : 'male' }
    case 'demographics.nationality':
      return { value: variant === 1 ? 'GT' : 'HN' }
    case 'demographics.separationStatus':
      return { value: variant === 1 ? 'unaccompanied' : 'separated' }
    case 'identity.dateOfBirth':
      return { value: variant === 1 ? '2010-05-17' : '2011-01-09' }
    case 'identity.dateOfBirthEstimated':
    case 'health.urgentMedicalNeed':
    case 'protection.asylumNeedIdentified':
      return { value: variant === 1 }
    case 'identity.otherNames':
    case 'identity.languages':
    case 'health.conditions':
    case 'health.disabilities':
    case 'health.medications':
    case 'protection.traffickingIndicators':
    case 'protection.violenceExperienced': {
      const { marker } = text()
      return { value: [marker], marker }
    }
    case 'identity.identityDocuments': {
      const { marker } = text()
      return { value: [{ type: 'birth_certificate', number: marker, issuingCountry: 'GT' }], marker }
    }
    case 'contact.family': {
      const { marker } = text()
      return { value: [{ relationship: 'mother', name: marker, country: 'GT', tracingStatus: 'in_progress' }], marker }
    }
    // After the case was opened and not in the future (PRODUCT.md, dates): relative to the time of the write.
    case 'custody.procuraduriaNotifiedAt':
      return { value: new Date(Date.now() - (variant === 1 ? 60_000 : 1_000)).toISOString() }
    case 'custody.channelledAt':
      return { value: new Date(Date.now() - (variant === 1 ? 30_000 : 500)).toISOString() }
    case 'legalStatus.migrationStatus':
      return { value: variant === 1 ? 'humanitarian_visitor' : 'asylum_seeker' }
    case 'legalStatus.entryDate':
      return { value: variant === 1 ? '2026-11-18' : '2026-11-19' }
    case 'legalStatus.asylumClaimStatus':
      return { value: variant === 1 ? 'intended' : 'filed' }
    case 'legal.guardian': {
      const { marker } = text()
      return { value: { type: 'procuraduria', name: marker, representationType: 'suplencia', appointedAt: '2026-11-21' }, marker }
    }
    case 'legal.representation': {
      const { marker } = text()
      return { value: { attorneyName: marker, organizationId: '0190a0a0-0000-7000-8000-000000000001', since: '2026-11-22' }, marker }
    }
    case 'legal.asylum': {
      const { marker } = text()
      return { value: { fileNumber: marker, filedAt: '2026-11-23' }, marker }
    }
    default:
      return text()
  }
}

/** Every writable field of the case file set, with the markers of its free-text fields by field. */
export function fullCaseInput(): { input: NewCaseInput; markers: Map<string, string> } {
  const markers = new Map<string, string>()
  const input: Record<string, unknown> = { riskLevel: 'high' }
  for (const section of WRITABLE_SECTIONS) {
    const values: Record<string, unknown> = {}
    for (const field of Object.keys(WRITABLE_SECTION_FIELDS[section])) {
      const sample = sampleValue(section, field)
      values[field] = sample.value
      if (sample.marker) markers.set(`${section}.${field}`, sample.marker)
    }
    input[section] = values
  }
  return { input: input as unknown as NewCaseInput, markers }
}

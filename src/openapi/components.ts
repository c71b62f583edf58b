import { z } from 'zod'
import { auditEventListSchema, auditEventSchema } from '../audit/audit.schemas.js'
import { casePatchSchema, newCaseSchema } from '../cases/case-sections.js'
import { caseListSchema, caseViewSchema } from '../cases/case.schemas.js'
import { problemSchema } from '../http/problem-schema.js'
import { alertListSchema, alertSchema } from '../lifecycle/alert.schemas.js'
import { assessmentListSchema, assessmentViewSchema, newAssessmentSchema } from '../lifecycle/assessment.schemas.js'
import { determinationListSchema, determinationViewSchema, newDeterminationSchema } from '../lifecycle/determination.schemas.js'
import { newPlacementSchema, placementListSchema, placementViewSchema } from '../lifecycle/placement.schemas.js'
import { transitionListSchema, transitionRequestSchema, transitionViewSchema } from '../lifecycle/transition.schemas.js'
import { organizationKindSchema, organizationListSchema, organizationSchema } from '../organizations/organization.schemas.js'
import { consentListSchema, consentViewSchema, newConsentSchema } from '../records/consent.schemas.js'
import { newNoteSchema, noteListSchema, noteViewSchema } from '../records/note.schemas.js'
import { legalBasisSchema, participantListSchema, participantViewSchema, shareCaseSchema } from '../records/participant.schemas.js'
import { roleSchema, userListSchema, userSchema } from '../users/user.schemas.js'

/**
 * The named component schemas of openapi.yaml: each zod schema registered here is written once under
 * components/schemas and reused by $ref wherever a route uses it, so a generated client has type names.
 * A new resource adds one line (its view, list and create schemas).
 */
const COMPONENTS: readonly [z.ZodType, string][] = [
  [problemSchema, 'Problem'],
  [caseViewSchema, 'Case'],
  [caseListSchema, 'CaseList'],
  [newCaseSchema, 'NewCase'],
  [casePatchSchema, 'CasePatch'],
  [placementViewSchema, 'Placement'],
  [placementListSchema, 'PlacementList'],
  [newPlacementSchema, 'NewPlacement'],
  [assessmentViewSchema, 'Assessment'],
  [assessmentListSchema, 'AssessmentList'],
  [newAssessmentSchema, 'NewAssessment'],
  [determinationViewSchema, 'Determination'],
  [determinationListSchema, 'DeterminationList'],
  [newDeterminationSchema, 'NewDetermination'],
  [transitionViewSchema, 'Transition'],
  [transitionListSchema, 'TransitionList'],
  [transitionRequestSchema, 'TransitionRequest'],
  [consentViewSchema, 'Consent'],
  [consentListSchema, 'ConsentList'],
  [newConsentSchema, 'NewConsent'],
  [noteViewSchema, 'Note'],
  [noteListSchema, 'NoteList'],
  [newNoteSchema, 'NewNote'],
  [participantViewSchema, 'Participant'],
  [participantListSchema, 'ParticipantList'],
  [shareCaseSchema, 'ShareCase'],
  [legalBasisSchema, 'LegalBasis'],
  [userSchema, 'User'],
  [userListSchema, 'UserList'],
  [roleSchema, 'Role'],
  [organizationSchema, 'Organization'],
  [organizationListSchema, 'OrganizationList'],
  [organizationKindSchema, 'OrganizationKind'],
  [auditEventSchema, 'AuditEvent'],
  [auditEventListSchema, 'AuditEventList'],
  [alertSchema, 'Alert'],
  [alertListSchema, 'AlertList'],
]

/** Registers the names once per process (every app built in a test process shares the registry). */
export function registerComponentSchemas(): void {
  for (const [schema, id] of COMPONENTS) {
    // `.describe()` already put some of them in the registry (with a description): keep it, add the id.
    const meta = z.globalRegistry.get(schema)
    if (meta?.id === id) continue
    if (meta) z.globalRegistry.remove(schema)
    z.globalRegistry.add(schema, { ...meta, id })
  }
}

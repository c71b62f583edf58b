import { ROLES } from '../auth/principal.js'
import { type Letter, type Policy, type Scope, POLICY_ACTIONS, policyVersion } from './policy.js'
import { RESTRICTED_TRANSITIONS } from './restricted-transitions.js'

export const MATRIX_DOCUMENT = 'policies/MATRIX.md'

const WORDS: Readonly<Record<Letter, string>> = { r: 'read', c: 'create', u: 'update' }

const ACTION_WORDS: Readonly<Record<(typeof POLICY_ACTIONS)[number], string>> = {
  create_case: 'open a new case',
  transition_stage: 'move a case to another stage',
  decide_determination: 'decide a best-interest determination',
  share_case: 'share a case with another organisation (consent or legal basis required)',
  refer_case: 'refer a case to another organisation for a service (consent or legal basis required)',
  transfer_case: 'transfer responsibility for a case (a migration officer: only the hand-over to child protection)',
  end_participation: "end another organisation's participation in a case",
  assign_case: 'assign a case to a user of its own organisation',
  read_directory: 'list organisations (id, name, kind)',
  read_users: 'read users (id, name, role, organisation, active)',
  read_audit_trail: 'read the audit trail',
  read_statistics: 'read statistics',
  manage_organizations_and_users: 'manage organisations and users',
}

/** The policy as a document for people who review it; `npx tsx scripts/matrix.ts` writes it. */
export function renderMatrixDocument(policy: Policy): string {
  const lines = [
    '<!-- Generated from policies/access-matrix.yaml and policies/scope.yaml by `npx tsx scripts/matrix.ts`. Do not edit. -->',
    '',
    '# Who may see and change what',
    '',
    `Policy version \`${policyVersion(policy)}\` (recorded with every audit event).`,
    '',
    '## Which cases each role reaches',
    '',
    ...table(
      ['role', 'reaches'],
      ROLES.map((role) => [code(role), describeScope(policy.scopes[role])]),
    ),
    '',
    '## What each role may do with each section of a case',
    '',
    '"create" means the role may set the section\'s fields when a case or its record is created;',
    '"update" means it may change them later. Where fields are derived or live in records of their own',
    '(placements, assessments, determinations, notes, consents), these words mean creating and changing',
    'those records; derived fields themselves are read-only for everyone. A section a role may not read is',
    'absent from what it receives.',
    '',
    ...table(
      ['section', ...ROLES.map(code)],
      Object.keys(policy.sections).map((section) => [
        code(section),
        ...ROLES.map((role) => (policy.grants[role][section] ?? []).map((letter) => WORDS[letter]).join(', ') || '—'),
      ]),
    ),
    ...fieldExceptions(policy),
    '',
    '## What else each role may do',
    '',
    ...table(
      ['action', 'what', 'roles'],
      POLICY_ACTIONS.map((action) => [code(action), ACTION_WORDS[action], policy.actions[action].map(code).join(', ') || '—']),
    ),
    ...restrictedTransitions(policy),
    '',
    '## The fields of each section',
    '',
    ...table(
      ['section', 'fields'],
      Object.entries(policy.sections).map(([section, fields]) => [code(section), fields.map(code).join(', ')]),
    ),
    '',
  ]
  return lines.join('\n')
}

function fieldExceptions(policy: Policy): string[] {
  return ROLES.flatMap((role) =>
    Object.entries(policy.fieldGrants[role]).map(
      ([field, letters]) =>
        `\nFor ${code(role)}, the field ${code(field)} has letters of its own: ${letters.map((letter) => WORDS[letter]).join(', ') || '—'}.`,
    ),
  )
}

function restrictedTransitions(policy: Policy): string[] {
  return ROLES.flatMap((role) => {
    const moves = RESTRICTED_TRANSITIONS[role]
    if (!moves || policy.actions.transition_stage.includes(role)) return []
    const which = moves.map((move) => `from \`${move.from}\` to \`${move.to}\``).join(' or ')
    return ['', `A ${code(role)} may also move a case, but only ${which}.`]
  })
}

function describeScope(scope: Scope): string {
  if (scope.kind === 'all') return 'every case'
  if (scope.kind === 'none') return 'no case'
  const keys = Object.keys(scope.condition)
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CASL placeholder written in scope.yaml, not a template
  if (keys.length === 1 && scope.condition.participantOrganizationIds === '${user.organizationId}') {
    return 'the cases its organisation participates in'
  }
  return `the cases matching \`${JSON.stringify(scope.condition)}\``
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)]
}

function code(text: string): string {
  return `\`${text}\``
}

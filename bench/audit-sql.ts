import type { Policy } from '../src/access/policy.js'
import { hash, literal, pick, textArray } from './sql-values.js'

/** The `section.field` names a role may read, as the service records them for a read. */
export function readableFieldsOf(policy: Policy, role: string): string[] {
  const grants = policy.grants[role as keyof Policy['grants']] ?? {}
  return Object.entries(policy.sections).flatMap(([section, fields]) =>
    (grants[section] ?? []).includes('r') ? fields.map((field) => `${section}.${field}`) : [],
  )
}

const ROLES_THAT_LEAD = ['ngo_caseworker', 'protection_officer', 'migration_officer']

/**
 * $1..$2: event ordinals; $3: total events; $4: cases in the plan. Each event is about a case and
 * done by a user of its lead organisation, spread evenly over the last 400 days in id order.
 */
export function insertAuditEventsSql(policy: Policy, policyVersion: string): string {
  const fieldsByRole = ROLES_THAT_LEAD.map((role) => `WHEN ${literal(role)} THEN ${textArray(readableFieldsOf(policy, role))}`).join(' ')
  return `INSERT INTO audit_events (occurred_at, request_id, actor_id, actor_role, actor_organization_id, action, case_ids, fields, outcome, reason, policy_version)
SELECT now() - interval '400 days' + (interval '400 days' * g.k / $3::bigint),
  'bench-audit-' || g.k,
  pg_temp.u('bench-user|' || p.lead_role || '|' || p.lead_org || '|' || (${hash('g.k', 61)} % 4)),
  p.lead_role,
  pg_temp.u('bench-org-' || p.lead_org),
  a.action,
  ARRAY[p.id],
  CASE WHEN a.denied THEN '{}'::text[] WHEN a.action = 'case.update' THEN ARRAY['contact.phone', 'health.notes']
       ELSE CASE p.lead_role ${fieldsByRole} END END,
  CASE WHEN a.denied THEN 'denied' ELSE 'allowed' END,
  CASE WHEN a.denied THEN 'forbidden-fields' END,
  ${literal(policyVersion)}
FROM generate_series($1::bigint, $2::bigint) AS g(k)
JOIN bench_plan p ON p.i = 1 + ${hash('g.k', 60)} % $4::bigint
CROSS JOIN LATERAL (SELECT ${pick(['case.read', 'case.read', 'case.read', 'case.read', 'case.read', 'case.read', 'case.read', 'case.list', 'case.update', 'case.update'], 'g.k', 62)} AS action,
  ${hash('g.k', 63)} % 200 = 0 AS denied) a`
}

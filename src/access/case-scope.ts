import { sql } from 'kysely'
import type { AppAbility } from './abilities.js'
import { type FieldResolvers, accessibleWhere } from './casl-to-kysely.js'
import type { ScopeFilter } from '../cases/case.repository.js'

/** How the fields that policy conditions name are found in SQL, for the cases table. */
const CASE_CONDITION_FIELDS: FieldResolvers = {
  // Uses the (organization_id, case_id) index of live participations: no scan of all cases.
  participantOrganizationIds: {
    arrayMembership: (_eb, organizationIds) =>
      sql<boolean>`EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = cases.id AND p.ended_at IS NULL AND p.organization_id IN (${sql.join(
        organizationIds.map((id) => sql`${id}::uuid`),
      )}))`,
  },
  stage: { column: 'cases.stage', nullable: false },
}

/** The caller's object scope for an action on cases, as a SQL condition. */
export function caseScopeFilter(ability: AppAbility, action: ScopedAction): ScopeFilter {
  let filters = filtersByAbility.get(ability)
  if (!filters) filtersByAbility.set(ability, (filters = new Map()))
  let filter = filters.get(action)
  if (!filter) {
    const condition = accessibleWhere(ability, action, 'Case', CASE_CONDITION_FIELDS)
    filter = () => condition
    filters.set(action, filter)
  }
  return filter
}

type ScopedAction = 'read' | 'update' | 'transition' | 'share' | 'decide_determination'
// Abilities are shared between a user's requests (plugins/abilities.ts): so is their SQL.
const filtersByAbility = new WeakMap<AppAbility, Map<ScopedAction, ScopeFilter>>()

import type { AnyMongoAbility } from '@casl/ability'
import { rulesToAST } from '@casl/ability/extra'
import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely'
import { canonicalJson } from '../shared/canonical-json.js'

// Our counterpart of casl-prisma's accessibleBy: lists filter in the database, never in memory.
//
// A NULL column stands for an absent field, which is how CASL's own matcher must see the row for
// the two to agree: `{ f: null }` and `$exists: false` match it, `$ne`/`$nin` match it, `$eq`/`$in`
// never do. Every expression below is two-valued (never NULL), so the NOT that a `cannot` rule adds
// keeps its meaning.

export const FIELD_OPERATORS = ['eq', 'ne', 'in', 'nin', 'lt', 'lte', 'gt', 'gte', 'exists'] as const
export type FieldOperator = (typeof FIELD_OPERATORS)[number]

// biome-ignore lint/suspicious/noExplicitAny: the resolvers name tables and columns at run time, from the policy
type AnyExpressionBuilder = ExpressionBuilder<any, any>

/** A scalar column. Declare `nullable: false` for NOT NULL columns: simpler SQL, and comparisons. */
export interface ColumnField {
  readonly column: string
  readonly nullable?: boolean
}

/**
 * A list field kept in rows of another table (`participantOrganizationIds`). `arrayMembership`
 * answers "the list contains at least one of these values"; it is given at least one value and must
 * never yield NULL (an EXISTS subquery does not).
 */
export interface ArrayMembershipField {
  readonly arrayMembership: (eb: AnyExpressionBuilder, values: readonly unknown[]) => Expression<SqlBool>
}

/** Full control over one field; it must never yield NULL. */
export type CustomField = (eb: AnyExpressionBuilder, operator: FieldOperator, value: unknown) => Expression<SqlBool>

export type FieldResolver = ColumnField | ArrayMembershipField | CustomField
export type FieldResolvers = Readonly<Record<string, FieldResolver>>

/**
 * The SQL condition selecting exactly the rows on which `ability.can(action, row)` holds (asked
 * without a field, as for a whole record): no rules is nothing, an unconditioned `can` is everything. A condition on a field without a resolver, or
 * with an operator this cannot express, throws: a policy must never silently match more.
 */
export function accessibleWhere(
  ability: AnyMongoAbility,
  action: string,
  subjectType: string,
  fields: FieldResolvers,
): Expression<SqlBool> {
  const ast = rulesToAST(ability, action, subjectType)
  // biome-ignore lint/suspicious/noExplicitAny: as AnyExpressionBuilder above
  const eb = expressionBuilder<any, any>()
  return ast ? translate(ast, eb, fields) : FALSE
}

const TRUE = sql<SqlBool>`true`
const FALSE = sql<SqlBool>`false`

interface AstNode {
  readonly operator: string
  readonly value: unknown
  readonly field?: unknown
}

function translate(node: AstNode, eb: AnyExpressionBuilder, fields: FieldResolvers): Expression<SqlBool> {
  if (typeof node.field === 'string') return fieldCondition(node.field, node.operator, node.value, eb, fields)
  // Every rule of a role carries the same scope condition: said once, the SQL stays small and the
  // planner evaluates the scope once instead of once per rule.
  const children = distinct(node.value as AstNode[]).map((child) => translate(child, eb, fields))
  if (children.length === 1 && (node.operator === 'and' || node.operator === 'or')) return children[0] as Expression<SqlBool>
  switch (node.operator) {
    case 'and':
      return children.length === 0 ? TRUE : eb.and(children)
    case 'or':
      return children.length === 0 ? FALSE : eb.or(children)
    case 'nor':
      return children.length === 0 ? TRUE : eb.not(eb.or(children))
    case 'not':
      if (children.length !== 1) throw new Error(`"not" expects one condition, got ${children.length}`)
      return eb.not(children[0] as Expression<SqlBool>)
    default:
      throw new Error(`Cannot express the condition "${node.operator}" in SQL`)
  }
}

function distinct(nodes: readonly AstNode[]): AstNode[] {
  const seen = new Set<string>()
  return nodes.filter((node) => {
    const key = canonicalJson(node)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function fieldCondition(
  field: string,
  operator: string,
  value: unknown,
  eb: AnyExpressionBuilder,
  fields: FieldResolvers,
): Expression<SqlBool> {
  const resolver = Object.hasOwn(fields, field) ? fields[field] : undefined
  if (!resolver) throw new Error(`No SQL is known for the condition field "${field}" (known: ${Object.keys(fields).join(', ') || 'none'})`)
  if (!(FIELD_OPERATORS as readonly string[]).includes(operator)) {
    throw new Error(`Cannot express the operator "$${operator}" on "${field}" in SQL`)
  }
  const op = operator as FieldOperator
  if (typeof resolver === 'function') return resolver(eb, op, value)
  if ('arrayMembership' in resolver) return membershipCondition(field, op, value, eb, resolver)
  return columnCondition(field, op, value, eb, resolver)
}

function membershipCondition(
  field: string,
  operator: FieldOperator,
  value: unknown,
  eb: AnyExpressionBuilder,
  resolver: ArrayMembershipField,
): Expression<SqlBool> {
  const containsAny = (values: unknown[]) => (values.length === 0 ? FALSE : resolver.arrayMembership(eb, values))
  switch (operator) {
    case 'eq':
      return containsAny([scalar(field, value)])
    case 'ne':
      return eb.not(containsAny([scalar(field, value)]))
    case 'in':
      return containsAny(scalars(field, value))
    case 'nin':
      return eb.not(containsAny(scalars(field, value)))
    default:
      throw new Error(`Cannot express "$${operator}" on the list field "${field}" in SQL`)
  }
}

function columnCondition(
  field: string,
  operator: FieldOperator,
  value: unknown,
  eb: AnyExpressionBuilder,
  { column, nullable = true }: ColumnField,
): Expression<SqlBool> {
  const ref = eb.ref(column)
  const present = (expression: Expression<SqlBool>) => (nullable ? eb.and([expression, eb(ref, 'is not', null)]) : expression)
  switch (operator) {
    case 'eq':
      return value === null ? eb(ref, 'is', null) : present(eb(ref, '=', scalar(field, value)))
    case 'ne':
      if (value === null) return eb(ref, 'is not', null)
      return eb(ref, nullable ? 'is distinct from' : '<>', scalar(field, value))
    case 'in': {
      const values = scalars(field, value)
      return values.length === 0 ? FALSE : present(eb(ref, 'in', values))
    }
    case 'nin': {
      const values = scalars(field, value)
      if (values.length === 0) return TRUE
      return nullable ? eb.or([eb(ref, 'is', null), eb(ref, 'not in', values)]) : eb(ref, 'not in', values)
    }
    case 'exists':
      return eb(ref, value ? 'is not' : 'is', null)
    default:
      // CASL orders an absent value before or after others depending on the compared type; SQL
      // cannot follow that, so comparisons are for NOT NULL columns only.
      if (nullable) throw new Error(`"$${operator}" on "${field}" needs a column declared nullable: false`)
      return eb(ref, SQL_COMPARISONS[operator], scalar(field, value))
  }
}

const SQL_COMPARISONS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const

function scalar(field: string, value: unknown): unknown {
  const ok = ['string', 'number', 'boolean', 'bigint'].includes(typeof value) || value instanceof Date
  if (!ok) throw new Error(`Cannot compare "${field}" with ${JSON.stringify(value)} in SQL`)
  return value
}

/** The non-null members: CASL never finds an absent field in a list, and SQL's IN must agree. */
function scalars(field: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`"${field}" expects a list, got ${JSON.stringify(value)}`)
  return value.filter((item) => item !== null).map((item) => scalar(field, item))
}

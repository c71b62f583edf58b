import fastJson from 'fast-json-stringify'
import { z } from 'zod'

type JsonSchema = Record<string, unknown>

/**
 * A response schema in the form fast-json-stringify compiles best: `anyOf [X, null]` (how zod writes
 * `.nullable()`) becomes X with `nullable: true`, and `type: [T, 'null']` becomes T likewise, so no
 * branch needs a validator at run time. Everything else is left as zod wrote it.
 */
export function forSerializer(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerializer)
  if (schema === null || typeof schema !== 'object') return schema
  const given = Object.fromEntries(
    Object.entries(schema as JsonSchema).map(([key, value]) =>
      // The names under `properties` are property names, not keywords: walk their schemas only.
      key === 'properties' && value && typeof value === 'object'
        ? [key, Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, forSerializer(sub)]))]
        : [key, forSerializer(value)],
    ),
  ) as JsonSchema
  const { anyOf, type, ...rest } = given
  if (Array.isArray(anyOf)) {
    const branches = anyOf as JsonSchema[]
    const others = branches.filter((branch) => branch.type !== 'null')
    const single = others.length === 1 && others.length < branches.length ? others[0] : undefined
    // A branch that is itself a choice keeps the choice: nullable would not reach inside it.
    if (single && !single.anyOf && !single.oneOf && !single.allOf) return { ...rest, ...single, nullable: true }
  }
  if (Array.isArray(type) && type.length === 2 && type.includes('null')) {
    return { ...given, type: type.find((name) => name !== 'null'), nullable: true }
  }
  return given
}

/** The JSON Schema of what a route answers: the zod schema's output, as the OpenAPI document has it. */
export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'output',
    target: 'draft-7',
    // Descriptions and component ids are for the document; the serializer needs the shapes alone.
    metadata: z.registry<Record<string, unknown>>(),
    unrepresentable: 'any',
    cycles: 'ref',
    reused: 'inline',
    override: (context) => {
      if (context.zodSchema._zod.def.type === 'date') Object.assign(context.jsonSchema, { type: 'string', format: 'date-time' })
    },
  }) as JsonSchema
  const { $schema: _dialect, ...rest } = json
  return forSerializer(rest) as JsonSchema
}

type Serialize = (data: unknown) => string
const compiled = new WeakMap<z.ZodType, Serialize>()

/**
 * Fastify's serializer compiler for zod response schemas: each schema is turned into JSON Schema and
 * compiled by fast-json-stringify, which writes only the properties the schema declares (a key a view
 * let through by mistake never leaves) and skips validating the answer. Compiled on a route's first
 * answer with that status, once per schema for the process: most routes share the problem schema.
 */
export function serializerCompiler({ schema }: { schema: unknown }): Serialize {
  if (!(schema instanceof z.ZodType)) throw new Error('a response schema must be a zod schema')
  let serialize: Serialize | undefined
  return (data) => {
    serialize ??= compiled.get(schema) ?? compile(schema)
    return serialize(data)
  }
}

function compile(schema: z.ZodType): Serialize {
  const serialize = fastJson(responseJsonSchema(schema) as unknown as Parameters<typeof fastJson>[0])
  compiled.set(schema, serialize)
  return serialize
}

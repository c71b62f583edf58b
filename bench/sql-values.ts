/** Small helpers to write generator SQL: literals, and deterministic picks by a hash of the row ordinal. */

export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`

export const textArray = (values: readonly string[]) => `ARRAY[${values.map(literal).join(', ')}]::text[]`

/** A pseudo-random, reproducible non-negative int for row `ordinal` and a salt. */
export const hash = (ordinal: string, salt: number) => `pg_temp.h(${ordinal}, ${salt})`

export const HASH_FUNCTION = `CREATE OR REPLACE FUNCTION pg_temp.h(i bigint, salt int) RETURNS int
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT hashint8(i * 64 + salt) & 2147483647'`

/** The uuid of a name: md5 with the version (4) and variant (8) nibbles set, as population.ts computes it. */
export const UUID_FUNCTION = `CREATE OR REPLACE FUNCTION pg_temp.u(name text) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$SELECT overlay(overlay(md5(name) placing '4' from 13) placing '8' from 17)::uuid$$`

/** One of `values`, picked by the hash of (ordinal, salt). */
export const pick = (values: readonly string[], ordinal: string, salt: number) =>
  `(${textArray(values)})[1 + ${hash(ordinal, salt)} % ${values.length}]`

/** One of these JSON values (as jsonb). */
export const pickJson = (values: readonly unknown[], ordinal: string, salt: number) =>
  `(${pick(
    values.map((value) => JSON.stringify(value)),
    ordinal,
    salt,
  )})::jsonb`

/** true in about `percent` % of rows. */
export const chance = (percent: number, ordinal: string, salt: number) => `(${hash(ordinal, salt)} % 100 < ${percent})`

/** ISO 8601 UTC text of a timestamptz expression, as the API writes date-times. */
export const isoDateTime = (expression: string) => `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
export const isoDate = (expression: string) => `to_char((${expression}), 'YYYY-MM-DD')`

/**
 * A derived time that must not lie in the future (the service refuses future dates on the record,
 * and answers only what it would accept): a case opened an hour ago cannot have been channelled
 * twenty hours after it opened.
 */
export const past = (expression: string) => `LEAST(now() - interval '1 minute', ${expression})`

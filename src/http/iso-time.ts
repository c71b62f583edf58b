/** A timestamp as ISO 8601 text in UTC, or null. */
export const iso = (value: Date | string | null | undefined) =>
  value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : new Date(value).toISOString()

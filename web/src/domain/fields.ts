// Typed reads of event payload fields, as server/src/domain/fields.cpp reads them: a wrong type
// reads as undefined, so Validate says "invalid_payload" and Apply skips the event.

export type Data = Record<string, unknown>

export function isObject(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function has(data: Data, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(data, key) && data[key] !== undefined
}

export function str(data: Data, key: string): string | undefined {
  const v = has(data, key) ? data[key] : undefined
  return typeof v === 'string' ? v : undefined
}

/** An integer (5.0 is one) that fits the C++ side's int64; safe integers only. */
export function int(data: Data, key: string): number | undefined {
  const v = has(data, key) ? data[key] : undefined
  return typeof v === 'number' && Number.isInteger(v) && v < 2 ** 63 && v >= -(2 ** 63) ? v : undefined
}

export function bool(data: Data, key: string): boolean | undefined {
  const v = has(data, key) ? data[key] : undefined
  return typeof v === 'boolean' ? v : undefined
}

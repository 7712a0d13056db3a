/**
 * SHA-256 digests (`node:crypto`) of the values that decide "same request
 * or not": a command's scoped idempotency key and its encoded input.
 *
 * @internal
 */
import * as Fingerprint from "../../Dcb/internal/fingerprint.ts"

/**
 * The digest of some strings, each length-prefixed (so `["ab", "c"]` and
 * `["a", "bc"]` differ).
 *
 * @internal
 */
export const ofFields: (...fields: ReadonlyArray<string>) => string = Fingerprint.ofFields

/**
 * A canonical JSON text of a value: object keys sorted, `bigint` as
 * `"<digits>n"`, bytes as base64, `undefined` fields dropped. Two values
 * with the same content give the same text, whatever their key order.
 *
 * @internal
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value))

const canonical = (value: unknown): unknown => {
  if (typeof value === "bigint") return `${value}n`
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("base64") }
  if (Array.isArray(value)) return value.map(canonical)
  if (value instanceof Date) return value.toISOString()
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[key]
      if (field !== undefined) out[key] = canonical(field)
    }
    return out
  }
  return value
}

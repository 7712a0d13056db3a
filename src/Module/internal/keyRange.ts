/**
 * Ordered state keys for the in-memory view store: the order FoundationDB
 * gives tuple-encoded strings (their UTF-8 bytes, i.e. code points), a sorted
 * key array kept up to date on writes, and range reads over it by prefix,
 * cursor, limit and direction — what `ViewStore.list` does on every backend.
 *
 * @internal
 */
import * as EventStore from "../../Dcb/EventStore.ts"

/**
 * Compares two strings by code point (the order of their UTF-8 bytes), not
 * by UTF-16 code unit as `<` does: surrogate pairs sort after U+E000–U+FFFF.
 *
 * @internal
 */
export const compareKeys = (a: string, b: string): number => {
  const n = a.length < b.length ? a.length : b.length
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

const codePointRank = (unit: number): number => unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate): the event
 * store's rule, for view names and keys too (FoundationDB stores them as
 * UTF-8, where a lone surrogate becomes U+FFFD and two keys would become one).
 *
 * @internal
 */
export const isWellFormed = EventStore.isWellFormed

/**
 * The options of a ranged list (see `ViewStore.ListOptions`).
 *
 * @internal
 */
export interface Range {
  readonly prefix?: string | undefined
  readonly after?: string | undefined
  readonly limit?: number | undefined
  readonly backwards?: boolean | undefined
}

/**
 * Why list options are invalid, or `undefined`.
 *
 * @internal
 */
export const invalidRange = (options: Range | undefined): string | undefined => {
  if (options === undefined) return undefined
  if (typeof options !== "object" || options === null) return "the list options must be an object"
  const { after, backwards, limit, prefix } = options
  if (prefix !== undefined && typeof prefix !== "string") return "a list prefix must be a string"
  if (after !== undefined && typeof after !== "string") return "a list cursor (after) must be a string"
  if (prefix !== undefined && !isWellFormed(prefix)) return "a list prefix is not well-formed UTF-16 (a lone surrogate)"
  if (after !== undefined && !isWellFormed(after)) return "a list cursor (after) is not well-formed UTF-16 (a lone surrogate)"
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    return `a list limit must be a positive integer, got ${String(limit)}`
  }
  if (backwards !== undefined && typeof backwards !== "boolean") return "backwards must be a boolean"
  return undefined
}

/**
 * A sorted set of keys (by {@link compareKeys}).
 *
 * @internal
 */
export class SortedKeys {
  private readonly keys: Array<string> = []

  /** The index of the first key not below `key` (`strict`: above it). */
  private bound(key: string, strict: boolean): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = compareKeys(this.keys[mid]!, key)
      if (c < 0 || (strict && c === 0)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The index of the first key past every key starting with `prefix`. */
  private prefixEnd(prefix: string): number {
    let lo = this.bound(prefix, false)
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.keys[mid]!.startsWith(prefix)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  add(key: string): void {
    const i = this.bound(key, false)
    if (this.keys[i] !== key) this.keys.splice(i, 0, key)
  }

  delete(key: string): void {
    const i = this.bound(key, false)
    if (this.keys[i] === key) this.keys.splice(i, 1)
  }

  /** The keys of a range, in the range's direction. */
  range(options: Range | undefined): Array<string> {
    const prefix = options?.prefix ?? ""
    const limit = options?.limit ?? Infinity
    let begin = prefix === "" ? 0 : this.bound(prefix, false)
    let end = prefix === "" ? this.keys.length : this.prefixEnd(prefix)
    const after = options?.after
    const out: Array<string> = []
    if (options?.backwards === true) {
      if (after !== undefined) end = Math.min(end, this.bound(after, false))
      for (let i = end - 1; i >= begin && out.length < limit; i--) out.push(this.keys[i]!)
    } else {
      if (after !== undefined) begin = Math.max(begin, this.bound(after, true))
      for (let i = begin; i < end && out.length < limit; i++) out.push(this.keys[i]!)
    }
    return out
  }
}

/**
 * The machinery of `DecisionCache`: a bounded map from (store, owner, query)
 * to the last folded state of a decision model and the position it was
 * folded up to, least recently used first out.
 *
 * Why reading on from a cached position is exact: a store assigns positions
 * in commit order and a read sees every event committed before it (the
 * memory store's synchronous append; FoundationDB's versionstamps and
 * snapshot reads). So once a read has folded every matching event up to
 * position P, every matching event committed later has a position above P,
 * and a read `after: P` returns exactly the events the state lacks. The same
 * property makes the append condition `after: P` sound; the cache adds no
 * assumption about the store beyond it.
 *
 * @internal
 */
import type * as SequencePosition from "../../Dcb/SequencePosition.ts"
import * as Query from "../../Dcb/Query.ts"

/** A folded state and the position of the last event folded into it (`undefined`: none matched). @internal */
export interface Entry {
  readonly state: unknown
  readonly position: SequencePosition.SequencePosition | undefined
}

/**
 * A canonical key of a query: items sorted, and the types and tags of each
 * item sorted (two queries matching the same events by the same items share
 * a key).
 *
 * @internal
 */
export const queryKey = (query: Query.Query): string => {
  if (Query.isAll(query)) return "*"
  const items = query.items
  if (items.length === 1) {
    const { tags, types } = items[0]
    // the common case, without sorting: one item of one type and one tag
    if ((types?.length ?? 0) <= 1 && (tags?.length ?? 0) <= 1) {
      return JSON.stringify([[types?.[0] ?? null, tags?.[0] ?? null]])
    }
  }
  return JSON.stringify(
    items.map((item) => [item.types ? [...item.types].sort() : null, item.tags ? [...item.tags].sort() : null]).sort()
  )
}

/**
 * A least-recently-used map of at most `maxEntries` entries, per store
 * (a `WeakMap`: a store that is gone takes its entries with it).
 *
 * @internal
 */
export class ModelCache {
  readonly maxEntries: number
  private readonly stores = new WeakMap<object, Map<string, Entry>>()
  hits = 0
  misses = 0
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries
  }

  private entries(store: object): Map<string, Entry> {
    let map = this.stores.get(store)
    if (map === undefined) {
      map = new Map()
      this.stores.set(store, map)
    }
    return map
  }

  /** The entry of a key, marked most recently used. */
  get(store: object, key: string): Entry | undefined {
    const map = this.entries(store)
    const entry = map.get(key)
    if (entry === undefined) {
      this.misses++
      return undefined
    }
    this.hits++
    map.delete(key)
    map.set(key, entry)
    return entry
  }

  /**
   * Keeps `entry` unless the key already holds a state folded further (a
   * concurrent read that saw more events got there first); evicts the least
   * recently used entries beyond `maxEntries`.
   */
  set(store: object, key: string, entry: Entry): void {
    const map = this.entries(store)
    const current = map.get(key)
    if (current !== undefined) {
      if (isAfter(current.position, entry.position)) return
      map.delete(key)
    }
    map.set(key, entry)
    if (map.size > this.maxEntries) {
      const oldest = map.keys().next()
      if (!oldest.done) map.delete(oldest.value)
    }
  }

  size(store: object): number {
    return this.stores.get(store)?.size ?? 0
  }
}

const isAfter = (
  a: SequencePosition.SequencePosition | undefined,
  b: SequencePosition.SequencePosition | undefined
): boolean => a !== undefined && (b === undefined || a > b)

/**
 * The key layout of a Fairway store in FoundationDB (documented in
 * `docs/fdb-layout.md`).
 *
 * Everything of one store lives under one prefix (by default the packed
 * tuple `("fairway", "default")`). Below it, in tuple encoding:
 *
 * | key | value | purpose |
 * | --- | --- | --- |
 * | `("e", vs)` | encoded event | the log, in position order |
 * | `("t", type, vs)` | empty | type index |
 * | `("g", tag₁[, tag₂], vs)` | empty | tag index: every subset of 1 or 2 of the event's sorted tags |
 * | `("x", type, tag₁[, tag₂], vs)` | empty | type-and-tag index: the same subsets, under the type |
 * | `("h")` | 12-byte position | head: the last position, written by every append |
 * | `("i", appendId)` | 12-byte position + fingerprint | idempotent appends (caller's id), kept |
 * | `("j", marker)` | 12-byte position + fingerprint | exactly-once marker of an append without id, cleared later |
 * | `("v", view, version, key…)` | view state | read models (`ViewStoreFdb`) |
 * | `("vc", view, version)` | checkpoint | read model checkpoints |
 * | `("va", view)` | active version | the view version served |
 * | `("a", automation, …)` | checkpoint, lease, dead letters | automations (`AutomationStoreFdb`) |
 *
 * `vs` is a 12-byte versionstamp: 10 bytes from the commit, 2 bytes of user
 * version (the event's index in its append). The position of an event is
 * those 12 bytes read as a big-endian unsigned integer.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Query from "../Dcb/Query.ts"
import type * as SequencePosition from "../Dcb/SequencePosition.ts"
import type * as FdbDatabase from "./FdbDatabase.ts"
import type * as FdbError from "./FdbError.ts"
import * as Tuple from "./Tuple.ts"

/**
 * Largest tag subset indexed: events are indexed under every subset of 1 or
 * 2 of their tags. A query item with at most 2 tags reads one exact range; an
 * item with more reads the range of its first 2 tags (sorted) and filters.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxIndexedTagSubset = 2

/**
 * Length of a stored versionstamp (10 bytes commit + 2 bytes user version).
 *
 * @category constants
 * @since 0.1.0
 */
export const stampLength = 12

/**
 * The default prefix: the packed tuple `("fairway", "default")`.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultPrefix: Uint8Array = Tuple.pack(["fairway", "default"])

const MAX_POSITION = (1n << 96n) - 1n

/**
 * A position as its 12 big-endian bytes (positions of 2^96 − 1 and more all
 * map to twelve 0xff bytes, after every versionstamp).
 *
 * @category positions
 * @since 0.1.0
 */
export const positionToBytes = (position: bigint): Uint8Array => {
  const out = new Uint8Array(stampLength)
  // tolerate a plain number from untyped callers
  const n = Number(position)
  let p = typeof position === "bigint" ? position : Number.isFinite(n) ? BigInt(Math.floor(n)) : -1n
  // beyond 96 bits: after every possible versionstamp; negative: before every one
  if (p >= MAX_POSITION) return out.fill(0xff)
  if (p < 0n) return out
  for (let i = stampLength - 1; i >= 0; i--) {
    out[i] = Number(p & 0xffn)
    p >>= 8n
  }
  return out
}

/**
 * A position from 12 big-endian bytes (or the last 12 bytes of a key).
 *
 * @category positions
 * @since 0.1.0
 */
export const positionFromBytes = (bytes: Uint8Array, offset = bytes.length - stampLength): SequencePosition.SequencePosition => {
  let p = 0n
  for (let i = 0; i < stampLength; i++) p = (p << 8n) | BigInt(bytes[offset + i]!)
  return p as SequencePosition.SequencePosition
}

/**
 * The position of the event at `userVersion` in an append committed with a
 * 10-byte versionstamp.
 *
 * @category positions
 * @since 0.1.0
 */
export const positionFromStamp = (stamp: Uint8Array, userVersion: number): SequencePosition.SequencePosition => {
  const bytes = new Uint8Array(stampLength)
  bytes.set(stamp.subarray(0, 10))
  bytes[10] = (userVersion >>> 8) & 0xff
  bytes[11] = userVersion & 0xff
  return positionFromBytes(bytes, 0)
}

/**
 * Reads a key holding a 12-byte position (a view's or an automation's
 * checkpoint): `None` when absent. Non-snapshot by default (the read
 * conflicts with a concurrent write of the key).
 *
 * @category positions
 * @since 0.1.0
 */
export const readPosition = (
  tn: FdbDatabase.Transaction,
  key: Uint8Array,
  snapshot = false
): Effect.Effect<Option.Option<SequencePosition.SequencePosition>, FdbError.FdbError> =>
  Effect.map(tn.get(key, { snapshot }), (bytes) =>
    bytes === undefined ? Option.none() : Option.some(positionFromBytes(bytes, 0)))

/**
 * A range of index (or log) keys: each key is `prefix + 0x33 + 12 bytes`.
 *
 * @category models
 * @since 0.1.0
 */
export interface StampRange {
  /** The key bytes before the versionstamp (ending with the 0x33 type code). */
  readonly prefix: Uint8Array
}

/**
 * A key whose last 12 bytes are a versionstamp still to be filled in at
 * commit: `key` holds 10 zero bytes at `offset`, then the user version.
 *
 * @category models
 * @since 0.1.0
 */
export interface StampedKey {
  readonly key: Uint8Array
  readonly offset: number
}

/**
 * The keys of one store.
 *
 * @category models
 * @since 0.1.0
 */
export interface KeyLayout {
  readonly prefix: Uint8Array
  /** The log range. */
  readonly events: StampRange
  /** The type index range of a type. */
  readonly type: (type: string) => StampRange
  /** The tag index range of a set of 1 or 2 sorted tags. */
  readonly tags: (tags: ReadonlyArray<string>) => StampRange
  /** The type-and-tag index range. */
  readonly typeTags: (type: string, tags: ReadonlyArray<string>) => StampRange
  /** The head key. */
  readonly head: Uint8Array
  /** The marker key of a caller's append id. */
  readonly appendId: (appendId: string) => Uint8Array
  /** The marker key of an append without id. */
  readonly appendMarker: (marker: string) => Uint8Array
  /** Reserved: the subspace of a read model's state (`("v", view, version)`). */
  readonly view: (view: string, version: number) => Uint8Array
  /** Reserved: the checkpoint key of a read model (`("vc", view, version)`). */
  readonly viewCheckpoint: (view: string, version: number) => Uint8Array
  /** Reserved: the subspace of an automation (`("a", automation)`). */
  readonly automation: (automation: string) => Uint8Array
}

const VS = Uint8Array.of(Tuple.versionstampCode)

/**
 * The layout under a prefix (bytes, or a string `s` for `("fairway", s)`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (prefix?: Uint8Array | string): KeyLayout => {
  const p = prefix === undefined ? defaultPrefix : typeof prefix === "string" ? Tuple.pack(["fairway", prefix]) : prefix
  const sub = (...items: Array<Tuple.TupleItem>) => Tuple.concat(p, Tuple.pack(items))
  const range = (...items: Array<Tuple.TupleItem>): StampRange => ({ prefix: Tuple.concat(sub(...items), VS) })
  return {
    prefix: p,
    events: range("e"),
    type: (type) => range("t", type),
    tags: (tags) => range("g", ...tags),
    typeTags: (type, tags) => range("x", type, ...tags),
    head: sub("h"),
    appendId: (appendId) => sub("i", appendId),
    appendMarker: (marker) => sub("j", marker),
    view: (view, version) => sub("v", view, version),
    viewCheckpoint: (view, version) => sub("vc", view, version),
    automation: (automation) => sub("a", automation)
  }
}

/**
 * The key of a position in a range.
 *
 * @category keys
 * @since 0.1.0
 */
export const keyAt = (range: StampRange, position: bigint): Uint8Array =>
  Tuple.concat(range.prefix, positionToBytes(position))

/**
 * The key of the event at `userVersion` of an append, to be versionstamped.
 *
 * @category keys
 * @since 0.1.0
 */
export const stampedKey = (range: StampRange, userVersion: number): StampedKey => {
  const key = new Uint8Array(range.prefix.length + stampLength)
  key.set(range.prefix)
  key[key.length - 2] = (userVersion >>> 8) & 0xff
  key[key.length - 1] = userVersion & 0xff
  return { key, offset: range.prefix.length }
}

/**
 * The keys of a range strictly after `after` (absent: all) and strictly
 * before `before` (absent: to the end).
 *
 * @category keys
 * @since 0.1.0
 */
export const bounds = (
  range: StampRange,
  after?: bigint | undefined,
  before?: bigint | undefined
): readonly [Uint8Array, Uint8Array] => [
  after === undefined ? range.prefix : Tuple.keyAfter(keyAt(range, after)),
  before === undefined ? Tuple.strinc(range.prefix) : keyAt(range, before)
]

/**
 * The distinct tags of an event, sorted: the order index keys use.
 *
 * @category index
 * @since 0.1.0
 */
export const sortedTags = (tags: ReadonlyArray<string>): Array<string> => [...new Set(tags)].sort()

/**
 * The tag subsets an event is indexed under: every subset of 1 or
 * {@link maxIndexedTagSubset} of its sorted distinct tags.
 *
 * @category index
 * @since 0.1.0
 */
export const tagSubsets = (tags: ReadonlyArray<string>): Array<ReadonlyArray<string>> => {
  const sorted = sortedTags(tags)
  const out: Array<ReadonlyArray<string>> = []
  for (let i = 0; i < sorted.length; i++) {
    out.push([sorted[i]!])
    for (let j = i + 1; j < sorted.length; j++) out.push([sorted[i]!, sorted[j]!])
  }
  return out
}

/**
 * The index ranges an event is written to (besides the log).
 *
 * @category index
 * @since 0.1.0
 */
export const indexRanges = (layout: KeyLayout, type: string, tags: ReadonlyArray<string>): Array<StampRange> => {
  const out: Array<StampRange> = [layout.type(type)]
  for (const subset of tagSubsets(tags)) {
    out.push(layout.tags(subset))
    out.push(layout.typeTags(type, subset))
  }
  return out
}

/**
 * A range a query item reads: `exact` when every event in it matches the
 * item (no filtering needed).
 *
 * @category index
 * @since 0.1.0
 */
export interface Source {
  readonly range: StampRange
  readonly exact: boolean
  readonly item: Query.QueryItem | undefined
}

/**
 * The narrowest ranges that hold every event matching a query: the log for
 * `Query.all`; per item, the type range of each type (types only), the tag
 * range of its tags (tags only), or the type-and-tag range of each type
 * (both). Items with more than {@link maxIndexedTagSubset} tags read the
 * range of their first two sorted tags, not exact.
 *
 * @category index
 * @since 0.1.0
 */
export const sources = (layout: KeyLayout, query: Query.Query): Array<Source> => {
  if (query._tag === "All") return [{ range: layout.events, exact: true, item: undefined }]
  const out: Array<Source> = []
  const seen = new Set<string>()
  const push = (source: Source) => {
    // Stryker disable next-line StringLiteral: equivalent: with one suffix emptied, exact and filtered ids still differ
    const id = String.fromCharCode(...source.range.prefix) + (source.exact ? "!" : "?")
    if (seen.has(id)) return
    seen.add(id)
    out.push(source)
  }
  for (const item of query.items) {
    const types = [...new Set(item.types ?? [])]
    const tags = sortedTags(item.tags ?? [])
    const exact = tags.length <= maxIndexedTagSubset
    const subset = tags.slice(0, maxIndexedTagSubset)
    if (tags.length === 0) {
      for (const type of types) push({ range: layout.type(type), exact: true, item })
    } else if (types.length === 0) {
      push({ range: layout.tags(subset), exact, item })
    } else {
      for (const type of types) push({ range: layout.typeTags(type, subset), exact, item })
    }
  }
  return out
}

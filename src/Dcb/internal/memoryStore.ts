/**
 * The data structure behind `EventStore.layerMemory`: the log as an array
 * (index i holding the event at position i + 1), indexes from type and from
 * tag to ascending event indexes, and the append ids seen.
 * Everything here is synchronous, which is what makes the condition check and
 * the write one atomic step for concurrent fibers.
 *
 * The representation is compact, for speed and heap: type strings and tag
 * sets are interned (events share one frozen tags array per distinct tag
 * list), payloads are copied (small ones into shared 64 KiB chunks), events of one millisecond share one
 * `recordedAt`, and indexes hold array indexes (small integers). Each event
 * is stored once as the frozen `SequencedEvent` that reads return, so a read
 * allocates nothing per event (materialising events on read costs more time
 * than it saves heap: a `bigint` position alone costs ~20 ns to make).
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import type * as AppendCondition from "../AppendCondition.ts"
import type * as Event from "../Event.ts"
import type * as Query from "../Query.ts"
import type * as SequencePosition from "../SequencePosition.ts"

/** A type or a tag: its interned name and the ascending indexes of its events. @internal */
export interface Entry {
  readonly name: string
  readonly list: Array<number>
  /** Tags only: a dense id (for tag-set keys) and the interned one-tag set. */
  readonly id: number
  readonly single: ReadonlyArray<string>
}

/** @internal */
export interface State {
  /**
   * The log (index i = position i + 1), each event stored once as the frozen
   * object reads return: interned type, interned frozen tags (in the order
   * given), a copy of the payload, a copy of the metadata if any, a
   * `recordedAt` shared by the events of one millisecond.
   */
  readonly events: Array<Event.SequencedEvent>
  readonly byType: Map<string, Entry>
  readonly byTag: Map<string, Entry>
  /** Tag lists of two tags or more, keyed by their tag ids. */
  readonly tagSets: Map<string, ReadonlyArray<string>>
  readonly appendIds: Map<string, { readonly position: SequencePosition.SequencePosition; readonly fingerprint: string }>
  lastMillis: number
  lastRecordedAt: DateTime.Utc | undefined
  /** The chunk small payloads are copied into, and how much of it is used. */
  slab: Uint8Array
  slabUsed: number
}

/** @internal */
export const make = (): State => ({
  events: [],
  byType: new Map(),
  byTag: new Map(),
  tagSets: new Map(),
  appendIds: new Map(),
  lastMillis: NaN,
  lastRecordedAt: undefined,
  slab: new Uint8Array(0),
  slabUsed: 0
})

/** @internal */
export const size = (state: State): number => state.events.length

/** Event index i has position i + 1. @internal */
export const positionOf = (index: number): SequencePosition.SequencePosition =>
  BigInt(index + 1) as SequencePosition.SequencePosition

/** First index strictly after a position. @internal */
const indexAfter = (after: SequencePosition.SequencePosition | undefined): number =>
  after === undefined ? 0 : after >= BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(after)

/** First index at or after a position (the exclusive end of a read strictly before it), at most `size`. */
const indexBefore = (before: SequencePosition.SequencePosition | undefined, size: number): number =>
  before === undefined || before > BigInt(size) ? size : before <= 1n ? 0 : Number(before) - 1

/** First offset in a sorted list whose value is >= index. */
const lowerBound = (list: ReadonlyArray<number>, index: number): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (list[mid]! < index) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The stored event at an index (the frozen object reads return). */
const eventAt = (state: State, i: number): Event.SequencedEvent => state.events[i]!

/** Whether the event at an index matches a query item (same rule as `Query.matchesItem`). */
const matchesItemAt = (state: State, item: Query.QueryItem, i: number): boolean => {
  const types = item.types
  const event = state.events[i]!
  if (types !== undefined && types.length > 0 && !types.includes(event.type)) return false
  const tags = item.tags
  if (tags !== undefined && tags.length > 0) {
    const eventTags = event.tags
    for (let j = 0; j < tags.length; j++) {
      if (!eventTags.includes(tags[j]!)) return false
    }
  }
  return true
}

/** Whether the event at an index matches one of the items. */
const matchesAt = (state: State, items: ReadonlyArray<Query.QueryItem>, i: number): boolean => {
  for (let j = 0; j < items.length; j++) {
    if (matchesItemAt(state, items[j]!, i)) return true
  }
  return false
}

const EMPTY: ReadonlyArray<number> = []

/**
 * The list an item of types and tags is read from: its shortest tag list, or
 * `undefined` when its type lists hold fewer events (then they are read,
 * each checked against the tags). No allocation.
 */
const shortestTagList = (state: State, item: Query.QueryItem): ReadonlyArray<number> | undefined => {
  const tags = item.tags
  if (tags === undefined || tags.length === 0) return undefined
  let shortest: ReadonlyArray<number> = EMPTY
  for (let j = 0; j < tags.length; j++) {
    const list = state.byTag.get(tags[j]!)?.list ?? EMPTY
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: which tag list is read only changes speed (each candidate is checked against the item)
    if (j === 0 || list.length < shortest.length) shortest = list
  }
  const types = item.types
  // Stryker disable next-line ConditionalExpression: equivalent: the type lists' total only decides which list is read
  if (types === undefined || types.length === 0) return shortest
  let typeTotal = 0
  // Stryker disable next-line ConditionalExpression,EqualityOperator,AssignmentOperator,LogicalOperator: equivalent: the total only decides which list is read
  for (let j = 0; j < types.length; j++) typeTotal += state.byType.get(types[j]!)?.list.length ?? 0
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: a choice of index list; every choice gives the same events
  return shortest.length <= typeTotal ? shortest : undefined
}

/**
 * Whether every event of the list an item is read from matches it: its only tag's list when it has no types, its
 * type's list when it has no tags.
 */
// Stryker disable all: equivalent: an exact list only spares the check of each event against the item
const isExact = (item: Query.QueryItem, fromTagList: boolean): boolean =>
  fromTagList
    ? item.tags!.length === 1 && (item.types === undefined || item.types.length === 0)
    : item.tags === undefined || item.tags.length === 0
// Stryker restore all

/**
 * The index lists a query reads, and whether they are exact (every index in
 * them matches): for each item, either the lists of its types (exact when it
 * has no tags) or its shortest tag list (see `shortestTagList`; then filtered
 * by the query unless it is the list of the item's only tag).
 */
const sources = (state: State, query: Query.Items): { lists: Array<ReadonlyArray<number>>; exact: boolean } => {
  // Stryker disable next-line ArrayDeclaration: equivalent: a non-list entry has no offsets in range (lowerBound gives 0..0)
  const lists: Array<ReadonlyArray<number>> = []
  // Stryker disable next-line BooleanLiteral: equivalent: exactness only spares the filter, filtering gives the same events
  let exact = true
  for (const item of query.items) {
    const tagList = shortestTagList(state, item)
    if (tagList !== undefined) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: an empty list has no offsets in range
      if (tagList.length > 0) lists.push(tagList)
    } else {
      const types = item.types!
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: a list read twice is merged once (the merge advances every list at the same index)
      for (const type of types.length === 1 ? types : new Set(types)) {
        const entry = state.byType.get(type)
        if (entry !== undefined) lists.push(entry.list)
      }
    }
    // Stryker disable next-line ConditionalExpression: equivalent when always true: filtering an exact list gives the same events
    if (!isExact(item, tagList !== undefined)) exact = false
  }
  return { lists, exact }
}

/**
 * A lazy walk over the indexes of the events matching a query: ascending (or
 * descending when `backwards`), strictly after `after` and strictly before
 * `before`, at most `limit`, as of the moment the cursor was made. A k-way merge of the query's index lists
 * (memory grows with the number of lists, not of events).
 *
 * @internal
 */
export class Cursor {
  readonly state: State
  readonly backwards: boolean
  remaining: number
  /** `Query.all`: the next index and the bound (exclusive forwards, inclusive backwards). */
  readonly all: boolean
  next_: number
  readonly bound: number
  readonly lists: Array<ReadonlyArray<number>>
  /** Per list: the next offset, and the bound (exclusive forwards, inclusive backwards). */
  readonly cur: Array<number>
  readonly stop: Array<number>
  /** The items to check each candidate against, or `undefined` when the lists are exact. */
  readonly filter: ReadonlyArray<Query.QueryItem> | undefined
  /** When the only list is the tag list of a one-item query `{ types, tags: [tag] }`: its types (the only check left). */
  readonly typesOnly: ReadonlyArray<string> | undefined

  constructor(
    state: State,
    query: Query.Query,
    options?: {
      readonly after?: SequencePosition.SequencePosition | undefined
      readonly before?: SequencePosition.SequencePosition | undefined
      readonly limit?: number | undefined
      readonly backwards?: boolean | undefined
    }
  ) {
    this.state = state
    const end = indexBefore(options?.before, state.events.length)
    const start = indexAfter(options?.after)
    this.backwards = options?.backwards === true
    this.remaining = start >= end ? 0 : (options?.limit ?? Infinity)
    this.all = query._tag === "All"
    this.next_ = this.backwards ? end - 1 : start
    this.bound = this.backwards ? start : end
    this.cur = []
    this.stop = []
    this.filter = undefined
    this.typesOnly = undefined
    if (query._tag === "All" || this.remaining <= 0) {
      this.lists = []
      return
    }
    const { exact, lists } = sources(state, query)
    this.lists = lists
    this.filter = exact ? undefined : query.items
    if (!exact && lists.length === 1 && query.items.length === 1) {
      const item = query.items[0]
      if (
        item.tags !== undefined && item.tags.length === 1 && item.types !== undefined && item.types.length > 0 &&
        lists[0] === state.byTag.get(item.tags[0]!)?.list
      ) this.typesOnly = item.types
    }
    for (const list of lists) {
      const lo = lowerBound(list, start)
      const hi = lowerBound(list, end)
      this.cur.push(this.backwards ? hi - 1 : lo)
      this.stop.push(this.backwards ? lo : hi)
    }
  }

  /** The next matching index, or -1 when done. */
  nextIndex(): number {
    if (this.remaining <= 0) return -1
    if (this.all) {
      const i = this.next_
      if (this.backwards ? i < this.bound : i >= this.bound) return -1
      this.next_ = this.backwards ? i - 1 : i + 1
      this.remaining--
      return i
    }
    const lists = this.lists
    const cur = this.cur
    const stop = this.stop
    const k = lists.length
    const filter = this.filter
    if (k === 1) {
      const list = lists[0]!
      let c = cur[0]!
      const s = stop[0]!
      if (!this.backwards) {
        while (c < s) {
          const i = list[c++]!
          if (filter === undefined || matchesAt(this.state, filter, i)) {
            cur[0] = c
            this.remaining--
            return i
          }
        }
      } else {
        while (c >= s) {
          const i = list[c--]!
          if (filter === undefined || matchesAt(this.state, filter, i)) {
            cur[0] = c
            this.remaining--
            return i
          }
        }
      }
      cur[0] = c
      return -1
    }
    for (;;) {
      let best = -1
      if (!this.backwards) {
        for (let j = 0; j < k; j++) {
          if (cur[j]! < stop[j]!) {
            const v = lists[j]![cur[j]!]!
            if (best === -1 || v < best) best = v
          }
        }
        if (best === -1) return -1
        for (let j = 0; j < k; j++) {
          if (cur[j]! < stop[j]! && lists[j]![cur[j]!] === best) cur[j]!++
        }
      } else {
        for (let j = 0; j < k; j++) {
          if (cur[j]! >= stop[j]!) {
            const v = lists[j]![cur[j]!]!
            if (v > best) best = v
          }
        }
        if (best === -1) return -1
        for (let j = 0; j < k; j++) {
          if (cur[j]! >= stop[j]! && lists[j]![cur[j]!] === best) cur[j]!--
        }
      }
      if (filter === undefined || matchesAt(this.state, filter, best)) {
        this.remaining--
        return best
      }
    }
  }

  /** Up to `max` next matching events; an empty array when done. */
  nextChunk(max: number): Array<Event.SequencedEvent> {
    if (this.lists.length === 1 && this.filter === undefined) {
      // one exact list (one tag, or one type): a slice of it, its length known up front
      const list = this.lists[0]!
      const c = this.cur[0]!
      const events = this.state.events
      const n = Math.max(0, Math.min(max, this.remaining, this.backwards ? c - this.stop[0]! + 1 : this.stop[0]! - c))
      // Stryker disable next-line ArrayDeclaration: equivalent: preallocation only
      const out = new Array<Event.SequencedEvent>(n)
      if (!this.backwards) {
        for (let j = 0; j < n; j++) out[j] = events[list[c + j]!]!
        this.cur[0] = c + n
      } else {
        for (let j = 0; j < n; j++) out[j] = events[list[c - j]!]!
        this.cur[0] = c - n
      }
      this.remaining -= n
      return out
    }
    const out: Array<Event.SequencedEvent> = []
    if (this.lists.length === 1 && !this.backwards) {
      // one list to filter (e.g. a tag, for an item of types and that tag)
      const list = this.lists[0]!
      const s = this.stop[0]!
      let c = this.cur[0]!
      const state = this.state
      const filter = this.filter!
      const n = Math.min(max, this.remaining)
      const typesOnly = this.typesOnly
      if (typesOnly !== undefined) {
        // at most min(n, candidates left) events: allocated once, trimmed to what matched
        const events = state.events
        const one = typesOnly.length === 1 ? typesOnly[0]! : undefined
        // Stryker disable next-line all: equivalent: preallocation only (the array is trimmed to what matched)
        const chunk = new Array<Event.SequencedEvent>(Math.max(0, Math.min(n, s - c)))
        let k = 0
        while (c < s && k < n) {
          const event = events[list[c++]!]!
          if (one !== undefined ? event.type === one : typesOnly.includes(event.type)) chunk[k++] = event
        }
        chunk.length = k
        this.cur[0] = c
        this.remaining -= k
        return chunk
      } else {
        // Stryker disable next-line all: equivalent: a fast path for one item; matchesAt gives the same answer
        const item = filter.length === 1 ? filter[0]! : undefined
        while (c < s && out.length < n) {
          const i = list[c++]!
          if (item !== undefined ? matchesItemAt(state, item, i) : matchesAt(state, filter, i)) out.push(eventAt(state, i))
        }
      }
      this.cur[0] = c
      this.remaining -= out.length
      return out
    }
    // Stryker disable next-line EqualityOperator: equivalent: one more event in a chunk changes only how the stream is chunked
    while (out.length < max) {
      const i = this.nextIndex()
      if (i < 0) break
      out.push(eventAt(this.state, i))
    }
    return out
  }
}

/** The first index at or after `start`, below `below`, in `list`, whose event matches `item` (or `below`). */
const firstInList = (
  state: State,
  item: Query.QueryItem,
  list: ReadonlyArray<number>,
  start: number,
  below: number,
  exact: boolean
): number => {
  for (let c = lowerBound(list, start); c < list.length; c++) {
    const i = list[c]!
    // Stryker disable next-line EqualityOperator: equivalent: at i === below both return the same index
    if (i >= below) return below
    if (exact || matchesItemAt(state, item, i)) return i
  }
  return below
}

/**
 * The index of the first event strictly after `after` that matches the
 * query, or -1: an append condition's check, with no allocation (the
 * {@link Cursor} costs as much as the rest of a small append). Per item, its
 * shortest list from the first index after `after`, stopping at the best
 * match found so far.
 *
 * @internal
 */
export const firstMatchAfter = (
  state: State,
  query: Query.Query,
  after: SequencePosition.SequencePosition | undefined
): number => {
  const size = state.events.length
  const start = indexAfter(after)
  if (start >= size) return -1
  if (query._tag === "All") return start
  let best = size
  const items = query.items
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: stopping early only saves scanning the other items
  for (let k = 0; k < items.length && best > start; k++) {
    const item = items[k]!
    const tagList = shortestTagList(state, item)
    if (tagList !== undefined) {
      // Stryker disable next-line BooleanLiteral: equivalent: an exact list only spares the check against the item
      best = firstInList(state, item, tagList, start, best, isExact(item, true))
    } else {
      const types = item.types!
      const exact = isExact(item, false)
      // Stryker disable next-line EqualityOperator: equivalent: types[types.length] is undefined, which no type list is stored under
      for (let j = 0; j < types.length; j++) {
        const list = state.byType.get(types[j]!)?.list
        if (list !== undefined) best = firstInList(state, item, list, start, best, exact)
      }
    }
  }
  return best < size ? best : -1
}

/**
 * The events of a one-item query strictly after a position, in order: one
 * index list read and filtered in one pass (a decision read's usual query,
 * read with no cursor); `undefined` when the item is read from several type
 * lists, or when more than `maxCandidates` index entries would be scanned.
 *
 * @internal
 */
export const readItemAfter = (
  state: State,
  item: Query.QueryItem,
  after: SequencePosition.SequencePosition | undefined,
  maxCandidates: number
): Array<Event.SequencedEvent> | undefined => {
  const tagList = shortestTagList(state, item)
  const types = item.types
  if (tagList === undefined && types!.length !== 1) return undefined
  const list = tagList ?? state.byType.get(types![0]!)?.list ?? EMPTY
  const exact = isExact(item, tagList !== undefined)
  const events = state.events
  const start = lowerBound(list, indexAfter(after))
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: equivalent: declining sends the read to the cursor, which gives the same events
  if (list.length - start > maxCandidates) return undefined
  if (exact) {
    // Stryker disable next-line ArrayDeclaration: equivalent: preallocation only
    const out = new Array<Event.SequencedEvent>(list.length - start)
    for (let c = start; c < list.length; c++) out[c - start] = events[list[c]!]!
    return out
  }
  const out: Array<Event.SequencedEvent> = []
  // Stryker disable next-line ConditionalExpression: equivalent: the one-type check is matchesItemAt's answer for that item
  const one = tagList !== undefined && item.tags!.length === 1 && types!.length === 1 ? types![0]! : undefined
  for (let c = start; c < list.length; c++) {
    const i = list[c]!
    // Stryker disable next-line ConditionalExpression: equivalent: the one-type check is matchesItemAt's answer for that item
    if (one !== undefined ? events[i]!.type === one : matchesItemAt(state, item, i)) out.push(events[i]!)
  }
  return out
}

/**
 * What an append did: the position of its last event when it wrote (the
 * common case, no allocation), or why it did not.
 *
 * @internal
 */
export type AppendResult =
  | SequencePosition.SequencePosition
  | { readonly _tag: "Replayed"; readonly position: SequencePosition.SequencePosition }
  | { readonly _tag: "ConditionFailed"; readonly index: number; readonly position: SequencePosition.SequencePosition }
  | { readonly _tag: "AppendIdReused"; readonly position: SequencePosition.SequencePosition }

const pushIndex = (list: Array<number>, i: number) => {
  if (list[list.length - 1] !== i) list.push(i)
}

const EMPTY_TAGS: ReadonlyArray<string> = Object.freeze([])

const typeEntry = (state: State, type: string): Entry => {
  let entry = state.byType.get(type)
  if (entry === undefined) {
    entry = { name: type, list: [], id: state.byType.size, single: EMPTY_TAGS }
    state.byType.set(type, entry)
  }
  return entry
}

const tagEntry = (state: State, tag: string): Entry => {
  let entry = state.byTag.get(tag)
  if (entry === undefined) {
    entry = { name: tag, list: [], id: state.byTag.size, single: Object.freeze([tag]) }
    state.byTag.set(tag, entry)
  }
  return entry
}

/** Indexes event i under its tags, and returns the interned tags array. */
const internTags = (state: State, tags: ReadonlyArray<string>, i: number): ReadonlyArray<string> => {
  const n = tags.length
  if (n === 0) return EMPTY_TAGS
  if (n === 1) {
    const entry = tagEntry(state, tags[0]!)
    pushIndex(entry.list, i)
    return entry.single
  }
  // Stryker disable next-line StringLiteral: equivalent: overwritten on the first tag
  let key = ""
  for (let j = 0; j < n; j++) {
    const entry = tagEntry(state, tags[j]!)
    pushIndex(entry.list, i)
    key = j === 0 ? String(entry.id) : key + "," + entry.id
  }
  let set = state.tagSets.get(key)
  if (set === undefined) {
    const names: Array<string> = []
    for (let j = 0; j < n; j++) names.push(state.byTag.get(tags[j]!)!.name)
    set = Object.freeze(names)
    // Stryker disable next-line all: equivalent: interning only
    state.tagSets.set(key, set)
  }
  return set
}

/** The time of an append, shared with the previous append of the same millisecond. */
const recordedNow = (state: State): DateTime.Utc => {
  const millis = Date.now()
  if (millis !== state.lastMillis || state.lastRecordedAt === undefined) {
    state.lastMillis = millis
    state.lastRecordedAt = DateTime.makeUnsafe(millis)
  }
  return state.lastRecordedAt
}

/** Payloads up to this size are copied into a shared chunk of {@link slabBytes}; larger ones get a copy of their own. */
const slabPayloadMax = 2048
const slabBytes = 64 * 1024
const EMPTY_DATA = new Uint8Array(0)

/**
 * A copy of a payload, as the store keeps it: what the caller does with its
 * buffer afterwards does not change the log (FoundationDB keeps a copy too).
 * Small payloads share 64 KiB chunks (a view each), so that a million stored
 * events are not a million `ArrayBuffer`s, each of which every garbage
 * collection sweeps.
 */
const copyPayload = (state: State, data: Uint8Array): Uint8Array => {
  const n = data.byteLength
  // Stryker disable next-line ConditionalExpression: equivalent: an empty view of a chunk is an empty payload too
  if (n === 0) return EMPTY_DATA
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: a copy of its own or in a chunk hold the same bytes
  if (n > slabPayloadMax) return data.slice()
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: a new chunk sooner only wastes the old one's end
  if (state.slabUsed + n > state.slab.length) {
    state.slab = new Uint8Array(slabBytes)
    state.slabUsed = 0
  }
  const at = state.slabUsed
  state.slab.set(data, at)
  state.slabUsed = at + n
  return state.slab.subarray(at, at + n)
}

/**
 * Checks idempotency and the conditions (each after its own position), then
 * writes — in one synchronous step. The events were validated by the caller.
 *
 * @internal
 */
export const append = (
  state: State,
  events: ReadonlyArray<Event.NewEvent>,
  conditions: ReadonlyArray<AppendCondition.AppendCondition>,
  appendId: string | undefined,
  fingerprint: (events: ReadonlyArray<Event.NewEvent>) => string
): AppendResult => {
  if (appendId !== undefined) {
    const first = state.appendIds.get(appendId)
    if (first !== undefined) {
      const print = fingerprint(events)
      return first.fingerprint === print
        ? { _tag: "Replayed", position: first.position }
        : { _tag: "AppendIdReused", position: first.position }
    }
  }
  for (let c = 0; c < conditions.length; c++) {
    const condition = conditions[c]!
    const conflict = firstMatchAfter(state, condition.failIfEventsMatch, condition.after)
    if (conflict >= 0) return { _tag: "ConditionFailed", index: c, position: state.events[conflict]!.position }
  }
  const recordedAt = recordedNow(state)
  for (let e = 0; e < events.length; e++) {
    const event = events[e]!
    const i = state.events.length
    const type = typeEntry(state, event.type)
    pushIndex(type.list, i)
    const tags = internTags(state, event.tags, i)
    state.events.push(Object.freeze(
      event.metadata === undefined
        ? { type: type.name, tags, data: copyPayload(state, event.data), position: positionOf(i), recordedAt }
        : {
          type: type.name,
          tags,
          data: copyPayload(state, event.data),
          metadata: { ...event.metadata },
          position: positionOf(i),
          recordedAt
        }
    ))
  }
  const position = state.events[state.events.length - 1]!.position
  if (appendId !== undefined) state.appendIds.set(appendId, { position, fingerprint: fingerprint(events) })
  return position
}

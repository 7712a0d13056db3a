/**
 * The data structure behind `EventStore.layerMemory`: the log as an array,
 * indexes from type and from tag to ascending event indexes, and the append
 * ids seen. Everything here is synchronous, which is what makes the condition
 * check and the write one atomic step for concurrent fibers.
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import type * as AppendCondition from "../AppendCondition.ts"
import type * as Event from "../Event.ts"
import * as Query from "../Query.ts"
import type * as SequencePosition from "../SequencePosition.ts"

/** @internal */
export interface State {
  readonly events: Array<Event.SequencedEvent>
  readonly byType: Map<string, Array<number>>
  readonly byTag: Map<string, Array<number>>
  readonly appendIds: Map<string, { readonly position: SequencePosition.SequencePosition; readonly fingerprint: string }>
}

/** @internal */
export const make = (): State => ({ events: [], byType: new Map(), byTag: new Map(), appendIds: new Map() })

/** @internal */
export const size = (state: State): number => state.events.length

/** Event index i has position i + 1. @internal */
export const positionOf = (index: number): SequencePosition.SequencePosition =>
  BigInt(index + 1) as SequencePosition.SequencePosition

/** First index strictly after a position. @internal */
const indexAfter = (after: SequencePosition.SequencePosition | undefined): number =>
  after === undefined ? 0 : after >= BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(after)

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

const EMPTY: ReadonlyArray<number> = []

interface Source {
  readonly list: ReadonlyArray<number>
  readonly exact: boolean
}

/**
 * The index lists a query reads: for each item, either the lists of its types
 * (exact when it has no tags) or the shortest list among its tags and its
 * types (then filtered by the item).
 */
const sources = (state: State, query: Query.Items): Array<Source> => {
  const out: Array<Source> = []
  for (const item of query.items) {
    const types = item.types !== undefined && item.types.length > 0 ? item.types : undefined
    const tags = item.tags !== undefined && item.tags.length > 0 ? item.tags : undefined
    let shortestTag: ReadonlyArray<number> | undefined
    if (tags !== undefined) {
      for (const tag of tags) {
        const list = state.byTag.get(tag) ?? EMPTY
        if (shortestTag === undefined || list.length < shortestTag.length) shortestTag = list
      }
    }
    let typeLists: Array<ReadonlyArray<number>> | undefined
    let typeTotal = 0
    if (types !== undefined) {
      typeLists = []
      for (const type of new Set(types)) {
        const list = state.byType.get(type)
        if (list !== undefined) {
          typeLists.push(list)
          typeTotal += list.length
        }
      }
    }
    if (shortestTag !== undefined && (typeLists === undefined || shortestTag.length <= typeTotal)) {
      if (shortestTag.length > 0) out.push({ list: shortestTag, exact: tags!.length === 1 && types === undefined })
    } else if (typeLists !== undefined) {
      for (const list of typeLists) out.push({ list, exact: tags === undefined })
    }
  }
  return out
}

/**
 * The events matching a query, lazily, in chunks: ascending (or descending
 * when `backwards`), strictly after `after`, at most `limit`, as of the moment
 * the iteration starts.
 *
 * @internal
 */
export function* select(
  state: State,
  query: Query.Query,
  options?: { readonly after?: SequencePosition.SequencePosition | undefined; readonly limit?: number | undefined; readonly backwards?: boolean | undefined }
): Generator<Event.SequencedEvent> {
  const end = state.events.length
  const start = indexAfter(options?.after)
  let remaining = options?.limit ?? Infinity
  if (start >= end || remaining <= 0) return
  const events = state.events
  const backwards = options?.backwards === true
  if (query._tag === "All") {
    if (backwards) {
      for (let i = end - 1; i >= start && remaining > 0; i--, remaining--) yield events[i]!
    } else {
      for (let i = start; i < end && remaining > 0; i++, remaining--) yield events[i]!
    }
    return
  }
  const srcs = sources(state, query)
  if (srcs.length === 0) return
  const k = srcs.length
  const lists = srcs.map((s) => s.list)
  const exactAll = srcs.every((s) => s.exact)
  // cursors: for each list, the next offset to visit
  const lo = lists.map((list) => lowerBound(list, start))
  const hi = lists.map((list) => lowerBound(list, end))
  if (!backwards) {
    const cur = lo
    while (remaining > 0) {
      let min = Infinity
      for (let j = 0; j < k; j++) {
        if (cur[j]! < hi[j]!) {
          const v = lists[j]![cur[j]!]!
          if (v < min) min = v
        }
      }
      if (min === Infinity) return
      for (let j = 0; j < k; j++) {
        if (cur[j]! < hi[j]! && lists[j]![cur[j]!] === min) cur[j]!++
      }
      const event = events[min]!
      if (exactAll || Query.matches(query, event)) {
        remaining--
        yield event
      }
    }
  } else {
    const cur = hi.map((h) => h - 1)
    while (remaining > 0) {
      let max = -1
      for (let j = 0; j < k; j++) {
        if (cur[j]! >= lo[j]!) {
          const v = lists[j]![cur[j]!]!
          if (v > max) max = v
        }
      }
      if (max === -1) return
      for (let j = 0; j < k; j++) {
        if (cur[j]! >= lo[j]! && lists[j]![cur[j]!] === max) cur[j]!--
      }
      const event = events[max]!
      if (exactAll || Query.matches(query, event)) {
        remaining--
        yield event
      }
    }
  }
}

/** @internal */
export type AppendResult =
  | { readonly _tag: "Appended"; readonly position: SequencePosition.SequencePosition; readonly written: boolean }
  | { readonly _tag: "ConditionFailed"; readonly position: SequencePosition.SequencePosition }
  | { readonly _tag: "AppendIdReused"; readonly position: SequencePosition.SequencePosition }

const push = (index: Map<string, Array<number>>, key: string, i: number) => {
  const list = index.get(key)
  if (list === undefined) index.set(key, [i])
  else if (list[list.length - 1] !== i) list.push(i)
}

/**
 * Checks idempotency and the condition, then writes — in one synchronous step.
 * The events were validated by the caller.
 *
 * @internal
 */
export const append = (
  state: State,
  events: ReadonlyArray<Event.NewEvent>,
  condition: AppendCondition.AppendCondition | undefined,
  appendId: string | undefined,
  fingerprint: (events: ReadonlyArray<Event.NewEvent>) => string
): AppendResult => {
  let print: string | undefined
  if (appendId !== undefined) {
    const first = state.appendIds.get(appendId)
    if (first !== undefined) {
      print = fingerprint(events)
      return first.fingerprint === print
        ? { _tag: "Appended", position: first.position, written: false }
        : { _tag: "AppendIdReused", position: first.position }
    }
  }
  if (condition !== undefined) {
    const conflict = select(state, condition.failIfEventsMatch, { after: condition.after, limit: 1 }).next()
    if (!conflict.done) return { _tag: "ConditionFailed", position: conflict.value.position }
  }
  const recordedAt = DateTime.nowUnsafe()
  const log = state.events
  for (const event of events) {
    const i = log.length
    const stored: Event.SequencedEvent = {
      type: event.type,
      tags: event.tags.slice(),
      data: event.data,
      ...(event.metadata !== undefined ? { metadata: { ...event.metadata } } : {}),
      position: positionOf(i),
      recordedAt
    }
    log.push(stored)
    push(state.byType, event.type, i)
    for (const tag of event.tags) push(state.byTag, tag, i)
  }
  const position = positionOf(log.length - 1)
  if (appendId !== undefined) state.appendIds.set(appendId, { position, fingerprint: print ?? fingerprint(events) })
  return { _tag: "Appended", position, written: true }
}

/**
 * The memory store's allocation-free scans (`src/Dcb/internal/memoryStore.ts`):
 * `firstMatchAfter` (an append condition's check) and `readItemAfter` (a
 * one-item decision read) against a scan of the whole log with
 * `Query.matches`, over random logs and queries from fixed seeds: tags and
 * types of every frequency (so both the tag-list and the type-list plans
 * run), several items, several types or tags per item, any `after`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { DecisionModel, EventStore, Query, SequencePosition } from "fairway/Dcb"
import * as MemoryStore from "../../src/Dcb/internal/memoryStore.ts"

const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const TYPES = ["A", "B", "C", "D"]
const TAGS = ["t0", "t1", "t2", "t3", "t4", "t5"]
const data = new Uint8Array([1])

const pick = <A>(rnd: () => number, list: ReadonlyArray<A>, skew: boolean): A =>
  list[Math.floor((skew ? rnd() * rnd() : rnd()) * list.length)]!

const someOf = (rnd: () => number, list: ReadonlyArray<string>, max: number): Array<string> => {
  const n = Math.floor(rnd() * (max + 1))
  return [...new Set(Array.from({ length: n }, () => pick(rnd, list, false)))]
}

const randomItem = (rnd: () => number): Query.QueryItem => {
  for (;;) {
    const types = someOf(rnd, [...TYPES, "Z"], 2)
    const tags = someOf(rnd, [...TAGS, "none"], 2)
    if (types.length + tags.length > 0) {
      // an empty list is the same as none (sometimes given as [], sometimes left out)
      return {
        ...(types.length > 0 || rnd() < 0.3 ? { types } : {}),
        ...(tags.length > 0 || rnd() < 0.3 ? { tags } : {})
      }
    }
  }
}

const fill = (seed: number) => {
  const rnd = random(seed)
  const state = MemoryStore.make()
  const size = Math.floor(rnd() * 200)
  for (let i = 0; i < size; i++) {
    const tags = Array.from({ length: Math.floor(rnd() * 4) }, () => pick(rnd, TAGS, true))
    const result = MemoryStore.append(state, [{ type: pick(rnd, TYPES, true), tags: [...new Set(tags)], data }], [], undefined, () => "")
    expect(typeof result).toBe("bigint")
  }
  return { rnd, state, size }
}

const afterOf = (rnd: () => number, size: number): SequencePosition.SequencePosition | undefined => {
  const r = rnd()
  return r < 0.2 ? undefined : SequencePosition.make(BigInt(Math.floor(rnd() * (size + 3))))
}

describe("memory store scans", () => {
  it.effect("a query with a lone surrogate is refused before any read, naming its item", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const query = Query.fromItems([{ tags: ["ok"] }, { types: ["A"], tags: ["bad\uD800"] }])
      const error = yield* Effect.flip(Stream.runCollect(store.read(query)))
      expect(error._tag).toBe("InvalidQuery")
      expect(error.message).toBe("query item 1: a type or tag of a query item is not well-formed UTF-16 (a lone surrogate)")
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("a decision read of several items over more than one chunk of events folds them all, in order", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const batch = (i: number) =>
        Array.from({ length: 100 }, (_, j) => ({ type: (i + j) % 3 === 0 ? "C" : "A", tags: [`k:${(i + j) % 2}`], data }))
      for (let i = 0; i < 3000; i += 100) yield* store.append(batch(i))
      const query = Query.fromItems([{ types: ["A"], tags: ["k:0"] }, { types: ["C"] }])
      const model = DecisionModel.makeRaw({
        query,
        initial: [] as Array<bigint>,
        evolve: (seen: Array<bigint>, event) => [...seen, event.position]
      })
      const expected = (yield* Stream.runCollect(store.read(query))).map((e) => e.position)
      expect(expected.length).toBeGreaterThan(1024)
      const read = yield* DecisionModel.read(model)
      expect(read.state).toEqual(expected)
      expect(read.condition.after).toBe(expected[expected.length - 1])
      // after a position: the rest
      const after = yield* DecisionModel.readAfter(store, model, [], expected[99])
      expect(after.state).toEqual(expected.slice(100))
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it("firstMatchAfter finds the first matching event after the position, as a log scan does (400 seeds)", () => {
    let conflicts = 0
    for (let seed = 1; seed <= 400; seed++) {
      const { rnd, size, state } = fill(seed)
      for (let q = 0; q < 10; q++) {
        const query = rnd() < 0.05 ? Query.all() : Query.fromItems(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => randomItem(rnd)))
        const after = afterOf(rnd, size)
        const start = after === undefined ? 0 : Number(after)
        const expected = state.events.findIndex((e, i) => i >= start && Query.matches(query, e))
        expect(MemoryStore.firstMatchAfter(state, query, after), `seed ${seed}`).toBe(expected)
        if (expected >= 0) conflicts++
      }
    }
    // both outcomes are well represented
    expect(conflicts).toBeGreaterThan(800)
    expect(conflicts).toBeLessThan(3200)
  })

  it("every read (a cursor's too: several items, before, limit, backwards) gives the events a log scan does (300 seeds)", () => {
    let cursorReads = 0
    for (let seed = 1; seed <= 300; seed++) {
      const { rnd, size, state } = fill(seed)
      // the same log behind the public store: append what `fill` stored
      const store = Effect.runSync(EventStore.makeMemory)
      for (const e of state.events) Effect.runSync(store.append([{ type: e.type, tags: e.tags, data: e.data }]))
      for (let q = 0; q < 6; q++) {
        const query = Query.fromItems(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => randomItem(rnd)))
        const after = afterOf(rnd, size)
        const before = rnd() < 0.3 ? SequencePosition.make(BigInt(1 + Math.floor(rnd() * (size + 2)))) : undefined
        const limit = rnd() < 0.3 ? 1 + Math.floor(rnd() * 5) : undefined
        const backwards = rnd() < 0.3
        const matching = state.events.filter((e) =>
          (after === undefined || e.position > after) && (before === undefined || e.position < before) && Query.matches(query, e)
        )
        const ordered = backwards ? matching.reverse() : matching
        const expected = (limit === undefined ? ordered : ordered.slice(0, limit)).map((e) => e.position)
        const read = Effect.runSync(Stream.runCollect(store.read(query, { after, before, limit, backwards })))
        expect(read.map((e) => e.position), `seed ${seed}`).toEqual(expected)
        if ((query._tag === "Items" && query.items.length > 1) || before !== undefined || limit !== undefined || backwards) cursorReads++
      }
    }
    expect(cursorReads).toBeGreaterThan(1000)
  })

  it("readItemAfter reads a one-item query's events after the position in order, as a log scan does (400 seeds)", () => {
    let fast = 0
    for (let seed = 1; seed <= 400; seed++) {
      const { rnd, size, state } = fill(seed)
      for (let q = 0; q < 10; q++) {
        const item = randomItem(rnd)
        const after = afterOf(rnd, size)
        const start = after === undefined ? 0 : Number(after)
        const query = Query.fromItems([item])
        const expected = state.events.filter((e, i) => i >= start && Query.matches(query, e))
        const read = MemoryStore.readItemAfter(state, item, after, Infinity)
        if (read === undefined) {
          // declined: only an item read through several type lists
          expect(item.types !== undefined && item.types.length > 1).toBe(true)
          continue
        }
        fast++
        // a bound on the candidates scanned declines a longer scan, never truncates it
        const bounded = MemoryStore.readItemAfter(state, item, after, 3)
        if (bounded !== undefined) expect(bounded).toEqual(expected)
        expect(read, `seed ${seed}`).toEqual(expected)
        // the stored events themselves (reads allocate no event)
        for (let i = 0; i < read.length; i++) expect(read[i]).toBe(expected[i])
      }
    }
    expect(fast).toBeGreaterThan(2500)
  })
})

/**
 * Transaction sizes as FoundationDB's client counts them (`TransactionSize`),
 * and the FoundationDB store's pre-commit budget against them: at the budget's
 * boundary an append commits on the simulator (which counts with
 * `TransactionSize`), one byte more is refused before any transaction, and
 * the budget exceeds the bytes counted at commit by no more than its
 * allowance for clearing the markers of earlier appends.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import type * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as KeyLayout from "fairway/Fdb/KeyLayout"
import * as TransactionSize from "fairway/Fdb/TransactionSize"
import { TestClock } from "effect/testing"

describe("TransactionSize", () => {
  it("counts mutations with 28 bytes each and conflict ranges with 24 bytes each, as the C client does", () => {
    expect([TransactionSize.mutationOverhead, TransactionSize.rangeOverhead, TransactionSize.versionstampOffsetBytes]).toEqual([28, 24, 4])
    // a set: the mutation (key, value) and the write conflict range [key, key + 0x00)
    expect(TransactionSize.set(10, 5)).toBe(28 + 10 + 5 + 24 + 10 + 11)
    // a clear of one key: the mutation [key, key + 0x00) and the same write conflict range
    expect(TransactionSize.clear(10)).toBe(28 + 10 + 11 + 24 + 10 + 11)
    // a versionstamped key: the mutation only, the key with its 4-byte offset
    expect(TransactionSize.versionstampedKey(10, 5)).toBe(28 + 10 + 4 + 5)
    // a versionstamped value: the mutation, the value with its offset, and the key's write conflict range
    expect(TransactionSize.versionstampedValue(10, 5)).toBe(28 + 10 + 5 + 4 + 24 + 10 + 11)
    expect(TransactionSize.range(3, 7)).toBe(24 + 3 + 7)
    expect(TransactionSize.pointRead(10)).toBe(24 + 10 + 11)
  })

  it("coalesces ranges that overlap or touch, drops empty ones, and counts a list", () => {
    expect(TransactionSize.coalesce([["c", "e"], ["a", "b"], ["b", "c"], ["d", "f"], ["x", "x"], ["z", "y"], ["g", "h"]]))
      .toEqual([["a", "f"], ["g", "h"]])
    // a range inside another leaves it as it is
    expect(TransactionSize.coalesce([["a", "z"], ["b", "c"]])).toEqual([["a", "z"]])
    expect(TransactionSize.coalesce([])).toEqual([])
    expect(TransactionSize.ranges([["a", "bb"], ["ccc", "dddd"]])).toBe(24 + 1 + 2 + 24 + 3 + 4)
    expect(TransactionSize.ranges([])).toBe(0)
  })
})

/** Only the commit costs virtual time, 1 ms per byte as FoundationDB counts it: a transaction's duration is its size. */
const bytes: FdbSimulator.CostProfile = { ...FdbSimulator.freeCosts, name: "bytes", commitPerByte: 1 }

const prefix = Uint8Array.of(1)
// long type and tags: the fewest index keys for their bytes (about 44 KB of them per event)
const type = "Tagged".padEnd(256, "-")
const tags = (n: number) => Array.from({ length: 8 }, (_, i) => `${n}:${i}:`.padEnd(256, "t"))

/** 95 events of 80,000 bytes, `m` events of 8 tags, and a last event of `pad` bytes. */
const batch = (m: number, pad: number): Array<Event.NewEvent> => [
  ...Array.from({ length: 95 }, () => Event.make("Data", [], new Uint8Array(80_000))),
  ...Array.from({ length: m }, (_, i) => Event.make(type, tags(i))),
  Event.make("Pad", [], new Uint8Array(pad))
]

/** The budget of an append over it, as its `InvalidAppend` reports it ("would reach N bytes"). */
const budgetOver = (events: ReadonlyArray<Event.NewEvent>, options: EventStore.AppendOptions | undefined): number => {
  const error = EventStoreFdb.checkAppend({ prefix })(events, options)
  const reached = error === undefined ? undefined : /would reach (\d+) bytes/.exec(error.message)
  expect(reached).toBeDefined()
  return Number(reached![1])
}

/** The batch whose budget is exactly the limit (the budget grows by one byte per byte of the last payload). */
const boundary = (options: EventStore.AppendOptions | undefined) => {
  const limit = EventStoreFdb.maxAppendTransactionBytes
  const check = EventStoreFdb.checkAppend({ prefix })
  // the most tagged events within the budget (48 with this layout: a few checks), then the payload that
  // brings it to the limit
  let m = 48
  while (check(batch(m, 0), options) !== undefined) m--
  while (check(batch(m + 1, 0), options) === undefined) m++
  const pad = 90_000 - (budgetOver(batch(m, 90_000), options) - limit)
  expect(check(batch(m, pad), options)).toBeUndefined()
  expect(check(batch(m, pad + 1), options)?._tag).toBe("InvalidAppend")
  return { m, pad }
}

describe("EventStoreFdb's transaction budget", () => {
  it.effect("at the boundary an append commits, counted exactly but for the allowance of 100 marker clears; one byte more is refused", () =>
    Effect.gen(function*() {
      // a timestamp as wide as the budget assumes (16 digits)
      yield* TestClock.setTime(8_000_000_000_000_000)
      const options = { appendId: "budget-test" }
      const { m, pad } = boundary(options)
      const sim = FdbSimulator.make({ costs: bytes })
      const store = yield* EventStoreFdb.make({ prefix }).pipe(
        Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
      )
      const over = yield* Effect.flip(store.append(batch(m, pad + 1), options))
      expect(over._tag).toBe("InvalidAppend")
      expect(over.message).toContain(`${EventStoreFdb.maxAppendTransactionBytes + 1} bytes`)
      expect((yield* sim.control.stats).transactions).toBe(0)
      yield* store.append(batch(m, pad), options)
      const [size] = yield* sim.control.durations
      // the budget (10,000,000 here) = what was counted + clears of 100 markers of the longest generated name
      const marker = KeyLayout.make(prefix).appendMarker("x".repeat(40)).length
      expect(EventStoreFdb.maxAppendTransactionBytes - size!).toBe(100 * TransactionSize.clear(marker))
      expect((yield* sim.control.stats).commits).toBe(1)
    }))

  it.effect("the conditions add two read conflict ranges per index range they read to the budget; at its boundary the append commits", () =>
    Effect.gen(function*() {
      const items = Array.from({ length: 6 }, (_, i) => ({ tags: [`c:${i}`.padEnd(100 + i, "c")] }))
      const options = {
        conditions: [
          AppendCondition.make(Query.fromItems(items)),
          AppendCondition.make(Query.fromItems(items.slice(0, 3).map((item) => ({ ...item, types: ["T"] }))))
        ]
      }
      const plain = boundary(undefined)
      const conditional = boundary(options)
      expect(conditional.m).toBe(plain.m)
      // each index range read: two conflict ranges of its keys' length plus one byte
      const layout = KeyLayout.make(prefix)
      const ranges = [...items.map((item) => layout.tags(item.tags)), ...items.slice(0, 3).map((item) => layout.typeTags("T", item.tags))]
      const conflicts = ranges.reduce((total, range) => {
        const bound = range.prefix.length + KeyLayout.stampLength + 1
        return total + 2 * TransactionSize.range(bound, bound)
      }, 0)
      expect(plain.pad - conditional.pad).toBe(conflicts)
      const sim = FdbSimulator.make({ costs: bytes })
      const store = yield* EventStoreFdb.make({ prefix }).pipe(
        Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
      )
      yield* store.append(batch(conditional.m, conditional.pad), options)
      const [size] = yield* sim.control.durations
      expect(size!).toBeLessThanOrEqual(EventStoreFdb.maxAppendTransactionBytes)
    }))
})

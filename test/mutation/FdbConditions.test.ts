/**
 * The append-condition check of the FoundationDB store (`internal/conditions.ts`)
 * in fast focused cases on the simulator: the tag pairs of items of three or
 * more tags, the join's answer against a direct scan of the log (small pages,
 * random seeds), the position and condition an `AppendConditionFailed`
 * names, the key bound (`conditionScanLimit`, counted against the keys the
 * join really reads), which condition a `ConditionTooBroad` names, and the
 * conflict a join's read conflict range gives a concurrent append.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import type * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
// the internal module is not exported by the package: loaded by path
import { tagPairs } from "../../src/Fdb/internal/conditions.ts"
import { rngOf } from "../fdb/random.ts"
import { counting } from "../fdb/counting.ts"

const storeOn = (db: FdbDatabase.FdbDatabaseShape, options?: EventStoreFdb.Options) =>
  EventStoreFdb.make(options).pipe(Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(db)))


/** A database on which the first transaction of the store, after its body ran, lets `other` commit first. */
const interleaved = (db: FdbDatabase.FdbDatabaseShape, other: Effect.Effect<unknown, unknown>): FdbDatabase.FdbDatabaseShape => {
  let done = false
  return {
    transact: (body, options) =>
      db.transact((tn) =>
        Effect.tap(body(tn), () => {
          if (done) return Effect.void
          done = true
          return Effect.asVoid(Effect.orDie(other))
        }), options)
  }
}

const TAGS = ["a", "b", "c", "d", "e"]

describe("tagPairs", () => {
  it("every pair up to four tags; beyond, a cover by ⌈k/2⌉ sorted pairs", () => {
    expect(tagPairs(["a", "b", "c"])).toEqual([["a", "b"], ["a", "c"], ["b", "c"]])
    expect(tagPairs(["a", "b", "c", "d"])).toEqual([["a", "b"], ["a", "c"], ["a", "d"], ["b", "c"], ["b", "d"], ["c", "d"]])
    expect(tagPairs(["a", "b", "c", "d", "e"])).toEqual([["a", "b"], ["c", "d"], ["a", "e"]])
    expect(tagPairs(["a", "b", "c", "d", "e", "f"])).toEqual([["a", "b"], ["c", "d"], ["e", "f"]])
  })
})

describe("EventStoreFdb conditions of 3+ tags", () => {
  it.effect("the join finds the first event after `after` carrying every tag, as a scan of the log does (small pages)", () =>
    Effect.gen(function*() {
      let failed = 0
      let held = 0
      for (let seed = 1; seed <= 25; seed++) {
        const rng = rngOf(seed)
        const sim = FdbSimulator.make({ seed })
        const store = yield* storeOn(sim.database, { pageSize: 1 + Math.floor(rng() * 3) })
        const history = Array.from({ length: 10 + Math.floor(rng() * 25) }, (_, i) =>
          Event.make(rng() < 0.5 ? "A" : "B", TAGS.filter(() => rng() < 0.6), String(i)))
        for (let i = 0; i < history.length; i += 3) yield* store.append(history.slice(i, i + 3))
        const log = Array.from(yield* Stream.runCollect(store.read(Query.all())))
        const after = rng() < 0.3 ? undefined : log[Math.floor(rng() * log.length)]!.position
        const tags = TAGS.filter(() => rng() < 0.7)
        if (tags.length < 3) tags.splice(0, tags.length, "a", "c", "e")
        const items: Array<Query.QueryItem> = [rng() < 0.5 ? { tags } : { types: ["A"], tags }]
        if (rng() < 0.4) items.push({ tags: [...tags].reverse().slice(0, 3), types: ["B"] })
        const query = Query.fromItems(items)
        const expected = log.find((e) => (after === undefined || e.position > after) && Query.matches(query, e))
        const exit = yield* Effect.exit(store.append([Event.make("New", [])], { condition: AppendCondition.make(query, after) }))
        if (expected === undefined) {
          expect(Exit.isSuccess(exit), `seed ${seed}`).toBe(true)
          held++
        } else {
          const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
          expect(error?._tag === "Fail" ? error.error : undefined, `seed ${seed}`).toMatchObject({
            _tag: "AppendConditionFailed",
            conflictingPosition: expected.position
          })
          failed++
        }
      }
      expect(failed).toBeGreaterThan(5)
      expect(held).toBeGreaterThan(5)
    }))

  it.effect("several conditions: the lowest failed one is named, with its first matching position", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const store = yield* storeOn(sim.database, { pageSize: 2 })
      const p1 = yield* store.append([Event.make("A", ["a", "b", "c"], "1")])
      const p2 = yield* store.append([Event.make("A", ["x"], "2")])
      const p3 = yield* store.append([Event.make("A", ["a", "b", "c", "d"], "3")])
      const error = yield* Effect.flip(store.append([Event.make("New", [])], {
        conditions: [
          AppendCondition.make(Query.item({ tags: ["nope", "b", "c"] })),
          AppendCondition.make(Query.fromItems([{ tags: ["a", "b", "d"] }, { tags: ["x"] }, { tags: ["a", "b", "c"] }]), p1),
          AppendCondition.make(Query.item({ tags: ["x"] }))
        ]
      }))
      // condition 1: its items match p2 (x) and p3 (a b c, a b d): the first is p2
      expect(error).toMatchObject({ _tag: "AppendConditionFailed", conditionIndex: 1, conflictingPosition: p2 })
      const later = yield* Effect.flip(store.append([Event.make("New", [])], {
        conditions: [AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }), p1)]
      }))
      expect(later).toMatchObject({ conditionIndex: 0, conflictingPosition: p3 })
      // and a condition over the same 3-tag item twice reads its pairs once: it holds within a bound for one
      yield* store.append([Event.make("New", [])], {
        condition: AppendCondition.make(Query.fromItems([{ tags: ["a", "b", "c"] }, { tags: ["c", "b", "a"] }]), p3)
      })
    }))

  it.effect("conditionScanLimit counts the keys the join reads: exactly that many hold, one fewer is too broad", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const { counts, database, reset } = counting(sim.database)
      const writer = yield* storeOn(sim.database)
      const pairs = [["a", "b"], ["a", "c"], ["b", "c"]]
      yield* writer.append(Array.from({ length: 24 }, (_, i) => Event.make("E", pairs[i % 3]!)))
      const condition = { condition: AppendCondition.make(Query.item({ tags: ["a", "b", "c"] })) }
      yield* reset
      const unbounded = yield* storeOn(database, { pageSize: 3 })
      yield* unbounded.append([Event.make("New", ["z"])], condition)
      const keys = counts.rangeKeys
      expect(keys).toBeGreaterThan(3)
      // the pair ranges are read concurrently
      expect(counts.maxInFlight).toBeGreaterThan(1)
      const exact = yield* storeOn(sim.database, { pageSize: 3, conditionScanLimit: keys })
      yield* exact.append([Event.make("New", ["z"])], condition)
      // the same item twice (its tags in another order) is checked once: within the same bound
      yield* exact.append([Event.make("New", ["z"])], {
        condition: AppendCondition.make(Query.fromItems([{ tags: ["a", "b", "c"] }, { tags: ["c", "a", "b"] }]))
      })
      const short = yield* storeOn(sim.database, { pageSize: 3, conditionScanLimit: keys - 1 })
      const error = yield* Effect.flip(short.append([Event.make("New", ["z"])], condition))
      expect(error._tag).toBe("ConditionTooBroad")
      // the bound, and the keys read (one past it)
      expect(error.message).toContain(`${keys - 1} index keys`)
      expect(error.message).toContain(`${keys} of them`)
      // a bound of one page: the ranges read at once ask for what is left of it, not a page each
      const onePage = yield* storeOn(database, { pageSize: 100, conditionScanLimit: 5 })
      yield* reset
      expect((yield* Effect.flip(onePage.append([Event.make("New", ["z"])], condition)))._tag).toBe("ConditionTooBroad")
      expect(counts.rangeKeys).toBeLessThanOrEqual(6)
    }))

  it.effect("past the bound, the condition whose checks read the most keys is named (the lower on a tie), a failure first", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const store = yield* storeOn(sim.database, { pageSize: 4, conditionScanLimit: 12 })
      const pairs = [["a", "b"], ["a", "c"], ["b", "c"], ["p", "q"], ["p", "r"], ["q", "r"]]
      yield* store.append(Array.from({ length: 60 }, (_, i) => Event.make("E", pairs[i % 6]!)))
      const narrow = AppendCondition.make(Query.item({ tags: ["a", "b", "zz"] }))
      const broad = AppendCondition.make(Query.item({ tags: ["p", "q", "r"] }))
      const first = yield* Effect.flip(store.append([Event.make("New", [])], { conditions: [narrow, broad] }))
      expect(first).toMatchObject({ _tag: "ConditionTooBroad", conditionIndex: 1 })
      const tie = AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }))
      const both = yield* Effect.flip(store.append([Event.make("New", [])], { conditions: [broad, tie] }))
      expect(both).toMatchObject({ _tag: "ConditionTooBroad", conditionIndex: 0 })
      const swapped = yield* Effect.flip(store.append([Event.make("New", [])], { conditions: [tie, broad] }))
      expect(swapped).toMatchObject({ _tag: "ConditionTooBroad", conditionIndex: 0 })
      const x = yield* store.append([Event.make("E", ["x"])])
      const failed = yield* Effect.flip(store.append([Event.make("New", [])], {
        conditions: [broad, AppendCondition.make(Query.item({ tags: ["x"] }))]
      }))
      expect(failed).toMatchObject({ _tag: "AppendConditionFailed", conditionIndex: 1, conflictingPosition: x })
    }))

  it.effect("a concurrent event carrying every tag conflicts; one carrying a pair of a range that did not run out does not", () =>
    Effect.gen(function*() {
      const run = (concurrent: Event.NewEvent) =>
        Effect.gen(function*() {
          const sim = FdbSimulator.make()
          const writer = yield* storeOn(sim.database)
          // (a, b) and (b, c) hold events, (a, c) none: the join runs out on (a, c)
          yield* writer.append([Event.make("E", ["a", "b"]), Event.make("E", ["b", "c"]), Event.make("E", ["a", "b"])])
          const store = yield* storeOn(interleaved(sim.database, writer.append([concurrent])), { pageSize: 2 })
          yield* sim.control.resetStats
          const exit = yield* Effect.exit(store.append([Event.make("New", [])], {
            condition: AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }))
          }))
          return { exit, conflicts: (yield* sim.control.stats).conflicts }
        })
      const all = yield* run(Event.make("E", ["a", "b", "c"]))
      expect(all.conflicts).toBe(1)
      const error = Exit.isFailure(all.exit) ? all.exit.cause.reasons[0] : undefined
      expect(error?._tag === "Fail" ? (error.error as EventStore.AppendError)._tag : undefined).toBe("AppendConditionFailed")
      const pair = yield* run(Event.make("E", ["a", "b"]))
      expect(Exit.isSuccess(pair.exit)).toBe(true)
      expect(pair.conflicts).toBe(0)
      // a concurrent (a, c) event is a false conflict (one retry), never a lost one
      const other = yield* run(Event.make("E", ["a", "c"]))
      expect(Exit.isSuccess(other.exit)).toBe(true)
      expect(other.conflicts).toBe(1)
    }))
})

/**
 * Append conditions on the FoundationDB store, on the simulator: several
 * conditions per append (each read after its own position, conflict iff
 * match), and items of three or more tags checked by a join of tag-pair
 * ranges (no per-row point read, reads issued together, a typed error past
 * the bound, fast enough under the realistic cost profile).
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Stream } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import type * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import { randomEvent, randomItem, rngOf } from "./random.ts"
// the internal module is not exported by the package: loaded by path
import { tagPairs as tagPairsOf } from "../../src/Fdb/internal/conditions.ts"
import { counting } from "./counting.ts"

const storeOn = (db: FdbDatabase.FdbDatabaseShape, options?: EventStoreFdb.Options) =>
  EventStoreFdb.make(options).pipe(Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(db)))


/**
 * A conditional append A with 1–3 conditions, each after its own position
 * (the last event matching its query, or the head), whose transaction is
 * interleaved, after its condition reads and before its commit, with an
 * unconditional append B.
 */
const interleavedCase = (seed: number, maxTags: number) =>
  Effect.gen(function* () {
    const rng = rngOf(seed)
    const sim = FdbSimulator.make({ seed })
    const plain = yield* storeOn(sim.database, { pageSize: 3 })
    const history = Array.from({ length: Math.floor(rng() * 8) }, (_, i) => randomEvent(rng, i, 4, "e"))
    if (history.length > 0) yield* plain.append(history)
    const head = Option.getOrUndefined(yield* plain.head)
    const conditions: Array<AppendCondition.AppendCondition> = []
    for (let c = 0, n = 1 + Math.floor(rng() * 3); c < n; c++) {
      const query = Query.fromItems(Array.from({ length: 1 + Math.floor(rng() * 2) }, () => randomItem(rng, maxTags)))
      const last = (yield* Stream.runCollect(plain.read(query, { backwards: true, limit: 1 })))[0]?.position
      conditions.push(AppendCondition.make(query, rng() < 0.3 ? head : last))
    }
    const bEvents = Array.from({ length: 1 + Math.floor(rng() * 2) }, (_, i) => randomEvent(rng, 100 + i, 4, "e"))
    let interleaved = false
    const hooked: FdbDatabase.FdbDatabaseShape = {
      transact: (body, options) =>
        sim.database.transact((tn) =>
          Effect.tap(body(tn), () => {
            if (interleaved) return Effect.void
            interleaved = true
            return Effect.asVoid(Effect.orDie(plain.append(bEvents)))
          }), options)
    }
    const storeA = yield* storeOn(hooked, { pageSize: 3 })
    yield* sim.control.resetStats
    const exit = yield* Effect.exit(storeA.append([Event.make("A", ["t1"], "a")], { conditions }))
    const matched = conditions.findIndex((c) => bEvents.some((e) => Query.matches(c.failIfEventsMatch, e)))
    return { conditions, bEvents, matched, exit, conflicts: (yield* sim.control.stats).conflicts }
  })

const show = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v))

const failureOf = (exit: Exit.Exit<unknown, EventStore.AppendError>) => {
  const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  return reason?._tag === "Fail" ? reason.error : undefined
}

describe("EventStoreFdb, conditions", () => {
  it.effect("several conditions: a concurrent append conflicts iff one of its events matches one of them (items of up to 2 tags)", () =>
    Effect.gen(function* () {
      let matched = 0
      for (let seed = 1; seed <= 250; seed++) {
        const c = yield* interleavedCase(seed, 2)
        const where = `seed ${seed}: ${show(c.conditions)}, concurrent ${show(c.bEvents.map((e) => [e.type, e.tags]))}`
        if (c.matched >= 0) matched++
        assert.strictEqual(c.conflicts, c.matched >= 0 ? 1 : 0, `conflicts, ${where}`)
        const error = failureOf(c.exit)
        assert.strictEqual(Exit.isFailure(c.exit), c.matched >= 0, `failed, ${where}`)
        if (c.matched >= 0) {
          assert.strictEqual(error?._tag, "AppendConditionFailed", where)
          assert.strictEqual((error as EventStore.AppendConditionFailed).conditionIndex, c.matched, `index, ${where}`)
        }
      }
      expect(matched).toBeGreaterThan(40)
      expect(matched).toBeLessThan(210)
    }))

  it.effect("several conditions with items of 3+ tags: never a lost conflict, and the outcome is exact", () =>
    Effect.gen(function* () {
      let falseConflicts = 0
      for (let seed = 1; seed <= 200; seed++) {
        const c = yield* interleavedCase(1_000 + seed, 4)
        const where = `seed ${1_000 + seed}: ${show(c.conditions)}`
        if (c.matched >= 0) assert.strictEqual(c.conflicts, 1, `lost conflict, ${where}`)
        else if (c.conflicts > 0) falseConflicts++
        assert.strictEqual(Exit.isFailure(c.exit), c.matched >= 0, `failed, ${where}`)
      }
      expect(falseConflicts).toBeLessThan(100)
    }))

  it.effect("a 3-tag condition over a pair of 10,000 events: no point read, and it commits with the realistic cost profile", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 3, costs: "realistic" })
      const { counts, database, reset } = counting(sim.database)
      const store = yield* storeOn(database)
      for (let b = 0; b < 10; b++) {
        yield* store.append(Array.from({ length: 1_000 }, (_, i) => Event.make("Booked", ["a:1", "b:1", `n:${b * 1000 + i}`])))
      }
      yield* reset
      yield* sim.control.resetStats
      const query = Query.fromItems([{ tags: ["a:1", "b:1", "c:1"] }, { types: ["Booked"], tags: ["c:1", "b:1", "a:1"] }])
      const position = yield* store.append([Event.make("Booked", ["a:1", "c:1"])], { condition: AppendCondition.make(query) })
      expect(position).toBeGreaterThan(0n)
      // the marker only: no read of the log per candidate
      expect(counts.gets).toBe(1)
      const durations = yield* sim.control.durations
      expect(durations).toHaveLength(1)
      expect(durations[0]!).toBeLessThan(100) // virtual milliseconds, of the 5,000 a transaction may live
      // and the condition still fails on an event carrying all three
      const all = yield* store.append([Event.make("Booked", ["c:1", "a:1", "b:1"])])
      const error = yield* Effect.flip(store.append([Event.make("X", [])], { condition: AppendCondition.make(query) }))
      expect(error).toMatchObject({ _tag: "AppendConditionFailed", conflictingPosition: all, conditionIndex: 0 })
    }), 120_000)

  it.effect("when every pair is common and no event has all the tags, the join still commits (realistic costs)", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 4, costs: "realistic" })
      const { counts, database, reset } = counting(sim.database)
      const store = yield* storeOn(database)
      const pairs = [["a:1", "b:1"], ["a:1", "c:1"], ["b:1", "c:1"]]
      for (let b = 0; b < 6; b++) {
        yield* store.append(Array.from({ length: 1_000 }, (_, i) => Event.make("E", pairs[(b * 1000 + i) % 3]!)))
      }
      yield* reset
      yield* sim.control.resetStats
      yield* store.append([Event.make("E", ["d:1"])], { condition: AppendCondition.make(Query.item({ tags: ["a:1", "b:1", "c:1"] })) })
      expect(counts.gets).toBe(1)
      // the join reads the pair ranges (2,000 keys each) by pages, several at once
      expect(counts.rangeKeys).toBeLessThanOrEqual(6_000)
      expect(counts.maxInFlight).toBeGreaterThan(1)
      expect((yield* sim.control.durations)[0]!).toBeLessThan(200)
    }), 120_000)

  it.effect("past the bound: ConditionTooBroad, nothing written", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 5 })
      const store = yield* storeOn(sim.database, { conditionScanLimit: 500, pageSize: 100 })
      const pairs = [["a:1", "b:1"], ["a:1", "c:1"], ["b:1", "c:1"]]
      yield* store.append(Array.from({ length: 3_000 }, (_, i) => Event.make("E", pairs[i % 3]!)))
      const before = yield* sim.control.dump
      const error = yield* Effect.flip(store.append([Event.make("E", ["x:1"])], {
        conditions: [
          AppendCondition.make(Query.item({ tags: ["x:1"] })),
          AppendCondition.make(Query.item({ tags: ["a:1", "b:1", "c:1"] }))
        ]
      }))
      expect(error._tag).toBe("ConditionTooBroad")
      expect((error as EventStore.ConditionTooBroad).conditionIndex).toBe(1)
      expect(error.message).toContain("500")
      expect(yield* sim.control.dump).toEqual(before)
      // a real conflict wins over the bound
      const x = yield* store.append([Event.make("E", ["x:1"])])
      const failed = yield* Effect.flip(store.append([Event.make("E", ["x:2"])], {
        conditions: [
          AppendCondition.make(Query.item({ tags: ["a:1", "b:1", "c:1"] })),
          AppendCondition.make(Query.item({ tags: ["x:1"] }))
        ]
      }))
      expect(failed).toMatchObject({ _tag: "AppendConditionFailed", conditionIndex: 1, conflictingPosition: x })
    }))

  it.effect("the reads of several conditions are issued together, each after its own position", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 6 })
      const { counts, database, reset } = counting(sim.database)
      const store = yield* storeOn(database)
      const p1 = yield* store.append([Event.make("E", ["k:1"])])
      const p2 = yield* store.append([Event.make("E", ["k:2"])])
      yield* store.append([Event.make("E", ["k:1"])])
      yield* reset
      // k:1 read after the latest k:1 event, k:2 after p2: holds
      const head = Option.getOrThrow(yield* store.head)
      yield* store.append([Event.make("E", [])], {
        conditions: [
          AppendCondition.make(Query.item({ tags: ["k:1"] }), head),
          AppendCondition.make(Query.item({ tags: ["k:2"] }), p2),
          AppendCondition.make(Query.item({ types: ["Nope"] }))
        ]
      })
      expect(counts.maxInFlight).toBe(3)
      const error = yield* Effect.flip(store.append([Event.make("E", [])], {
        conditions: [AppendCondition.make(Query.item({ tags: ["k:2"] }), p2), AppendCondition.make(Query.item({ tags: ["k:1"] }), p1)]
      }))
      expect(error).toMatchObject({ _tag: "AppendConditionFailed", conditionIndex: 1, conflictingPosition: head, after: p1 })
    }))

  it("tag pairs cover every tag: all pairs up to four tags, a cover beyond", () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(2, "0")}`)
    const cover = (n: number) => {
      const pairs = tagPairsOf(tags(n))
      return { pairs: pairs.length, covered: new Set(pairs.flat()).size }
    }
    expect(cover(3)).toEqual({ pairs: 3, covered: 3 })
    expect(cover(4)).toEqual({ pairs: 6, covered: 4 })
    expect(cover(5)).toEqual({ pairs: 3, covered: 5 })
    expect(cover(16)).toEqual({ pairs: 8, covered: 16 })
  })
})

/**
 * The simulator charges what a cluster charges (docs/fdb-layout.md, "Cost
 * model"): virtual time per operation with 1007 on it, `onError` backoff,
 * the transaction size as FoundationDB's client counts it, the errors a
 * cluster raises at the edges (2004, 2005), read-only commits as no-ops, and
 * outcomes that stay unknown once an attempt ended in 1021.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import type * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"

const k = (...items: Array<Tuple.TupleItem>) => Tuple.pack(items)

const failureOf = <A>(exit: Exit.Exit<A, unknown>): FdbError.FdbError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const e = exit.cause.reasons.find((r) => r._tag === "Fail")
  return e !== undefined && e._tag === "Fail" && FdbError.isFdbError(e.error) ? e.error : undefined
}
const codeOf = <A>(exit: Exit.Exit<A, unknown>) => failureOf(exit)?.code

const once = { retryLimit: 0 }

/**
 * FoundationDB's count (NativeAPI `getSize()`: `expectedSize()` of the mutations and of the conflict
 * ranges; 28 bytes per `MutationRef`, 24 per `KeyRangeRef`), written out here so the test does not
 * trust the code under test.
 */
const fdbSize = {
  set: (key: number, value: number) => 28 + key + value + (24 + key + key + 1),
  versionstampedKey: (key: number, value: number) => 28 + key + 4 + value,
  range: (begin: number, end: number) => 24 + begin + end
}
const unknownOutcome = (error: FdbError.FdbError) => error.unknownResult === true || error.code === 1021

describe("the simulator charges like a cluster", () => {
  it.effect("keys at or above \\xff fail with 2004; a clearRange or conflict range whose end precedes its begin with 2005", () =>
    Effect.gen(function* () {
      const { database: db } = FdbSimulator.make()
      const system = Uint8Array.of(0xff, 0x01)
      const run = (body: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>) =>
        Effect.map(Effect.exit(db.transact(body, once)), codeOf)
      expect(yield* run((tn) => tn.set(system, Uint8Array.of(1)))).toBe(2004)
      expect(yield* run((tn) => tn.get(system))).toBe(2004)
      expect(yield* run((tn) => tn.clear(system))).toBe(2004)
      expect(yield* run((tn) => tn.getRange(k("a"), Uint8Array.of(0xff, 0xff)))).toBe(2004)
      expect(yield* run((tn) => tn.clearRange(k("a"), Uint8Array.of(0xff, 0x00)))).toBe(2004)
      expect(yield* run((tn) => tn.watch(system))).toBe(2004)
      // the whole normal keyspace is fine: a range may end at \xff itself
      expect(yield* run((tn) => tn.getRange(Uint8Array.of(), Uint8Array.of(0xff)))).toBeUndefined()
      expect(yield* run((tn) => tn.clearRange(k("b"), k("a")))).toBe(2005)
      expect(yield* run((tn) => tn.addReadConflictRange(k("b"), k("a")))).toBe(2005)
    }))

  it.effect("a read-only transaction commits as a no-op even when its read version is older than 5 s", () =>
    Effect.gen(function* () {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("a"), Uint8Array.of(1)))
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function* () {
          const value = yield* tn.get(k("a"))
          yield* TestClock.adjust("6 seconds")
          return value
        }), once))
      expect(Exit.isSuccess(exit)).toBe(true)
      // the same, writing, fails with 1007
      const writing = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function* () {
          yield* tn.get(k("a"))
          yield* TestClock.adjust("6 seconds")
          yield* tn.set(k("b"), Uint8Array.of(1))
        }), once))
      expect(codeOf(writing)).toBe(1007)
    }))

  it.effect("realistic costs: a transaction of sequential point reads ages on virtual time and fails with 1007", () =>
    Effect.gen(function* () {
      const { control, database: db } = FdbSimulator.make({ costs: "realistic" })
      yield* db.transact((tn) => Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) => tn.set(k("r", i), Uint8Array.of(1))))
      // 100 reads one after the other: 100 × 0.1–1 ms, well within 5 s
      yield* db.transact((tn) => Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) => tn.get(k("r", i))))
      // 20,000 reads one after the other: about 11 s of round trips, over the 5 s window
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.forEach(Array.from({ length: 20_000 }, (_, i) => i), (i) => tn.get(k("r", i % 100))), once))
      expect(codeOf(exit)).toBe(1007)
      // the same reads issued concurrently overlap: one round trip of time, not 20,000
      yield* control.resetStats
      yield* db.transact((tn) =>
        Effect.forEach(Array.from({ length: 20_000 }, (_, i) => i), (i) => tn.get(k("r", i % 100)), {
          concurrency: "unbounded"
        }), once)
      const durations = yield* control.durations
      expect(durations).toHaveLength(1)
      expect(durations[0]!).toBeLessThan(50)
    }))

  it.effect("realistic costs: onError backs off in virtual time, so 100 retries cost tens of seconds, not nothing", () =>
    Effect.gen(function* () {
      const { control, database: db } = FdbSimulator.make({ costs: "realistic", faults: { notCommitted: 1 } })
      const exit = yield* Effect.exit(db.transact((tn) => tn.set(k("a"), Uint8Array.of(1)), { retryLimit: 100 }))
      expect(codeOf(exit)).toBe(1020)
      const stats = yield* control.stats
      expect(stats.retries).toBe(100)
      // backoff bound 10, 20, … 640 ms, then 1 s: ~94 s of bounds, drawn uniformly below each
      expect(stats.virtualMillis).toBeGreaterThan(25_000)
      expect(stats.virtualMillis).toBeLessThan(94_300 + 100 * 5)
      // and a timeout counts that time: 2 s of retries end in 1031
      const timed = yield* Effect.exit(db.transact((tn) => tn.set(k("a"), Uint8Array.of(1)), { timeoutMillis: 2_000 }))
      expect(codeOf(timed)).toBe(1031)
    }))

  it.effect("the 10,000,000-byte limit counts mutations and conflict ranges with FoundationDB's overheads", () =>
    Effect.gen(function* () {
      const { control, database: db } = FdbSimulator.make()
      // a set of a 10-byte key and a v-byte value: 28 + 10 + v for the mutation, 24 + 10 + 11 for its write conflict range
      const key = (i: number) => Uint8Array.from(`key-${String(i).padStart(6, "0")}`, (c) => c.charCodeAt(0))
      const fill = (extra: number) => (tn: FdbDatabase.Transaction) =>
        Effect.gen(function* () {
          let size = 0
          let i = 0
          while (size + fdbSize.set(10, 99_000) <= 10_000_000) {
            yield* tn.set(key(i++), new Uint8Array(99_000))
            size += fdbSize.set(10, 99_000)
          }
          // the last value brings the count to exactly 10,000,000 (plus `extra`)
          const last = 10_000_000 - size - fdbSize.set(10, 0) + extra
          yield* tn.set(key(i), new Uint8Array(last))
        })
      expect(Exit.isSuccess(yield* Effect.exit(db.transact(fill(0), once)))).toBe(true)
      const over = yield* Effect.exit(db.transact(fill(1), once))
      expect(codeOf(over)).toBe(2101)
      // repeated sets of one key count once (the last), as the read-your-writes layer sends them
      yield* db.transact((tn) =>
        Effect.gen(function* () {
          for (let i = 0; i < 200; i++) yield* tn.set(key(0), new Uint8Array(99_000))
        }), once)
      expect((yield* control.stats).commits).toBe(2)
    }))

  it.effect("versionstamped keys count their 4-byte offset and no client conflict range; read conflict ranges count", () =>
    Effect.gen(function* () {
      const { database: db } = FdbSimulator.make()
      const stamped = (i: number) => Uint8Array.from([1, ...new Array(10).fill(0), (i >> 8) & 0xff, i & 0xff])
      const perKey = fdbSize.versionstampedKey(13, 99_000)
      // 100 stamped keys, one set and one read conflict range of 24 + 13 + 13 bytes: exactly 10,000,000
      const rest = 10_000_000 - 100 * perKey
      const body = (extra: number) => (tn: FdbDatabase.Transaction) =>
        Effect.gen(function* () {
          yield* tn.addReadConflictRange(new Uint8Array(13).fill(2), new Uint8Array(13 + extra).fill(3))
          for (let i = 0; i < 100; i++) yield* tn.setVersionstampedKey(stamped(i), 1, new Uint8Array(99_000))
          yield* tn.set(k("x"), new Uint8Array(rest - fdbSize.range(13, 13) - fdbSize.set(k("x").length, 0)))
        })
      expect(Exit.isSuccess(yield* Effect.exit(db.transact(body(0), once)))).toBe(true)
      expect(codeOf(yield* Effect.exit(db.transact(body(1), once)))).toBe(2101)
    }))

  it.effect("once an attempt ended in commit_unknown_result, the loop's final error carries unknownResult (1,000 seeds)", () =>
    Effect.gen(function* () {
      let definite = 0
      let unknown = 0
      for (let seed = 1; seed <= 1_000; seed++) {
        const { control, database: db } = FdbSimulator.make({
          seed,
          faults: { commitUnknownResult: 0.4, notCommitted: 0.5 }
        })
        const exit = yield* Effect.exit(db.transact((tn) => tn.set(k("only"), Uint8Array.of(1)), { retryLimit: 2 }))
        yield* control.settle
        const stored = (yield* control.dump).length > 0
        const error = failureOf(exit)
        if (error === undefined) continue
        if (unknownOutcome(error)) {
          unknown++
          continue
        }
        definite++
        // a failure that does not say "unknown" wrote nothing
        expect(stored, `seed ${seed}: ${error.message}`).toBe(false)
      }
      expect(definite).toBeGreaterThan(50)
      expect(unknown).toBeGreaterThan(50)
    }))

  it.effect("a timeout that lands while the commit is in flight is an unknown outcome (applied or not)", () =>
    Effect.gen(function* () {
      let applied = 0
      let dropped = 0
      for (let seed = 1; seed <= 40; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, costs: "realistic" })
        // a blind write: get-read-version (0.3–1 ms) and a commit (1.5–2.5 ms) never fit in 1 ms
        const exit = yield* Effect.exit(db.transact((tn) => tn.set(k("a"), Uint8Array.of(1)), { timeoutMillis: 1 }))
        const error = failureOf(exit)
        expect(error?.code).toBe(1031)
        expect(error !== undefined && unknownOutcome(error)).toBe(true)
        if ((yield* control.dump).length > 0) applied++
        else dropped++
      }
      expect(applied).toBeGreaterThan(0)
      expect(dropped).toBeGreaterThan(0)
    }))

  it.effect("a range read capped by maxBytes stops after the pair reaching it and conflicts only up to it", () =>
    Effect.gen(function* () {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) =>
        Effect.forEach(["a", "b", "c", "d"], (key) => tn.set(k(key), new Uint8Array(100)), { discard: true }))
      let first = true
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function* () {
          const rows = yield* tn.getRange(k("a"), k("z"), { maxBytes: 150 })
          expect(rows.map((r) => Tuple.unpack(r.key)[0])).toEqual(["a", "b"])
          if (first) {
            first = false
            yield* db.transact((other) => other.set(k("c"), Uint8Array.of(1))) // past the last key returned
          }
          yield* tn.set(k("x"), Uint8Array.of(1))
        }), once))
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it.effect("an interruption while the commit is in flight leaves it in flight: it may still be applied", () =>
    Effect.gen(function* () {
      let inFlight = 0
      let landed = 0
      for (let seed = 1; seed <= 30; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, faults: { delay: 1, maxDelayYields: 40 } })
        const fiber = yield* Effect.forkChild(db.transact((tn) => tn.set(k("a"), Uint8Array.of(1))), { startImmediately: true })
        for (let i = 0; i < 3; i++) yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
        const before = yield* control.stats
        yield* control.settle
        const after = yield* control.stats
        inFlight += before.unknownResultDeferred
        landed += after.unknownResultCommitted
      }
      // the interrupted commits were in flight, and they landed (a blind write cannot conflict)
      expect(inFlight).toBeGreaterThan(0)
      expect(landed).toBe(inFlight)
    }))
})


/**
 * What the simulator charges, exactly: with a cost profile of fixed latencies
 * (no jitter) the virtual duration of a transaction is a sum we can write out
 * by hand — get-read-version once, one round trip per read (per reply of a
 * range read), per key and per byte returned, the commit and its size as
 * FoundationDB counts it. With jitter: draws inside their bounds, replayed by
 * a seed. And the clocks built on that time: 1007 after 5 s of age, the
 * `timeoutMillis` option (1031) across retries.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import type * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
const once = { retryLimit: 0 }

const codeOf = <A>(exit: Exit.Exit<A, unknown>): number | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const e = exit.cause.reasons.find((r) => r._tag === "Fail")
  return e !== undefined && e._tag === "Fail" && FdbError.isFdbError(e.error) ? e.error.code : undefined
}

/** A profile of fixed latencies: every cost is exact. */
const fixed = (overrides: Partial<FdbSimulator.CostProfile> = {}): FdbSimulator.CostProfile => ({
  name: "fixed",
  getReadVersion: [3, 3],
  read: [2, 2],
  perKey: 0.5,
  perByte: 0.25,
  replyBytes: 100,
  commit: [7, 7],
  commitPerByte: 0,
  backoff: { initial: 0, max: 0, growth: 1 },
  ...overrides
})

/** The virtual duration of each transaction `body` runs, on a fresh simulator. */
const durationsOf = (
  costs: FdbSimulator.CostProfile,
  setup: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>,
  ...bodies: Array<(tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>>
) =>
  Effect.gen(function*() {
    const { control, database: db } = FdbSimulator.make({ costs })
    yield* db.transact(setup)
    yield* control.resetStats
    for (const body of bodies) yield* db.transact(body, once)
    return yield* control.durations
  })

// FoundationDB's sizes (NativeAPI `expectedSize()`: 28 bytes per mutation, 24 per conflict range), written out
const size = {
  set: (key: number, value: number) => 28 + key + value + 24 + key + (key + 1),
  range: (begin: number, end: number) => 24 + begin + end
}

describe("FdbSimulator costs", () => {
  it("a profile option names its costs", () => {
    expect(FdbSimulator.costProfile("realistic")).toBe(FdbSimulator.realisticCosts)
    expect(FdbSimulator.costProfile("free")).toBe(FdbSimulator.freeCosts)
    expect(FdbSimulator.costProfile(undefined)).toBe(FdbSimulator.freeCosts)
    const own = fixed()
    expect(FdbSimulator.costProfile(own)).toBe(own)
    expect(FdbSimulator.make({ costs: "realistic" }).control.costs).toBe(FdbSimulator.realisticCosts)
    expect(FdbSimulator.make().control.costs).toBe(FdbSimulator.freeCosts)
    expect(FdbSimulator.make({ costs: own }).control.costs).toBe(own)
  })

  it.effect("point reads: get-read-version once, then a round trip and the bytes returned, one after the other", () =>
    Effect.gen(function*() {
      const durations = yield* durationsOf(
        fixed({ perKey: 100 }),
        (tn) => tn.set(bytes("kk"), bytes("vvvv")),
        // a hit: 3 + 2 + (2 + 4) bytes × 0.25 (a point read pays no per-key cost)
        (tn) => tn.get(bytes("kk")),
        // a miss pays for its key only
        (tn) => tn.get(bytes("zzz")),
        // two reads one after the other add up; the read version is taken once
        (tn) => Effect.andThen(tn.get(bytes("kk")), tn.get(bytes("kk"))),
        // issued together they overlap: the longer one counts
        (tn) => Effect.all([tn.get(bytes("kk")), tn.get(bytes("zzz")), tn.get(bytes("kk"), { snapshot: true })], {
          concurrency: "unbounded"
        }),
        (tn) => Effect.all([tn.get(bytes("kk")), tn.get(bytes("zzz"))], { concurrency: "unbounded" })
      )
      expect(durations).toEqual([3 + 2 + 1.5, 3 + 2 + 0.75, 3 + 2 + 1.5 + 2 + 1.5, 3 + 2 + 1.5, 3 + 2 + 1.5])
    }))

  it.effect("range reads: a round trip per reply of replyBytes, plus per key and per byte", () =>
    Effect.gen(function*() {
      // 10 pairs of 4 + 6 = 10 bytes: 100 bytes in all, exactly one reply
      const key = (i: number) => bytes(`k${String(i).padStart(3, "0")}`)
      const durations = yield* durationsOf(
        fixed(),
        (tn) => Effect.forEach(Array.from({ length: 11 }, (_, i) => i), (i) => tn.set(key(i), bytes("vvvvvv"))),
        (tn) => tn.getRange(key(0), key(10)),
        // 110 bytes: two replies
        (tn) => tn.getRange(key(0), key(11)),
        // nothing: still one round trip
        (tn) => tn.getRange(bytes("x"), bytes("y")),
        // one pair, reversed
        (tn) => tn.getRange(key(0), key(11), { limit: 1, reverse: true })
      )
      expect(durations).toEqual([
        3 + 2 + 10 * 0.5 + 100 * 0.25,
        3 + 2 * 2 + 11 * 0.5 + 110 * 0.25,
        3 + 2,
        3 + 2 + 0.5 + 10 * 0.25
      ])
    }))

  it.effect("a commit charges its latency and its size as FoundationDB counts it; a blind write gets a read version first", () =>
    Effect.gen(function*() {
      const durations = yield* durationsOf(
        fixed({ commitPerByte: 1 }),
        (tn) => tn.set(bytes("a"), bytes("1")),
        // blind: get-read-version at commit, then the commit of one set
        (tn) => tn.set(bytes("kk"), bytes("vvv")),
        // after a read: no second read version; the read's conflict range counts
        (tn) => Effect.andThen(tn.get(bytes("a")), tn.set(bytes("kk"), bytes("vvv"))),
        // read-only: the client sends nothing
        (tn) => tn.get(bytes("a"))
      )
      expect(durations).toEqual([
        3 + 7 + size.set(2, 3),
        3 + 2 + 2 * 0.25 + 7 + size.set(2, 3) + size.range(1, 2),
        3 + 2 + 2 * 0.25
      ])
    }))

  it.effect("jitter: every draw lies within its bounds, spread over them, and a seed replays it", () =>
    Effect.gen(function*() {
      const jittery = fixed({ getReadVersion: [0, 0], read: [10, 20], perByte: 0, perKey: 0 })
      const run = (seed: number) =>
        Effect.gen(function*() {
          const { control, database: db } = FdbSimulator.make({ costs: jittery, seed })
          for (let i = 0; i < 400; i++) yield* db.transact((tn) => tn.get(bytes("k")))
          return yield* control.durations
        })
      const first = yield* run(1)
      expect(first).toHaveLength(400)
      for (const d of first) {
        expect(d).toBeGreaterThanOrEqual(10)
        expect(d).toBeLessThan(20)
      }
      // roughly uniform: each tenth of the range gets a fair share, the mean is near the middle
      const buckets = new Array(10).fill(0)
      for (const d of first) buckets[Math.floor(d - 10)]++
      for (const b of buckets) expect(b).toBeGreaterThan(20)
      const mean = first.reduce((a, b) => a + b, 0) / first.length
      expect(Math.abs(mean - 15)).toBeLessThan(0.5)
      // the same seed replays the same draws; other seeds draw others
      expect(yield* run(1)).toEqual(first)
      const seeds = [2, 3, 4, 5, 6, 7, 8, 9]
      const others = yield* Effect.forEach(seeds, (seed) => Effect.map(run(seed), (d) => d[0]))
      expect(new Set([first[0], ...others]).size).toBe(seeds.length + 1)
    }))

  it.effect("a latency whose bounds are equal or given backwards charges its first bound", () =>
    Effect.gen(function*() {
      const durations = yield* durationsOf(
        fixed({ getReadVersion: [4, 1], read: [5, 5], perByte: 0 }),
        (tn) => tn.set(bytes("k"), bytes("v")),
        (tn) => tn.get(bytes("k")),
        (tn) => tn.get(bytes("k"))
      )
      expect(durations).toEqual([9, 9])
    }))

  it.effect("the seed is 1 unless given, and the same seed draws the same faults", () =>
    Effect.gen(function*() {
      const run = (seed: number | undefined) =>
        Effect.gen(function*() {
          const { control, database: db } = FdbSimulator.make(seed === undefined ? {} : { seed })
          yield* control.setFaults({ notCommitted: 0.5 })
          const outcomes: Array<number | undefined> = []
          for (let i = 0; i < 30; i++) {
            outcomes.push(codeOf(yield* Effect.exit(db.transact((tn) => tn.set(bytes("k"), bytes("v")), once))))
          }
          return { seed: control.seed, outcomes }
        })
      const byDefault = yield* run(undefined)
      expect(byDefault).toEqual(yield* run(1))
      expect(byDefault.seed).toBe(1)
      expect((yield* run(2)).outcomes).not.toEqual(byDefault.outcomes)
    }))

  it.effect("costs draw from a generator of their own: turning them on does not change which faults a seed injects", () =>
    Effect.gen(function*() {
      const run = (costs: "free" | "realistic") =>
        Effect.gen(function*() {
          const { control, database: db } = FdbSimulator.make({ costs, seed: 5, faults: { notCommitted: 0.5 } })
          const outcomes: Array<number | undefined> = []
          for (let i = 0; i < 40; i++) {
            outcomes.push(codeOf(yield* Effect.exit(db.transact((tn) => tn.set(bytes("k"), bytes("v")), once))))
          }
          return { outcomes, injected: (yield* control.stats).injectedNotCommitted }
        })
      const free = yield* run("free")
      expect(free.injected).toBeGreaterThan(5)
      expect(free.injected).toBeLessThan(35)
      expect(yield* run("realistic")).toEqual(free)
    }))
})

describe("FdbSimulator clocks: age (1007) and timeout (1031)", () => {
  it.effect("a read version may be 5 s old, not a millisecond more, on the Clock", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(bytes("a"), bytes("1")))
      const aged = (millis: number) =>
        Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.get(bytes("a"))
            yield* TestClock.adjust(millis)
            return yield* tn.get(bytes("a"))
          }), once))
      expect(Exit.isSuccess(yield* aged(5_000))).toBe(true)
      expect(codeOf(yield* aged(5_001))).toBe(1007)
    }))

  it.effect("age counts virtual time from the read version on, a read that ends past 5 s included", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      // get-read-version 500 ms (not part of the age), reads of 1 s each
      const { database: db } = FdbSimulator.make({
        costs: fixed({ getReadVersion: [500, 500], read: [1_000, 1_000], perByte: 0 })
      })
      yield* db.transact((tn) => tn.set(bytes("a"), bytes("1")))
      const reads: Array<number> = []
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          for (let i = 1; i <= 10; i++) {
            yield* tn.get(bytes("a"))
            reads.push(i)
          }
        }), once))
      expect(codeOf(exit)).toBe(1007)
      // the fifth read ends 5 s after the read version: still fine; the sixth ends at 6 s
      expect(reads).toEqual([1, 2, 3, 4, 5])
    }))

  it.effect("age adds the Clock's time to virtual time", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const { database: db } = FdbSimulator.make({ costs: fixed({ getReadVersion: [0, 0], read: [1_000, 1_000], perByte: 0 }) })
      yield* db.transact((tn) => tn.set(bytes("a"), bytes("1")))
      const run = (millis: number) =>
        Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.get(bytes("a")) // ends at 1 s
            yield* TestClock.adjust(millis)
            yield* tn.get(bytes("a")) // ends at 2 s + millis
          }), once))
      expect(Exit.isSuccess(yield* run(3_000))).toBe(true)
      expect(codeOf(yield* run(3_001))).toBe(1007)
    }))

  it.effect("timeoutMillis: elapsed time above it fails with 1031; 0 means no timeout", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const { database: db } = FdbSimulator.make()
      const run = (timeoutMillis: number, millis: number) =>
        Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* TestClock.adjust(millis)
            return yield* tn.get(bytes("a"))
          }), { timeoutMillis, retryLimit: 0 }))
      expect(Exit.isSuccess(yield* run(1_000, 1_000))).toBe(true)
      expect(codeOf(yield* run(1_000, 1_001))).toBe(1031)
      expect(Exit.isSuccess(yield* run(0, 4_000))).toBe(true)
    }))

  it.effect("timeoutMillis counts virtual time and the attempts before the current one", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({
        costs: fixed({ getReadVersion: [0, 0], read: [300, 300], perByte: 0 }),
        faults: { notCommitted: 1 }
      })
      // each attempt: one read of 300 ms, then a commit of 7 ms that fails (injected)
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.andThen(tn.get(bytes("a")), tn.set(bytes("a"), bytes("1")))
      , { timeoutMillis: 1_000, retryLimit: 10 }))
      expect(codeOf(exit)).toBe(1031)
      // attempts end at 307, 614, 921 ms; the fourth read ends at 1,221 ms and its commit is refused
      expect((yield* control.stats).injectedNotCommitted).toBe(3)
    }))

  it.effect("a read still in flight when the timeout elapses fails with 1031, as the cluster cancels it", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make({ costs: fixed({ getReadVersion: [0, 0], read: [600, 600], perByte: 0 }) })
      const seen: Array<number | undefined> = []
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          seen.push(codeOf(yield* Effect.exit(tn.get(bytes("a"))))) // ends at 600 ms
          seen.push(codeOf(yield* Effect.exit(tn.get(bytes("a"))))) // issued at 600 ms, would end at 1,200 ms
        }), { timeoutMillis: 1_000, retryLimit: 0 }))
      expect(seen).toEqual([undefined, 1031])
      expect(codeOf(exit)).toBe(1031)
    }))

  it.effect("a finished transaction cannot read any more (1025)", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      let leaked: FdbDatabase.Transaction | undefined
      yield* db.transact((tn) => Effect.sync(() => {
        leaked = tn
      }))
      const exit = yield* Effect.exit(leaked!.get(bytes("a")))
      expect(codeOf(exit)).toBe(1025)
      expect(String(Exit.isFailure(exit) ? exit.cause.reasons.map((r) => r._tag === "Fail" ? (r.error as FdbError.FdbError).reason : "") : "")).toMatch(/finished/)
      expect(codeOf(yield* Effect.exit(leaked!.getRange(bytes("a"), bytes("b"))))).toBe(1025)
    }))
})

/**
 * The simulator's injected faults and its retry loop, from fixed seeds:
 * `commit_unknown_result` (1021) applied, not applied or still in flight (and
 * landing, or dropped on conflict, before the next commit), interruptions of
 * a commit in flight, which errors the loop retries and how long it backs off
 * in virtual time, the unknown outcome its final error carries, and the
 * control surface (`stats`, `resetStats`, `setFaults`, `settle`, `durations`,
 * the `Meter`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import type * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import { codeOf, costs, failureOf, k, once, s, waiting } from "./FdbSimulatorKit.ts"

const keysOf = (control: FdbSimulator.FdbSimulatorShape) => Effect.map(control.dump, (rows) => rows.map((r) => s(r.key)))

describe("commit_unknown_result (1021)", () => {
  it.effect("applied, not applied or in flight with even odds; the error always says the outcome is unknown", () =>
    Effect.gen(function*() {
      const fates = { applied: 0, inFlight: 0, notApplied: 0 }
      for (let seed = 1; seed <= 240; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, faults: { commitUnknownResult: 1 } })
        let stamp: Effect.Effect<Uint8Array, FdbError.FdbError> | undefined
        const exit = yield* Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.set(k("a"), k("1"))
            stamp = yield* tn.getVersionstamp
          }), once))
        const error = failureOf(exit)
        expect(codeOf(exit)).toBe(1021)
        expect(error?.unknownResult).toBe(true)
        const stats = yield* control.stats
        expect(stats.unknownResultCommitted + stats.unknownResultDeferred + stats.unknownResultNotCommitted).toBe(1)
        if (stats.unknownResultCommitted === 1) {
          fates.applied++
          expect(yield* keysOf(control)).toEqual(["a"])
          expect(s(yield* stamp!)).toBe("\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00")
        } else if (stats.unknownResultDeferred === 1) {
          fates.inFlight++
          expect(yield* keysOf(control)).toEqual([])
          expect(yield* waiting(stamp!)).toBe(true)
          yield* control.settle
          expect(yield* keysOf(control)).toEqual(["a"])
          expect((yield* control.stats).unknownResultCommitted).toBe(1)
          expect(s(yield* stamp!)).toBe("\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00")
        } else {
          fates.notApplied++
          yield* control.settle
          expect(yield* keysOf(control)).toEqual([])
          expect(yield* control.version).toBe(0)
          expect(codeOf(yield* Effect.exit(stamp!))).toBe(1021)
        }
      }
      for (const n of Object.values(fates)) {
        expect(n).toBeGreaterThan(50)
        expect(n).toBeLessThan(110)
      }
    }))

  it.effect("a commit in flight lands before the next commit of any transaction, with the earlier version", () =>
    Effect.gen(function*() {
      for (let seed = 1; seed <= 40; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, faults: { commitUnknownResult: 1 } })
        let stamp: Effect.Effect<Uint8Array, FdbError.FdbError> | undefined
        yield* Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.set(k("a"), k("1"))
            stamp = yield* tn.getVersionstamp
          }), once))
        if ((yield* control.stats).unknownResultDeferred === 0) continue
        yield* control.setFaults(false)
        const next = yield* db.transact((tn) => Effect.andThen(tn.set(k("b"), k("1")), tn.getVersionstamp))
        expect(yield* keysOf(control)).toEqual(["a", "b"])
        expect(s(yield* stamp!)?.charCodeAt(7)).toBe(1)
        expect(s(yield* next)?.charCodeAt(7)).toBe(2)
        return
      }
      expect.fail("no seed left a commit in flight")
    }))

  it.effect("the loop's final error carries unknownResult once an attempt ended in 1021, whatever the last error", () =>
    Effect.gen(function*() {
      let done = false
      for (let seed = 1; seed <= 40 && !done; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, faults: { commitUnknownResult: 1 } })
        let attempts = 0
        const exit = yield* Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            attempts++
            // the second attempt meets an injected not_committed
            if (attempts === 2) yield* control.setFaults({ notCommitted: 1 })
            yield* tn.set(k("a"), k("1"))
          }), { retryLimit: 1 }))
        const stats = yield* control.stats
        if (stats.unknownResultNotCommitted + stats.unknownResultDeferred === 0) continue
        done = true
        const error = failureOf(exit)
        expect(error?.code).toBe(1020)
        expect(error?.unknownResult).toBe(true)
        expect([stats.retries, stats.injectedNotCommitted, stats.transactions]).toEqual([1, 1, 1])
      }
      expect(done).toBe(true)
      // without an unknown outcome the error is plain
      const { database: db } = FdbSimulator.make({ faults: { notCommitted: 1 } })
      const plain = failureOf(yield* Effect.exit(db.transact((tn) => tn.set(k("a"), k("1")), { retryLimit: 2 })))
      expect(plain?.code).toBe(1020)
      expect(plain?.unknownResult).toBeUndefined()
    }))
})

describe("a commit interrupted in flight", () => {
  /**
   * Runs `body` in a fiber and interrupts it once its commit was sent (the commit is delayed by many scheduler
   * yields, so the interruption lands while it is in flight).
   */
  const interruptedInCommit = (
    db: FdbDatabase.FdbDatabaseShape,
    control: FdbSimulator.FdbSimulatorShape,
    body: (tn: FdbDatabase.Transaction) => Effect.Effect<void, FdbError.FdbError>
  ) =>
    Effect.gen(function*() {
      const sent = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(
        db.transact((tn) =>
          body(tn).pipe(
            Effect.andThen(control.setFaults({ delay: 1, maxDelayYields: 1 })),
            Effect.andThen(Deferred.succeed(sent, undefined))
          )
        ),
        { startImmediately: true }
      )
      yield* Deferred.await(sent)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(fiber)
      yield* control.setFaults(false)
    })

  it.effect("lands at the next commit, or is dropped if a commit since its read version conflicts with it", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      let landing: FdbDatabase.Watch | undefined
      let tnInFlight: FdbDatabase.Transaction | undefined
      yield* interruptedInCommit(db, control, (tn) =>
        Effect.gen(function*() {
          tnInFlight = tn
          landing = yield* tn.watch(k("w"))
          yield* tn.set(k("a"), k("1"))
        }))
      expect((yield* control.stats).unknownResultDeferred).toBe(1)
      expect(yield* keysOf(control)).toEqual([])
      // the interrupted transaction is finished for its caller
      expect(codeOf(yield* Effect.exit(tnInFlight!.get(k("a"))))).toBe(1025)
      yield* db.transact((tn) => tn.set(k("b"), k("1")))
      expect(yield* keysOf(control)).toEqual(["a", "b"])
      expect((yield* control.stats).unknownResultCommitted).toBe(1)
      // landed: its watch is set, and fires on the next change
      expect(yield* waiting(landing!.changed)).toBe(true)
      yield* db.transact((tn) => tn.set(k("w"), k("1")))
      yield* landing!.changed
      // it read k, and k changed meanwhile: dropped when it lands; its versionstamp and watches fail
      let stamp: Effect.Effect<Uint8Array, FdbError.FdbError> | undefined
      let watch: FdbDatabase.Watch | undefined
      yield* interruptedInCommit(db, control, (tn) =>
        Effect.gen(function*() {
          yield* tn.get(k("k"))
          yield* db.transact((o) => o.set(k("k"), k("1")))
          yield* tn.set(k("c"), k("1"))
          watch = yield* tn.watch(k("w"))
          stamp = yield* tn.getVersionstamp
        }))
      yield* control.settle
      expect(yield* keysOf(control)).toEqual(["a", "b", "k", "w"])
      expect((yield* control.stats).unknownResultNotCommitted).toBe(1)
      expect(codeOf(yield* Effect.exit(stamp!))).toBe(1021)
      expect(codeOf(yield* Effect.exit(watch!.changed))).toBe(1021)
    }))

  it.effect("a commit of exactly 10,000,000 bytes is sent, so it lands; one byte more is never sent", () =>
    Effect.gen(function*() {
      for (const extra of [0, 1]) {
        const { control, database: db } = FdbSimulator.make()
        // 99 sets of 1-byte keys and 100,000-byte values (100,056 bytes each, write range included), and one of 94,456
        yield* interruptedInCommit(db, control, (tn) =>
          Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) =>
            tn.set(Uint8Array.of(i + 1), new Uint8Array(i === 99 ? 94_400 + extra : 100_000)), { discard: true }))
        yield* control.settle
        expect((yield* control.dump).length).toBe(extra === 0 ? 100 : 0)
      }
    }))

  it.effect("an interruption before the commit was sent writes nothing; its watches fail with 1025", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const reached = yield* Deferred.make<FdbDatabase.Watch>()
      const fiber = yield* Effect.forkChild(
        db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.set(k("a"), k("1"))
            yield* Deferred.succeed(reached, yield* tn.watch(k("w")))
            yield* Effect.never
          })),
        { startImmediately: true }
      )
      const watch = yield* Deferred.await(reached)
      yield* Fiber.interrupt(fiber)
      yield* control.settle
      yield* db.transact((tn) => tn.set(k("b"), k("1")))
      expect(yield* keysOf(control)).toEqual(["b"])
      expect((yield* control.stats).unknownResultDeferred).toBe(0)
      expect(codeOf(yield* Effect.exit(watch.changed))).toBe(1025)
    }))
})

describe("the retry loop", () => {
  it.effect("retries retryable errors only: not a non-retryable FdbError, not an error of the body", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.set(k("\xff"), k("1")))))).toBe(2004)
      const boom = yield* Effect.exit(db.transact((tn) => Effect.andThen(tn.set(k("a"), k("1")), Effect.fail("boom" as const))))
      expect(Exit.isFailure(boom) && boom.cause.reasons.some((r) => r._tag === "Fail" && r.error === "boom")).toBe(true)
      const stats = yield* control.stats
      expect([stats.retries, stats.transactions, stats.commits]).toEqual([0, 2, 0])
      expect(yield* control.dump).toEqual([])
    }))

  it.effect("a body that failed abandons its attempt: its watches fail with 1025", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      let watch: FdbDatabase.Watch | undefined
      yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          watch = yield* tn.watch(k("w"))
          return yield* Effect.fail("boom")
        })))
      expect(codeOf(yield* Effect.exit(watch!.changed))).toBe(1025)
    }))

  it.effect("backoff: a random share of a bound that starts at `initial` and grows by `growth` up to `max`", () =>
    Effect.gen(function*() {
      for (let seed = 1; seed <= 10; seed++) {
        const { control, database: db } = FdbSimulator.make({
          seed,
          faults: { notCommitted: 1 },
          costs: costs({ backoff: { initial: 100, max: 400, growth: 2 } })
        })
        yield* Effect.exit(db.transact((tn) => tn.set(k("a"), k("1")), { retryLimit: 1 }))
        yield* Effect.exit(db.transact((tn) => tn.set(k("a"), k("1")), { retryLimit: 20 }))
        const [one, twenty] = yield* control.durations
        expect(one).toBeGreaterThan(0)
        expect(one).toBeLessThanOrEqual(100)
        // at most 100 + 200 + 18 * 400
        expect(twenty).toBeGreaterThan(1_500)
        expect(twenty).toBeLessThanOrEqual(7_500)
        expect((yield* control.stats).retries).toBe(21)
      }
      // no backoff in the free profile
      const free = FdbSimulator.make({ faults: { notCommitted: 1 } })
      yield* Effect.exit(free.database.transact((tn) => tn.set(k("a"), k("1")), { retryLimit: 5 }))
      expect(yield* free.control.durations).toEqual([0])
    }))

  it.effect("after transaction_too_old the loop waits 10 ms (at most the maximum backoff), not a random backoff", () =>
    Effect.gen(function*() {
      for (const [max, expected] of [[1_000, 10], [4, 4]] as const) {
        const { control, database: db } = FdbSimulator.make({
          costs: costs({ backoff: { initial: 1_000, max, growth: 1 } })
        })
        let first = true
        yield* db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.get(k("a"))
            if (first) {
              first = false
              yield* TestClock.adjust(6_000)
            }
            yield* tn.set(k("a"), k("1"))
          }))
        expect(yield* control.durations).toEqual([expected])
        expect((yield* control.stats).retries).toBe(1)
      }
    }))

  it.effect("the body's own retryable errors are retried alike: future_version (1009) waits 10 ms, 1020 backs off", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({
        costs: costs({ backoff: { initial: 1_000, max: 1_000, growth: 1 } })
      })
      for (const code of [1009, 1020]) {
        let attempts = 0
        yield* db.transact(() => (++attempts === 1 ? Effect.fail(FdbError.make(code)) : Effect.void))
        expect(attempts).toBe(2)
      }
      const [future, notCommitted] = yield* control.durations
      expect(future).toBe(10)
      expect(notCommitted).not.toBe(10)
      expect(notCommitted).toBeLessThan(1_000)
    }))

  it.effect("a transaction's virtual time adds up its attempts; the Meter and the stats see the same", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({
        faults: { notCommitted: 1 },
        costs: costs({ getReadVersion: [5, 5], commit: [2, 2] })
      })
      let metered = 0
      const meter = { add: (millis: number) => (metered += millis) }
      yield* Effect.exit(db.transact((tn) => tn.set(k("a"), k("1")), { retryLimit: 2 })).pipe(
        Effect.provideService(FdbSimulator.Meter, meter)
      )
      expect(yield* control.durations).toEqual([21])
      expect(metered).toBe(21)
      yield* control.setFaults(false)
      yield* db.transact((tn) => tn.get(k("a")))
      const stats = yield* control.stats
      expect(stats.virtualMillis).toBe(26)
      expect(stats.transactions).toBe(2)
      expect(metered).toBe(21)
    }))
})

describe("the control surface", () => {
  it.effect("stats are a copy; resetStats zeroes them and the durations", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({ costs: costs({ commit: [1, 1] }) })
      yield* db.transact((tn) => tn.set(k("a"), k("1")))
      const before = yield* control.stats
      yield* db.transact((tn) => tn.set(k("b"), k("1")))
      expect(before.commits).toBe(1)
      expect((yield* control.stats).commits).toBe(2)
      expect(yield* control.durations).toEqual([1, 1])
      yield* control.resetStats
      expect(yield* control.durations).toEqual([])
      const zero = yield* control.stats
      expect(Object.values(zero).every((n) => n === 0)).toBe(true)
      expect(yield* control.version).toBe(2)
    }))

  it.effect("setFaults(true) turns on the default mix, setFaults(false) turns every fault off", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({ seed: 5 })
      const run = Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) => Effect.exit(db.transact((tn) => Effect.andThen(tn.get(k("r")), tn.set(k(`k${i}`), k("1"))), once)),
        { discard: true }
      )
      yield* control.setFaults(true)
      yield* run
      yield* control.settle
      const on = yield* control.stats
      expect(on.injectedNotCommitted).toBeGreaterThan(0)
      expect(on.unknownResultCommitted + on.unknownResultNotCommitted).toBeGreaterThan(0)
      expect(on.delays).toBeGreaterThan(20)
      yield* control.setFaults(false)
      yield* control.resetStats
      yield* run
      const off = yield* control.stats
      expect([off.injectedNotCommitted, off.unknownResultDeferred, off.delays, off.commits]).toEqual([0, 0, 0, 200])
    }))

  it.effect("dump lists every live key in order, from the empty key to the top of the normal keyspace", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      yield* db.transact((tn) =>
        Effect.all([tn.set(k(""), k("0")), tn.set(k("\xfe\xff"), k("2")), tn.set(k("B"), k("1")), tn.set(k("gone"), k("x"))]))
      yield* db.transact((tn) => tn.clear(k("gone")))
      expect((yield* control.dump).map((r) => `${s(r.key)}=${s(r.value)}`)).toEqual(["=0", "B=1", "\xfe\xff=2"])
      expect(yield* control.version).toBe(2)
      expect(control.seed).toBe(1)
      expect(control.costs.name).toBe("free")
    }))
})

/**
 * The FoundationDB store's options, limits and honest outcomes, in fast
 * focused cases on the simulator (fixed seeds, free costs unless a cost
 * profile is the point): option validation, retries and timeouts, FoundationDB
 * size errors reported as `InvalidAppend`, the pre-commit transaction budget
 * (through `checkAppend`), the exactly-once markers of appends that failed or
 * whose outcome is unknown, and the errors of failing reads, heads and
 * subscriptions.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Stream } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"

const decoder = new TextDecoder()
const labels = (events: Iterable<Event.SequencedEvent>) => Array.from(events, (e) => decoder.decode(e.data))

const storeOn = (db: FdbDatabase.FdbDatabaseShape, options?: EventStoreFdb.Options) =>
  EventStoreFdb.make(options).pipe(Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(db)))

const setup = (simOptions?: FdbSimulator.SimulatorOptions, options?: EventStoreFdb.Options) =>
  Effect.gen(function*() {
    const sim = FdbSimulator.make(simOptions)
    const store = yield* storeOn(sim.database, options)
    return { sim: sim.control, db: sim.database, store }
  })

/** A database whose every transaction fails with this error (nothing written). */
const failingDb = (error: FdbError.FdbError): FdbDatabase.FdbDatabaseShape => ({
  transact: () => Effect.fail(error)
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined => {
  const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return reason?._tag === "Fail" ? reason.error : undefined
}

/** The markers left: of appends without an id ("j"), and of appends with one ("i"). */
const markersIn = (dump: ReadonlyArray<FdbDatabase.KeyValue>, kind: "j" | "i" = "j") =>
  dump.filter((row) => Tuple.unpack(row.key)[2] === kind).length

describe("EventStoreFdb options", () => {
  it.effect("a fractional pageSize, or a negative, fractional or NaN conditionScanLimit, is a defect; 0 is a limit", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      for (const options of [{ pageSize: 1.5 }, { conditionScanLimit: -1 }, { conditionScanLimit: 2.5 }, { conditionScanLimit: Number.NaN }]) {
        const exit = yield* Effect.exit(storeOn(sim.database, options))
        expect(Exit.isFailure(exit), JSON.stringify(options)).toBe(true)
        const defect = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Die") : undefined
        expect(defect?._tag === "Die" ? defect.defect : undefined).toBeInstanceOf(RangeError)
        const name = Object.keys(options)[0]!
        expect(String(defect?._tag === "Die" ? (defect.defect as Error).message : "")).toContain(name)
      }
      // a limit of 0 is valid: any key a join reads is past it
      const store = yield* storeOn(sim.database, { conditionScanLimit: 0 })
      yield* store.append([Event.make("E", ["a", "b"])])
      yield* store.append([Event.make("E", ["x"])], { condition: AppendCondition.make(Query.item({ tags: ["x"] })) })
      // an item of two tags is one exact range, not a join: its keys are not counted
      const failed = yield* Effect.flip(store.append([Event.make("E", [])], {
        condition: AppendCondition.make(Query.item({ tags: ["b", "a"] }))
      }))
      expect(failed._tag).toBe("AppendConditionFailed")
      const error = yield* Effect.flip(store.append([Event.make("E", [])], {
        condition: AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }))
      }))
      expect(error).toMatchObject({ _tag: "ConditionTooBroad", conditionIndex: 0 })
    }))

  it.effect("conditionScanLimit bounds the keys a join reads: ConditionTooBroad names the limit, nothing written", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup({ seed: 3 }, { conditionScanLimit: 10, pageSize: 4 })
      const pairs = [["a", "b"], ["a", "c"], ["b", "c"]]
      yield* store.append(Array.from({ length: 30 }, (_, i) => Event.make("E", pairs[i % 3]!)))
      const before = yield* sim.dump
      const error = yield* Effect.flip(store.append([Event.make("E", ["x"])], {
        conditions: [AppendCondition.make(Query.item({ tags: ["x"] })), AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }))]
      }))
      expect(error._tag).toBe("ConditionTooBroad")
      expect((error as EventStore.ConditionTooBroad).conditionIndex).toBe(1)
      expect(error.message).toContain("10")
      expect(yield* sim.dump).toEqual(before)
      // under the limit, the same join holds
      const { store: wide } = yield* setup({ seed: 3 }, { conditionScanLimit: 1_000, pageSize: 4 })
      yield* wide.append(Array.from({ length: 30 }, (_, i) => Event.make("E", pairs[i % 3]!)))
      yield* wide.append([Event.make("E", ["x"])], { condition: AppendCondition.make(Query.item({ tags: ["a", "b", "c"] })) })
    }))

  it.effect("retryLimit bounds the retries of a transaction (default 100), then a StorageError", () =>
    Effect.gen(function*() {
      const limited = yield* setup({ seed: 1, faults: { notCommitted: 1 } }, { retryLimit: 2 })
      const error = yield* Effect.flip(limited.store.append([Event.make("A", [])]))
      expect(error._tag).toBe("StorageError")
      expect((error as EventStore.StorageError).unknownResult).toBeUndefined()
      expect(error.message).toContain("append failed")
      expect((yield* limited.sim.stats).retries).toBe(2)
      const byDefault = yield* setup({ seed: 1, faults: { notCommitted: 1 } })
      expect((yield* Effect.flip(byDefault.store.append([Event.make("A", [])])))._tag).toBe("StorageError")
      expect((yield* byDefault.sim.stats).retries).toBe(100)
      // a failed append wrote nothing
      yield* byDefault.sim.setFaults(false)
      expect(yield* byDefault.store.head).toEqual(Option.none())
    }))

  it.effect("transactionTimeoutMillis bounds a transaction in (virtual) time", () =>
    Effect.gen(function*() {
      const slow: FdbSimulator.CostProfile = { ...FdbSimulator.freeCosts, name: "slow reads", read: [50, 50] }
      const timed = yield* setup({ costs: slow }, { transactionTimeoutMillis: 20 })
      const error = yield* Effect.flip(timed.store.head)
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain("reading the head failed")
      expect(error.message).toContain(String(FdbError.codes.transaction_timed_out))
      const untimed = yield* setup({ costs: slow })
      expect(yield* untimed.store.head).toEqual(Option.none())
    }))
})

describe("EventStoreFdb append errors", () => {
  it.effect("FoundationDB's size errors at commit are an InvalidAppend; with an unknown outcome, a StorageError saying so", () =>
    Effect.gen(function*() {
      for (const code of [FdbError.codes.transaction_too_large, FdbError.codes.key_too_large, FdbError.codes.value_too_large]) {
        const store = yield* storeOn(failingDb(FdbError.make(code)))
        const error = yield* Effect.flip(store.append([Event.make("A", [])]))
        expect(error._tag, String(code)).toBe("InvalidAppend")
        expect(error.message).toContain("FoundationDB limit")
        expect(error.message).toContain(String(code))
        const unknown = yield* storeOn(failingDb(new FdbError.FdbError({ code, reason: "too large", unknownResult: true })))
        const maybe = yield* Effect.flip(unknown.append([Event.make("A", [])]))
        expect(maybe).toMatchObject({ _tag: "StorageError", unknownResult: true })
      }
      // other errors: a StorageError of the append
      const other = yield* storeOn(failingDb(FdbError.make(FdbError.codes.transaction_timed_out)))
      const error = yield* Effect.flip(other.append([Event.make("A", [])]))
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain("append failed")
      expect((error as EventStore.StorageError).unknownResult).toBeUndefined()
    }))

  it("checkAppend: at most 65,536 events; the transaction budget counts event values and index keys", () => {
    // (a one-byte prefix: 65,536 events of the default prefix's keys are over the transaction budget)
    const check = EventStoreFdb.checkAppend({ prefix: Uint8Array.of(1) })
    const tooMany = check(Array.from({ length: 65_537 }, () => Event.make("A", [])), undefined)
    expect(tooMany?._tag).toBe("InvalidAppend")
    expect(tooMany?.message).toContain("65,536")
    expect(check(Array.from({ length: 65_536 }, () => Event.make("A", [])), undefined)).toBeUndefined()
    // 110 values of 95,000 bytes: 10.45 MB, over the 10,000,000-byte transaction; 100 of them fit
    const big = (n: number) => Array.from({ length: n }, () => Event.make("A", [], new Uint8Array(95_000)))
    const over = check(big(110), undefined)
    expect(over?._tag).toBe("InvalidAppend")
    expect(over?.message).toContain("10000000")
    expect(check(big(100), undefined)).toBeUndefined()
    // the first limit reached in event order is reported: the transaction, before a later value too large
    const huge = Event.make("A", [], new Uint8Array(100_001))
    expect(check([...big(110), huge], undefined)?._tag).toBe("InvalidAppend")
    expect(check([...big(2), huge], undefined)).toMatchObject({ _tag: "InvalidEvent", eventIndex: 2 })
  })

  it.effect("an append over the budget is refused before any transaction", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup()
      const tags = Array.from({ length: EventStore.limits.maxTagsPerEvent }, (_, i) => `${i}:`.padEnd(200, "t"))
      const error = yield* Effect.flip(store.append(Array.from({ length: 600 }, () => Event.make("A", tags))))
      expect(error._tag).toBe("InvalidAppend")
      expect(error.message).toContain("bytes")
      expect((yield* sim.stats).transactions).toBe(0)
    }))
})

describe("EventStoreFdb exactly-once markers", () => {
  it.effect("a failed append hands its claimed markers back and clears nothing more than a successful one", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup()
      const mutationsOf = (effect: Effect.Effect<unknown, unknown>) =>
        Effect.gen(function*() {
          const before = (yield* sim.stats).mutations
          yield* Effect.exit(effect)
          return (yield* sim.stats).mutations - before
        })
      const first = yield* store.append([Event.make("A", ["t"])])
      // fails its condition: nothing written, the first append's marker is handed back
      const failed = yield* Effect.flip(store.append([Event.make("A", ["t"])], {
        condition: AppendCondition.make(Query.item({ tags: ["t"] }))
      }))
      expect(failed).toMatchObject({ _tag: "AppendConditionFailed", conflictingPosition: first })
      const afterFailure = yield* mutationsOf(store.append([Event.make("A", ["t"])]))
      const steady = yield* mutationsOf(store.append([Event.make("A", ["t"])]))
      // each cleared exactly one earlier marker
      expect(afterFailure).toBe(steady)
      expect(markersIn(yield* sim.dump)).toBe(1)
    }))

  it.effect("a marker of an append whose outcome is unknown is cleared later; one of a caller's append id is kept", () =>
    Effect.gen(function*() {
      let applied = 0
      for (let seed = 1; seed <= 12; seed++) {
        const { sim, store } = yield* setup({ seed, faults: { commitUnknownResult: 1 } }, { retryLimit: 0 })
        const plain = yield* Effect.flip(store.append([Event.make("A", [], "plain")]))
        expect(plain).toMatchObject({ _tag: "StorageError", unknownResult: true })
        const withId = yield* Effect.flip(store.append([Event.make("A", [], "with id")], { appendId: "order-1" }))
        expect(withId).toMatchObject({ _tag: "StorageError", unknownResult: true })
        yield* sim.settle
        yield* sim.setFaults(false)
        const stored = labels(yield* Stream.runCollect(store.read(Query.all())))
        if (stored.includes("plain")) applied++
        // later appends clear the plain append's marker (it may have been written), never the append id's
        yield* store.append([Event.make("B", [])])
        yield* store.append([Event.make("B", [])])
        // the retry of the append with an id finds its marker (when it was applied): no duplicate
        yield* store.append([Event.make("A", [], "with id")], { appendId: "order-1" })
        const after = labels(yield* Stream.runCollect(store.read(Query.all())))
        expect(after.filter((l) => l === "with id"), `seed ${seed}`).toHaveLength(1)
        // a retry that found its marker wrote nothing, and hands back the markers it had claimed to clear:
        // the next append clears them, only its own marker and the append id's are left
        yield* store.append([Event.make("C", [])])
        expect(markersIn(yield* sim.dump), `seed ${seed}`).toBe(1)
        expect(markersIn(yield* sim.dump, "i"), `seed ${seed}`).toBe(1)
      }
      expect(applied).toBeGreaterThan(0)
      expect(applied).toBeLessThan(12)
    }))

  it.effect("a marker of an append interrupted while committing is cleared later", () =>
    Effect.gen(function*() {
      let landed = 0
      for (let yields = 1; yields <= 40; yields++) {
        const { sim, store } = yield* setup({ seed: yields, faults: { delay: 1, maxDelayYields: 8 } })
        const fiber = yield* Effect.forkChild(store.append([Event.make("A", [], "interrupted")]))
        for (let i = 0; i < yields; i++) yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
        yield* sim.setFaults(false)
        yield* sim.settle
        if (labels(yield* Stream.runCollect(store.read(Query.all()))).includes("interrupted")) landed++
        yield* store.append([Event.make("B", [])])
        yield* store.append([Event.make("B", [])])
        expect(markersIn(yield* sim.dump), `${yields} yields`).toBe(1)
      }
      expect(landed).toBeGreaterThan(0)
    }))

  it.effect("two store instances on one database never share a marker", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const a = yield* storeOn(sim.database)
      const b = yield* storeOn(sim.database)
      const pa = yield* a.append([Event.make("A", [], "same")])
      const pb = yield* b.append([Event.make("A", [], "same")])
      expect(pb).not.toBe(pa)
      expect(labels(yield* Stream.runCollect(a.read(Query.all())))).toEqual(["same", "same"])
    }))
})

describe("EventStoreFdb failing reads and subscriptions", () => {
  it.effect("a failing database: StorageErrors saying what failed", () =>
    Effect.gen(function*() {
      const store = yield* storeOn(failingDb(FdbError.make(FdbError.codes.transaction_timed_out)))
      const head = yield* Effect.flip(store.head)
      expect(head._tag).toBe("StorageError")
      expect(head.message).toContain("reading the head failed")
      const read = yield* Effect.flip(Stream.runCollect(store.read(Query.all())))
      expect(read._tag).toBe("StorageError")
      expect(read.message).toContain("read failed")
    }))

  it.effect("a defect of the database reaches the caller as it is", () =>
    Effect.gen(function*() {
      const store = yield* storeOn({ transact: () => Effect.die(new Error("boom")) })
      const exit = yield* Effect.exit(store.append([Event.make("A", [])]))
      const defect = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Die") : undefined
      expect(defect?._tag === "Die" ? (defect.defect as Error).message : undefined).toBe("boom")
      expect(Exit.isFailure(exit) ? exit.cause.reasons : []).toHaveLength(1)
    }))

  it.effect("a watch that cannot be set fails the subscription with a StorageError", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const noWatch: FdbDatabase.FdbDatabaseShape = {
        transact: (body, options) =>
          sim.database.transact(
            (tn) => body({ ...tn, watch: () => Effect.fail(FdbError.make(FdbError.codes.too_many_watches)) }),
            options
          )
      }
      const store = yield* storeOn(noWatch)
      const error = yield* Effect.flip(Stream.runCollect(store.subscribe(Query.all())))
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain("waiting for new events failed")
    }))

  it.live("a watch that fails is a change maybe missed: the subscription re-reads and goes on", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      let failures = 0
      const flaky: FdbDatabase.FdbDatabaseShape = {
        transact: (body, options) =>
          sim.database.transact(
            (tn) =>
              body({
                ...tn,
                watch: (key) =>
                  Effect.map(tn.watch(key), (watch) =>
                    failures < 2
                      ? { ...watch, changed: Effect.suspend(() => (failures++, Effect.fail(FdbError.make(FdbError.codes.too_many_watches)))) }
                      : watch)
              }),
            options
          )
      }
      const store = yield* storeOn(flaky)
      const writer = yield* storeOn(sim.database)
      yield* writer.append([Event.make("A", [], "1")])
      const fiber = yield* Effect.forkChild(Stream.runCollect(Stream.take(store.subscribe(Query.all()), 2)))
      yield* Effect.sleep("50 millis")
      yield* writer.append([Event.make("A", [], "2")])
      const got = yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
      expect(labels(got)).toEqual(["1", "2"])
      expect(failures).toBeGreaterThan(0)
    }))

  it.live("an event appended between the subscription's read and its wait is delivered without another change", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const writer = yield* storeOn(sim.database)
      let transactions = 0
      // on an empty store: the head, an empty page, then (before the wait) the writer appends
      const racing: FdbDatabase.FdbDatabaseShape = {
        transact: (body, options) =>
          Effect.suspend(() =>
            ++transactions === 3
              ? Effect.andThen(Effect.orDie(writer.append([Event.make("A", [], "raced")])), sim.database.transact(body, options))
              : sim.database.transact(body, options)
          )
      }
      const store = yield* storeOn(racing)
      const got = yield* Stream.runCollect(Stream.take(store.subscribe(Query.all()), 1)).pipe(Effect.timeout("3 seconds"))
      expect(labels(got)).toEqual(["raced"])
    }))

  it.effect("an idle subscription waits on its watch: a bounded number of transactions, then the new event", () =>
    Effect.gen(function*() {
      const { sim, store } = yield* setup()
      yield* store.append([Event.make("A", [], "1")])
      yield* sim.resetStats
      const fiber = yield* Effect.forkChild(Stream.runCollect(Stream.take(store.subscribe(Query.all()), 2)))
      for (let i = 0; i < 200; i++) yield* Effect.yieldNow
      // the head, one page, the head again with its watch
      expect((yield* sim.stats).transactions).toBeLessThanOrEqual(4)
      yield* store.append([Event.make("A", [], "2")])
      expect(labels(yield* Fiber.join(fiber))).toEqual(["1", "2"])
    }))
})

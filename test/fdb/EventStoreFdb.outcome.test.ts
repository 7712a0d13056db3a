/**
 * The FoundationDB event store at its limits, on the simulator:
 * - honest outcomes: over 1,000 seeds with concurrent appenders and injected
 *   `not_committed` / `commit_unknown_result`, every `StorageError` that does
 *   not say `unknownResult` left nothing in the store, and no exactly-once
 *   marker of a maybe-committed append is left behind;
 * - the transaction budget counts bytes as FoundationDB does: an append the
 *   cluster would refuse (2101) is an `InvalidAppend` before any commit, one
 *   just under the limit commits.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"

const store = (options?: FdbSimulator.SimulatorOptions, storeOptions?: EventStoreFdb.Options) =>
  Effect.gen(function* () {
    const sim = FdbSimulator.make(options)
    const events = yield* EventStoreFdb.make(storeOptions).pipe(
      Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
    )
    return { sim: sim.control, events }
  })

const encoder = new TextEncoder()
const decoder = new TextDecoder()

describe("EventStoreFdb: honest outcomes", () => {
  it.effect("over 1,000 seeds, a StorageError without unknownResult wrote nothing; no marker of an unknown outcome leaks", () =>
    Effect.gen(function* () {
      let definite = 0
      let unknown = 0
      let written = 0
      for (let seed = 1; seed <= 1_000; seed++) {
        const { events, sim } = yield* store(
          { seed, faults: { notCommitted: 0.35, commitUnknownResult: 0.35, delay: 0.3, maxDelayYields: 4 } },
          { retryLimit: 2 }
        )
        const ids = ["a", "b", "c"]
        const exits = yield* Effect.forEach(
          ids,
          (id) =>
            Effect.exit(events.append([{ type: "Tried", tags: [`seed:${seed}`], data: encoder.encode(id) }])),
          { concurrency: "unbounded" }
        )
        yield* sim.settle
        yield* sim.setFaults(false)
        const stored = new Set(
          Array.from(yield* Stream.runCollect(events.read(Query.all())), (e) => decoder.decode(e.data))
        )
        exits.forEach((exit, i) => {
          if (Exit.isSuccess(exit)) {
            written++
            expect(stored.has(ids[i]!), `seed ${seed}: a successful append is stored`).toBe(true)
            return
          }
          const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
          const error = failure?._tag === "Fail" ? failure.error : undefined
          expect(error?._tag).toBe("StorageError")
          if (error?._tag === "StorageError" && error.unknownResult === true) {
            unknown++
            return
          }
          definite++
          expect(stored.has(ids[i]!), `seed ${seed}: "${String(error)}" said nothing was written`).toBe(false)
        })
        // two more appends clear the markers of every earlier one (the second clears the first's)
        yield* events.append([{ type: "Later", tags: [], data: new Uint8Array(0) }])
        yield* events.append([{ type: "Later", tags: [], data: new Uint8Array(0) }])
        const markers = (yield* sim.dump).filter((row) => Tuple.unpack(row.key)[2] === "j")
        expect(markers.length, `seed ${seed}: markers left`).toBe(1)
      }
      // the property was exercised on both sides
      expect(definite).toBeGreaterThan(100)
      expect(unknown).toBeGreaterThan(100)
      expect(written).toBeGreaterThan(100)
    }), 60_000)
})

describe("EventStoreFdb: the transaction budget counts like FoundationDB", () => {
  // a one-byte prefix and 16 one-letter tags: short keys, where per-mutation overheads weigh most
  const prefix = Uint8Array.of(0x01)
  const tags = "abcdefghijklmnop".split("")
  const batch = (n: number) => Array.from({ length: n }, () => ({ type: "T", tags, data: new Uint8Array(0) }))

  it.effect("670 events of 16 tags exceed 10,000,000 bytes as a cluster counts them: InvalidAppend, no commit tried", () =>
    Effect.gen(function* () {
      const { events, sim } = yield* store({}, { prefix })
      const error = yield* Effect.flip(events.append(batch(670)))
      expect(error._tag).toBe("InvalidAppend")
      const stats = yield* sim.stats
      expect(stats.commits).toBe(0)
      expect(yield* sim.dump).toEqual([])
    }))

  it.effect("640 such events fit: the append commits (the simulator counts the same bytes)", () =>
    Effect.gen(function* () {
      const { events, sim } = yield* store({}, { prefix })
      yield* events.append(batch(640))
      expect((yield* sim.stats).commits).toBe(1)
    }))
})

describe("EventStoreFdb: reads of the whole log are bounded by bytes per transaction", () => {
  it.effect("Query.all() over events of 90 KB reads about 1 MB per transaction, every event in order", () =>
    Effect.gen(function* () {
      const { events, sim } = yield* store({ costs: "realistic" })
      for (let i = 0; i < 40; i++) {
        yield* events.append([{ type: "Big", tags: [], data: new Uint8Array(90_000).fill(i) }])
      }
      yield* sim.resetStats
      const read = Array.from(yield* Stream.runCollect(events.read(Query.all())))
      expect(read.map((e) => e.data[0])).toEqual(Array.from({ length: 40 }, (_, i) => i))
      // 40 × 90 KB = 3.6 MB: at least 4 transactions, none reading much more than 1 MB
      const stats = yield* sim.stats
      expect(stats.transactions).toBeGreaterThanOrEqual(4)
      // backwards too
      const back = Array.from(yield* Stream.runCollect(events.read(Query.all(), { backwards: true })))
      expect(back.map((e) => e.data[0])).toEqual(Array.from({ length: 40 }, (_, i) => 39 - i))
    }))
})


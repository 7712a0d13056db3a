/**
 * The simulator against each rule of FoundationDB it reproduces (see
 * ../shared/fdb.md): one test per rule, on the simulator alone.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"

const k = (...items: Array<Tuple.TupleItem>) => Tuple.pack(items)
const v = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))

const withDb = <A, E>(
  f: (db: FdbDatabase.FdbDatabaseShape, sim: FdbSimulator.FdbSimulatorShape) => Effect.Effect<A, E>,
  options?: FdbSimulator.SimulatorOptions
) =>
  Effect.gen(function* () {
    const { control, database } = FdbSimulator.make(options)
    return yield* f(database, control)
  })

/** One attempt only: the error of the first commit is returned. */
const once = { retryLimit: 0 }

const codeOf = <A>(exit: Exit.Exit<A, unknown>): number | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const e = exit.cause.reasons.find((r) => r._tag === "Fail")
  return e !== undefined && e._tag === "Fail" && FdbError.isFdbError(e.error) ? e.error.code : undefined
}

/**
 * Starts transaction A (its body runs up to `gate`), commits B meanwhile, then
 * lets A commit: the classic interleaving for conflict rules.
 */
const interleave = <A>(
  db: FdbDatabase.FdbDatabaseShape,
  a: (tn: FdbDatabase.Transaction) => Effect.Effect<A, FdbError.FdbError>,
  aWrites: (tn: FdbDatabase.Transaction) => Effect.Effect<void, FdbError.FdbError>,
  b: (tn: FdbDatabase.Transaction) => Effect.Effect<void, FdbError.FdbError>
) =>
  Effect.gen(function* () {
    let first = true
    const ran = yield* db.transact(
      (tn) =>
        Effect.gen(function* () {
          const out = yield* a(tn)
          if (first) {
            first = false
            yield* db.transact(b) // a concurrent commit after A's read version
          }
          yield* aWrites(tn)
          return out
        }),
      once
    ).pipe(Effect.exit)
    return ran
  })

describe("FdbSimulator", () => {
  it.effect("MVCC: a transaction reads at its read version, not later commits", () =>
    withDb((db) =>
      Effect.gen(function* () {
        yield* db.transact((tn) => tn.set(k("a"), v("1")))
        const seen = yield* db.transact((tn) =>
          Effect.gen(function* () {
            const before = text(yield* tn.get(k("a"), { snapshot: true }))
            yield* db.transact((t2) => t2.set(k("a"), v("2")))
            const later = text(yield* tn.get(k("a"), { snapshot: true }))
            const range = (yield* tn.getRange(k("a"), k("b"), { snapshot: true })).map((kv) => text(kv.value))
            return { before, later, range }
          })
        )
        expect(seen).toEqual({ before: "1", later: "1", range: ["1"] })
        expect(text(yield* db.transact((tn) => tn.get(k("a"))))).toBe("2")
      })
    ))

  it.effect("read-your-writes: sets, clears and range clears are visible to the transaction itself", () =>
    withDb((db) =>
      Effect.gen(function* () {
        yield* db.transact((tn) =>
          Effect.all([tn.set(k("r", 1), v("a")), tn.set(k("r", 2), v("b")), tn.set(k("r", 3), v("c"))])
        )
        const seen = yield* db.transact((tn) =>
          Effect.gen(function* () {
            yield* tn.set(k("r", 4), v("d"))
            yield* tn.clear(k("r", 1))
            yield* tn.clearRange(k("r", 2), k("r", 3))
            yield* tn.set(k("r", 2), v("B"))
            const all = yield* tn.getRange(...Tuple.range(k("r")))
            const rev = yield* tn.getRange(...Tuple.range(k("r")), { reverse: true, limit: 2 })
            return { all: all.map((x) => text(x.value)), rev: rev.map((x) => text(x.value)), one: text(yield* tn.get(k("r", 1))) }
          })
        )
        expect(seen).toEqual({ all: ["B", "c", "d"], rev: ["d", "c"], one: undefined })
      })
    ))

  it.effect("conflict: a read key written by a later commit fails with not_committed (1020)", () =>
    withDb((db, sim) =>
      Effect.gen(function* () {
        const exit = yield* interleave(db, (tn) => tn.get(k("x")), (tn) => tn.set(k("y"), v("a")), (tn) => tn.set(k("x"), v("b")))
        expect(codeOf(exit)).toBe(1020)
        expect((yield* sim.stats).conflicts).toBe(1)
        // nothing of the failed transaction was written
        expect(yield* db.transact((tn) => tn.get(k("y")))).toBeUndefined()
      })
    ))

  it.effect("conflict: a read range written inside by a later commit conflicts; a write outside does not", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const inside = yield* interleave(
          db,
          (tn) => tn.getRange(...Tuple.range(k("q"))),
          (tn) => tn.set(k("out"), v("1")),
          (tn) => tn.set(k("q", "new"), v("x"))
        )
        expect(codeOf(inside)).toBe(1020)
        const outside = yield* interleave(
          db,
          (tn) => tn.getRange(...Tuple.range(k("q"))),
          (tn) => tn.set(k("out"), v("1")),
          (tn) => tn.set(k("r", "new"), v("x"))
        )
        expect(Exit.isSuccess(outside)).toBe(true)
      })
    ))

  it.effect("conflict: a clearRange over a read key conflicts", () =>
    withDb((db) =>
      Effect.gen(function* () {
        yield* db.transact((tn) => tn.set(k("c", 5), v("x")))
        const exit = yield* interleave(
          db,
          (tn) => tn.get(k("c", 5)),
          (tn) => tn.set(k("o"), v("1")),
          (tn) => tn.clearRange(...Tuple.range(k("c")))
        )
        expect(codeOf(exit)).toBe(1020)
      })
    ))

  it.effect("snapshot reads record no conflict range", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const exit = yield* interleave(
          db,
          (tn) => Effect.all([tn.get(k("x"), { snapshot: true }), tn.getRange(...Tuple.range(k("x")), { snapshot: true })]),
          (tn) => tn.set(k("y"), v("a")),
          (tn) => Effect.all([tn.set(k("x"), v("b")), tn.set(k("x", 1), v("b"))])
        )
        expect(Exit.isSuccess(exit)).toBe(true)
      })
    ))

  it.effect("blind writes never conflict, even on the same key", () =>
    withDb((db, sim) =>
      Effect.gen(function* () {
        const exit = yield* interleave(db, () => Effect.void, (tn) => tn.set(k("x"), v("a")), (tn) => tn.set(k("x"), v("b")))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect((yield* sim.stats).conflicts).toBe(0)
        expect(text(yield* db.transact((tn) => tn.get(k("x"))))).toBe("a")
      })
    ))

  it.effect("addReadConflictRange conflicts like a read", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const exit = yield* interleave(
          db,
          // (a read first: a transaction takes its read version at its first read)
          (tn) => Effect.andThen(tn.get(k("other"), { snapshot: true }), tn.addReadConflictRange(k("m", 0), k("m", 10))),
          (tn) => tn.set(k("z"), v("1")),
          (tn) => tn.set(k("m", 5), v("x"))
        )
        expect(codeOf(exit)).toBe(1020)
      })
    ))

  it.effect("a range read stopped by its limit conflicts only up to the last key returned", () =>
    withDb((db) =>
      Effect.gen(function* () {
        yield* db.transact((tn) => Effect.forEach([1, 2, 3, 4], (i) => tn.set(k("l", i), v(String(i)))))
        const first2 = (tn: FdbDatabase.Transaction) => tn.getRange(...Tuple.range(k("l")), { limit: 2 })
        const beyond = yield* interleave(db, first2, (tn) => tn.set(k("o"), v("1")), (tn) => tn.set(k("l", 3), v("x")))
        expect(Exit.isSuccess(beyond)).toBe(true)
        const within = yield* interleave(db, first2, (tn) => tn.set(k("o"), v("1")), (tn) => tn.set(k("l", 2), v("x")))
        expect(codeOf(within)).toBe(1020)
        // reverse: the range runs from the last key returned to the end
        const last2 = (tn: FdbDatabase.Transaction) => tn.getRange(...Tuple.range(k("l")), { limit: 2, reverse: true })
        const below = yield* interleave(db, last2, (tn) => tn.set(k("o"), v("1")), (tn) => tn.set(k("l", 1), v("x")))
        expect(Exit.isSuccess(below)).toBe(true)
        const above = yield* interleave(db, last2, (tn) => tn.set(k("o"), v("1")), (tn) => tn.set(k("l", 3), v("y")))
        expect(codeOf(above)).toBe(1020)
      })
    ))

  it.effect("read-only transactions always commit", () =>
    withDb((db, sim) =>
      Effect.gen(function* () {
        const exit = yield* interleave(db, (tn) => tn.get(k("x")), () => Effect.void, (tn) => tn.set(k("x"), v("b")))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect((yield* sim.stats).readOnlyCommits).toBe(1)
      })
    ))

  it.effect("the retry loop re-runs the body after a conflict, at a newer read version", () =>
    withDb((db, sim) =>
      Effect.gen(function* () {
        let runs = 0
        const seen: Array<string | undefined> = []
        yield* db.transact((tn) =>
          Effect.gen(function* () {
            runs++
            seen.push(text(yield* tn.get(k("n"))))
            if (runs === 1) yield* db.transact((t2) => t2.set(k("n"), v("other")))
            yield* tn.set(k("n2"), v("mine"))
          })
        )
        expect(runs).toBe(2)
        expect(seen).toEqual([undefined, "other"])
        expect((yield* sim.stats).retries).toBe(1)
        // retryLimit: the error comes back after that many retries
        let attempts = 0
        const limited = yield* db.transact((tn) =>
          Effect.gen(function* () {
            attempts++
            yield* tn.get(k("n"))
            yield* db.transact((t2) => t2.set(k("n"), v(String(attempts))))
            yield* tn.set(k("n3"), v("x"))
          }), { retryLimit: 2 }).pipe(Effect.exit)
        expect(codeOf(limited)).toBe(1020)
        expect(attempts).toBe(3)
      })
    ))

  it.effect("versionstamps increase with commit order; user bytes around them are kept", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const stamps: Array<Uint8Array> = []
        for (let i = 0; i < 3; i++) {
          const stamp = yield* db.transact((tn) =>
            Effect.gen(function* () {
              const key = Tuple.concat(k("vs"), new Uint8Array(10), Uint8Array.of(0, i))
              yield* tn.setVersionstampedKey(key, k("vs").length, v(`e${i}`))
              yield* tn.setVersionstampedValue(k("head"), Tuple.concat(new Uint8Array(10), Uint8Array.of(7)), 0)
              return yield* tn.getVersionstamp
            })
          ).pipe(Effect.flatten)
          stamps.push(stamp)
        }
        for (let i = 1; i < stamps.length; i++) expect(Tuple.compare(stamps[i - 1]!, stamps[i]!)).toBeLessThan(0)
        const rows = yield* db.transact((tn) => tn.getRange(...Tuple.range(k("vs"))))
        expect(rows.map((r) => text(r.value))).toEqual(["e0", "e1", "e2"])
        expect(rows.map((r) => r.key.slice(k("vs").length, k("vs").length + 10))).toEqual(stamps)
        const head = yield* db.transact((tn) => tn.get(k("head")))
        expect(head).toEqual(Tuple.concat(stamps[2]!, Uint8Array.of(7)))
      })
    ))

  it.effect("reading a versionstamped key range in its own transaction fails with 1036", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const exit = yield* db.transact((tn) =>
          Effect.gen(function* () {
            yield* tn.setVersionstampedKey(Tuple.concat(k("vs"), new Uint8Array(10)), k("vs").length, v("x"))
            return yield* tn.getRange(...Tuple.range(k("vs")))
          }), once).pipe(Effect.exit)
        expect(codeOf(exit)).toBe(1036)
        // reading before writing is fine
        yield* db.transact((tn) =>
          Effect.gen(function* () {
            yield* tn.getRange(...Tuple.range(k("vs")))
            yield* tn.setVersionstampedKey(Tuple.concat(k("vs"), new Uint8Array(10)), k("vs").length, v("x"))
          })
        )
      })
    ))

  it.effect("size limits: key 10,000 (2102), value 100,000 (2103), transaction 10,000,000 (2101); nothing written", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const key = yield* db.transact((tn) => tn.set(new Uint8Array(10_001), v("x")), once).pipe(Effect.exit)
        expect(codeOf(key)).toBe(2102)
        const value = yield* db.transact((tn) => tn.set(k("a"), new Uint8Array(100_001)), once).pipe(Effect.exit)
        expect(codeOf(value)).toBe(2103)
        yield* db.transact((tn) => tn.set(k("ok"), new Uint8Array(100_000)))
        const big = yield* db.transact((tn) =>
          Effect.forEach(Array.from({ length: 101 }, (_, i) => i), (i) => tn.set(k("big", i), new Uint8Array(99_999))), once).pipe(Effect.exit)
        expect(codeOf(big)).toBe(2101)
        expect(yield* db.transact((tn) => tn.getRange(...Tuple.range(k("big"))))).toEqual([])
      })
    ))

  it.effect("a transaction older than 5 s fails with transaction_too_old (1007); the timeout option with 1031", () =>
    withDb((db) =>
      Effect.gen(function* () {
        const fiber = yield* db.transact((tn) =>
          Effect.gen(function* () {
            yield* tn.get(k("a"))
            yield* Effect.sleep("6 seconds")
            yield* tn.get(k("a"))
          }), once).pipe(Effect.exit, Effect.forkChild({ startImmediately: true }))
        yield* TestClock.adjust("6 seconds")
        expect(codeOf(yield* Fiber.join(fiber))).toBe(1007)
        const timed = yield* db.transact((tn) =>
          Effect.gen(function* () {
            yield* tn.get(k("a"))
            yield* Effect.sleep("2 seconds")
            yield* tn.set(k("a"), v("x"))
          }), { timeoutMillis: 1000 }).pipe(Effect.exit, Effect.forkChild({ startImmediately: true }))
        yield* TestClock.adjust("2 seconds")
        expect(codeOf(yield* Fiber.join(timed))).toBe(1031)
      })
    ))

  it.effect("injected not_committed is retried by the loop", () =>
    withDb(
      (db, sim) =>
        Effect.gen(function* () {
          for (let i = 0; i < 20; i++) yield* db.transact((tn) => tn.set(k("i", i), v("x")))
          const s = yield* sim.stats
          expect(s.injectedNotCommitted).toBeGreaterThan(0)
          expect(s.commits).toBe(20)
          expect(s.retries).toBe(s.injectedNotCommitted)
        }),
      { seed: 7, faults: { notCommitted: 0.5 } }
    ))

  it.effect("injected commit_unknown_result: applied or not at random, and a naive body applies twice", () =>
    withDb(
      (db, sim) =>
        Effect.gen(function* () {
          // a non-idempotent body: append a counter-numbered row each run
          let runs = 0
          for (let i = 0; i < 30; i++) {
            yield* db.transact((tn) => {
              runs++
              return tn.set(k("u", runs), v("x"))
            })
          }
          const s = yield* sim.stats
          const rows = yield* db.transact((tn) => tn.getRange(...Tuple.range(k("u"))))
          expect(s.unknownResultCommitted).toBeGreaterThan(0)
          expect(s.unknownResultNotCommitted).toBeGreaterThan(0)
          // every applied commit left a row: the retried-after-applied ones are duplicates
          expect(rows.length).toBe(30 + s.unknownResultCommitted)
        }),
      { seed: 3, faults: { commitUnknownResult: 0.4 } }
    ))

  it.effect("commit_unknown_result still in flight: a marker read non-snapshot makes the retry exactly-once; a snapshot read does not", () =>
    Effect.gen(function* () {
      const run = (snapshot: boolean) =>
        withDb(
          (db, sim) =>
            Effect.gen(function* () {
              for (let i = 0; i < 40; i++) {
                let runs = 0
                yield* db.transact((tn) =>
                  Effect.gen(function* () {
                    runs++
                    if ((yield* tn.get(k("marker", i), { snapshot })) !== undefined) return
                    yield* tn.set(k("marker", i), v("done"))
                    yield* tn.set(k("row", i, runs), v("x"))
                  })
                )
              }
              yield* sim.settle
              const rows = yield* db.transact((tn) => tn.getRange(...Tuple.range(k("row"))))
              return { rows: rows.length, stats: yield* sim.stats }
            }),
          { seed: 9, faults: { commitUnknownResult: 0.5 } }
        )
      const exact = yield* run(false)
      expect(exact.stats.unknownResultDeferred).toBeGreaterThan(3)
      expect(exact.stats.unknownResultCommitted).toBeGreaterThan(3)
      expect(exact.rows).toBe(40)
      const naive = yield* run(true)
      expect(naive.rows).toBeGreaterThan(40)
    }))

  it.effect("the same seed replays the same run", () =>
    Effect.gen(function* () {
      const run = (seed: number) =>
        withDb(
          (db, sim) =>
            Effect.gen(function* () {
              const order: Array<number> = []
              yield* Effect.forEach(
                Array.from({ length: 8 }, (_, i) => i),
                (i) =>
                  db.transact((tn) =>
                    Effect.gen(function* () {
                      const n = yield* tn.get(k("counter"))
                      yield* tn.set(k("counter"), Uint8Array.of((n?.[0] ?? 0) + 1))
                    })
                  ).pipe(Effect.tap(() => Effect.sync(() => order.push(i)))),
                { concurrency: "unbounded" }
              )
              return { order, stats: yield* sim.stats, counter: (yield* db.transact((tn) => tn.get(k("counter"))))?.[0] }
            }),
          { seed, faults: FdbSimulator.defaultFaults }
        )
      const a = yield* run(42)
      const b = yield* run(42)
      expect(a).toEqual(b)
      expect(a.counter).toBe(8) // serializable increments: none lost
      expect(a.stats.conflicts).toBeGreaterThan(0)
    }))

  it.effect("watches fire when the value changes after the watching transaction, not before", () =>
    withDb((db) =>
      Effect.gen(function* () {
        yield* db.transact((tn) => tn.set(k("w"), v("0")))
        const watch = yield* db.transact((tn) => tn.watch(k("w")))
        const fiber = yield* Effect.forkChild(watch.changed, { startImmediately: true })
        yield* db.transact((tn) => tn.set(k("w"), v("0"))) // same value: no change
        yield* db.transact((tn) => tn.set(k("other"), v("1")))
        yield* Effect.yieldNow
        assert.isUndefined(fiber.pollUnsafe())
        yield* db.transact((tn) => tn.set(k("w"), v("1")))
        yield* Fiber.join(fiber)
        // a change between the watching read and its commit fires at once
        const early = yield* db.transact((tn) =>
          Effect.gen(function* () {
            yield* tn.get(k("w"))
            const w = yield* tn.watch(k("w"))
            yield* db.transact((t2) => t2.set(k("w"), v("2")))
            return w
          }))
        yield* early.changed
        // a cancelled watch fails with operation_cancelled
        const cancelled = yield* db.transact((tn) => tn.watch(k("w")))
        yield* cancelled.cancel
        expect(codeOf(yield* Effect.exit(cancelled.changed))).toBe(1101)
      })
    ))

  it.effect("watches of a transaction that did not commit fail", () =>
    withDb((db) =>
      Effect.gen(function* () {
        let w: FdbDatabase.Watch | undefined
        const exit = yield* db.transact((tn) =>
          Effect.gen(function* () {
            w = yield* tn.watch(k("w"))
            return yield* Effect.fail("abort" as const)
          })).pipe(Effect.exit)
        assert.isTrue(Exit.isFailure(exit))
        expect(codeOf(yield* Effect.exit(w!.changed))).toBe(1025)
      })
    ))
})

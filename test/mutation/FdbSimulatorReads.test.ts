/**
 * The simulator's reads and the bookkeeping under them, rule by rule: range
 * reads over thousands of keys (the sorted key set's chunks), versions kept
 * for the readers that still need them (MVCC), watches firing only on a real
 * change of value, the ranges a versionstamped key makes unreadable (1036),
 * read-your-writes at the edges of a cleared range, delays as scheduler
 * yields, and the commit size FoundationDB counts (mutations and conflict
 * ranges), observed as the virtual time a commit charges per byte.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import type * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"
import { rngOf } from "../fdb/random.ts"

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
const str = (b: Uint8Array | undefined) => (b === undefined ? undefined : String.fromCharCode(...b))
const pair = (r: FdbDatabase.KeyValue) => `${str(r.key)}${str(r.value)}`
const once = { retryLimit: 0 }

const codeOf = <A>(exit: Exit.Exit<A, unknown>): number | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const e = exit.cause.reasons.find((r) => r._tag === "Fail")
  return e !== undefined && e._tag === "Fail" && FdbError.isFdbError(e.error) ? e.error.code : undefined
}

describe("FdbSimulator reads", () => {
  it.effect("range reads over thousands of keys written in random order, forwards and backwards", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const next = rngOf(11)
      const n = 2_000
      const order = Array.from({ length: n }, (_, i) => i)
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      const key = (i: number) => Tuple.pack(["k", i])
      for (let b = 0; b < n; b += 500) {
        yield* db.transact((tn) =>
          Effect.forEach(order.slice(b, b + 500), (i) => tn.set(key(i), Uint8Array.of(i & 0xff)), { discard: true })
        )
      }
      const ids = (rows: ReadonlyArray<FdbDatabase.KeyValue>) => rows.map((r) => Tuple.unpack(r.key)[1])
      expect((yield* control.dump).map((r) => Tuple.unpack(r.key)[1])).toEqual(Array.from({ length: n }, (_, i) => i))
      yield* db.transact((tn) =>
        Effect.gen(function*() {
          for (let t = 0; t < 40; t++) {
            const a = Math.floor(next() * (n + 10)) - 5
            const b = a + Math.floor(next() * 1_500)
            const limit = next() < 0.5 ? Math.floor(next() * 700) + 1 : undefined
            const expected: Array<number> = []
            for (let i = Math.max(a, 0); i < Math.min(b, n); i++) expected.push(i)
            const forwards = yield* tn.getRange(key(a), key(b), { limit })
            expect(ids(forwards), `${a}..${b} limit ${limit}`).toEqual(expected.slice(0, limit))
            const backwards = yield* tn.getRange(key(a), key(b), { limit, reverse: true })
            expect(ids(backwards), `${a}..${b} limit ${limit} reverse`).toEqual(expected.reverse().slice(0, limit))
          }
          // the whole set, both ways
          expect(ids(yield* tn.getRange(key(-1), key(n)))).toHaveLength(n)
          expect(ids(yield* tn.getRange(key(-1), key(n), { reverse: true }))[0]).toBe(n - 1)
        }))
      // every key written again (no key twice in the set), then a read starting and one ending at each key
      yield* db.transact((tn) =>
        Effect.forEach(order, (i) => tn.set(key(i), Uint8Array.of((i + 1) & 0xff)), { discard: true })
      )
      const firsts = yield* db.transact((tn) =>
        Effect.forEach(order, (i) =>
          Effect.all([
            tn.getRange(key(i), key(n), { limit: 1, snapshot: true }),
            tn.getRange(key(0), key(i + 1), { limit: 1, reverse: true, snapshot: true })
          ]), { concurrency: "unbounded" })
      )
      expect(firsts.every(([up, down], j) => ids(up)[0] === order[j] && ids(down)[0] === order[j])).toBe(true)
      const all = yield* db.transact((tn) => tn.getRange(key(-1), key(n)))
      expect(all.map((r) => r.value[0])).toEqual(Array.from({ length: n }, (_, i) => (i + 1) & 0xff))
    }))

  it.effect("a reader keeps seeing the value at its read version however often the key is rewritten", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => Effect.andThen(tn.set(bytes("a"), bytes("1")), tn.set(bytes("b"), bytes("1"))))
      const seen = yield* db.transact((tn) =>
        Effect.gen(function*() {
          const first = str(yield* tn.get(bytes("a"), { snapshot: true }))
          for (let i = 2; i <= 5; i++) {
            yield* db.transact((w) => Effect.andThen(w.set(bytes("a"), bytes(String(i))), w.set(bytes("c"), bytes(String(i)))))
          }
          yield* db.transact((w) => Effect.andThen(w.clear(bytes("b")), w.set(bytes("a"), bytes("6"))))
          const later = str(yield* tn.get(bytes("a"), { snapshot: true }))
          const range = (yield* tn.getRange(bytes("a"), bytes("z"), { snapshot: true })).map(pair)
          return { first, later, range }
        })
      )
      expect(seen).toEqual({ first: "1", later: "1", range: ["a1", "b1"] })
      // a reader that came later sees the latest, and so do readers after the old one finished
      const latest = yield* db.transact((tn) => tn.getRange(bytes("a"), bytes("z")))
      expect(latest.map(pair)).toEqual(["a6", "c5"])
      yield* db.transact((w) => w.set(bytes("a"), bytes("7")))
      expect(str(yield* db.transact((tn) => tn.get(bytes("a"))))).toBe("7")
    }))

  it.effect("two readers at different versions each see their own snapshot", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(bytes("a"), bytes("1")))
      const seen = yield* db.transact((r1) =>
        Effect.gen(function*() {
          yield* r1.get(bytes("x"))
          yield* db.transact((w) => w.set(bytes("a"), bytes("2")))
          const inner = yield* db.transact((r2) =>
            Effect.gen(function*() {
              yield* r2.get(bytes("x"))
              yield* db.transact((w) => w.set(bytes("a"), bytes("3")))
              yield* db.transact((w) => w.set(bytes("a"), bytes("4")))
              return str(yield* r2.get(bytes("a")))
            })
          )
          return [str(yield* r1.get(bytes("a"))), inner]
        })
      )
      expect(seen).toEqual(["1", "2"])
    }))

  it.effect("read-your-writes at the edges of a cleared range", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) =>
        Effect.forEach(["a", "b", "c", "d", "e"], (k) => tn.set(bytes(k), bytes(k.toUpperCase())), { discard: true })
      )
      const seen = yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.clearRange(bytes("b"), bytes("d"))
          yield* tn.set(bytes("c"), bytes("new"))
          const points = yield* Effect.forEach(["a", "b", "c", "d"], (k) => tn.get(bytes(k)))
          const range = yield* tn.getRange(bytes("a"), bytes("z"))
          // each key returned owns its bytes (its buffer is not shared with anything else)
          for (const row of range) expect([row.key.byteOffset, row.key.buffer.byteLength]).toEqual([0, row.key.length])
          return { points: points.map(str), range: range.map(pair) }
        })
      )
      expect(seen).toEqual({ points: ["A", undefined, "new", "D"], range: ["aA", "cnew", "dD", "eE"] })
    }))

  it.effect("a versionstamped key makes the range of keys it may land in unreadable (1036), exactly that range", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      // "p" + 10 placeholder bytes + "s": it lands somewhere in ["p" 00×10 "s", "p" ff×10 "s" 00)
      const placeholder = new Uint8Array(10).fill(0x55)
      const stamped = Uint8Array.from([0x70, ...placeholder, 0x73])
      const withStamp = (fill: number, last = 0x73, extra: Array<number> = []) =>
        Uint8Array.from([0x70, ...new Uint8Array(10).fill(fill), last, ...extra])
      const lo = withStamp(0x00)
      const hi = withStamp(0xff)
      yield* db.transact((tn) => tn.set(bytes("o"), bytes("1")))
      const probe = (read: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>) =>
        Effect.map(
          Effect.exit(db.transact((tn) => Effect.andThen(tn.setVersionstampedKey(stamped, 1, bytes("v")), read(tn)), once)),
          codeOf
        )
      expect(yield* probe((tn) => tn.get(lo))).toBe(1036)
      expect(yield* probe((tn) => tn.get(hi))).toBe(1036)
      expect(yield* probe((tn) => tn.get(withStamp(0x00, 0x73, [0x00])))).toBe(1036)
      expect(yield* probe((tn) => tn.get(hi.slice(0, 11)))).toBe(1036) // "p" ff×10: after lo, before hi
      expect(yield* probe((tn) => tn.get(withStamp(0x00, 0x72)))).toBeUndefined()
      expect(yield* probe((tn) => tn.get(withStamp(0xff, 0x73, [0x00])))).toBeUndefined()
      expect(yield* probe((tn) => tn.getRange(bytes("a"), lo))).toBeUndefined()
      expect(yield* probe((tn) => tn.getRange(bytes("a"), withStamp(0x00, 0x73, [0x00])))).toBe(1036)
      expect(yield* probe((tn) => tn.getRange(withStamp(0xff, 0x73, [0x00]), bytes("q")))).toBeUndefined()
      expect(yield* probe((tn) => tn.getRange(hi, bytes("q")))).toBe(1036)
      expect(yield* probe((tn) => tn.getRange(bytes("a"), bytes("q"), { snapshot: true }))).toBe(1036)
      // a second versionstamped key after a read: its range is unreadable too
      const second = Uint8Array.from([0x78, ...placeholder])
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.setVersionstampedKey(stamped, 1, bytes("v"))
          expect(str(yield* tn.get(bytes("o")))).toBe("1")
          yield* tn.setVersionstampedKey(second, 1, bytes("v"))
          expect(str(yield* tn.get(bytes("o")))).toBe("1")
          return yield* tn.getRange(bytes("w"), bytes("y"))
        }), once))
      expect(codeOf(exit)).toBe(1036)
      // a key with a versionstamped value is unreadable, its neighbours are not
      const value = (read: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>) =>
        Effect.map(Effect.exit(db.transact((tn) =>
          Effect.andThen(tn.setVersionstampedValue(bytes("m"), new Uint8Array(12), 0), read(tn)), once)), codeOf)
      expect(yield* value((tn) => tn.get(bytes("m")))).toBe(1036)
      expect(yield* value((tn) => tn.getRange(bytes("l"), bytes("n")))).toBe(1036)
      expect(yield* value((tn) => tn.getRange(bytes("m\x00"), bytes("n")))).toBeUndefined()
      expect(yield* value((tn) => tn.getRange(bytes("a"), bytes("m")))).toBeUndefined()
    }))
})

describe("FdbSimulator unreadable ranges, as FoundationDB's read-your-writes layer computes them", () => {
  // FoundationDB (`getVersionstampKeyRange`): a versionstamped key set once the transaction has its read
  // version rv lands at a commit version above rv, so only [prefix stamp(rv + 1, 0), prefix ff×10 suffix 00)
  // is unreadable; the keys stamped at or below rv (what was committed before) stay readable.
  const stampOf = (version: number) => {
    const stamp = new Uint8Array(10)
    new DataView(stamp.buffer).setBigUint64(0, BigInt(version))
    return stamp
  }
  it.effect("after the read version is known, keys stamped before it stay readable", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const placeholder = Uint8Array.from([0x65, ...new Uint8Array(10)])
      // three committed events under "e"
      for (let i = 0; i < 3; i++) yield* db.transact((tn) => tn.setVersionstampedKey(placeholder, 1, Uint8Array.of(i)))
      const rv = yield* control.version
      const result = yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.get(bytes("o")) // takes the read version
          yield* tn.setVersionstampedKey(placeholder, 1, Uint8Array.of(9))
          const before = yield* tn.getRange(bytes("e"), Uint8Array.from([0x65, ...stampOf(rv + 1)]))
          const at = yield* Effect.exit(tn.getRange(bytes("e"), Uint8Array.from([0x65, ...stampOf(rv + 1), 0x00])))
          const point = yield* Effect.exit(tn.get(Uint8Array.from([0x65, ...stampOf(rv + 1)])))
          return { before: before.map((r) => r.value[0]), at: codeOf(at), point: codeOf(point) }
        }), once)
      expect(result).toEqual({ before: [0, 1, 2], at: 1036, point: 1036 })
      // set before any read, the whole stamp range is unreadable (the client knows no read version yet)
      const early = yield* Effect.exit(db.transact((tn) =>
        Effect.andThen(tn.setVersionstampedKey(placeholder, 1, Uint8Array.of(9)), tn.getRange(bytes("e"), bytes("f"), { limit: 1 })), once))
      expect(codeOf(early)).toBe(1036)
    }))
})

describe("FdbSimulator watches", () => {
  /** Whether a watch set on `key` (seeing `before`) fires when a later commit does `change`. */
  const fires = (
    before: string | undefined,
    change: (tn: FdbDatabase.Transaction) => Effect.Effect<void, FdbError.FdbError>
  ) =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      if (before !== undefined) yield* db.transact((tn) => tn.set(bytes("w"), bytes(before)))
      const watch = yield* db.transact((tn) => Effect.andThen(tn.get(bytes("w")), tn.watch(bytes("w"))))
      const fiber = yield* Effect.forkChild(watch.changed, { startImmediately: true })
      yield* db.transact(change)
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      const done = fiber.pollUnsafe() !== undefined
      yield* Fiber.interrupt(fiber)
      return done
    })

  it.effect("a watch fires when the value differs, not when it is written again unchanged", () =>
    Effect.gen(function*() {
      expect(yield* fires("ab", (tn) => tn.set(bytes("w"), bytes("ab")))).toBe(false)
      expect(yield* fires("ab", (tn) => tn.set(bytes("w"), bytes("ac")))).toBe(true)
      expect(yield* fires("ab", (tn) => tn.set(bytes("w"), bytes("abc")))).toBe(true)
      expect(yield* fires("ab", (tn) => tn.set(bytes("w"), bytes("a")))).toBe(true)
      expect(yield* fires("ab", (tn) => tn.clear(bytes("w")))).toBe(true)
      expect(yield* fires(undefined, (tn) => tn.set(bytes("w"), bytes("")))).toBe(true)
      expect(yield* fires(undefined, (tn) => tn.clear(bytes("w")))).toBe(false)
      expect(yield* fires("ab", (tn) => tn.set(bytes("x"), bytes("ac")))).toBe(false)
    }))

  it.effect("watches of one key that saw different values fire each on its own change", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const watchSeeing = (value: string) =>
        Effect.gen(function*() {
          yield* db.transact((tn) => tn.set(bytes("w"), bytes(value)))
          const watch = yield* db.transact((tn) => Effect.andThen(tn.get(bytes("w")), tn.watch(bytes("w"))))
          return yield* Effect.forkChild(watch.changed, { startImmediately: true })
        })
      const sawA = yield* watchSeeing("a")
      // (the change to "b" fires the first watch; the second one is set seeing "b")
      const sawB = yield* watchSeeing("b")
      yield* Fiber.join(sawA)
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("b")))
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      expect(sawB.pollUnsafe()).toBeUndefined()
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("c")))
      yield* Fiber.join(sawB)
    }))

  it.effect("a watch counts against the 10,000 outstanding until it fires, once, however often its key is written", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("0")))
      const first = yield* db.transact((tn) => Effect.andThen(tn.get(bytes("w")), tn.watch(bytes("w"))))
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("0"))) // unchanged: still outstanding
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("1"))) // fires
      yield* first.changed
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("2"))) // no watch left on it
      // 10,001 new watches (on another key): the last is one too many
      const watches = yield* db.transact((tn) =>
        Effect.andThen(tn.get(bytes("v")), Effect.forEach(Array.from({ length: 10_001 }, () => 0), () => tn.watch(bytes("v"))))
      )
      const last = yield* Effect.forkChild(Effect.exit(watches[10_000]!.changed), { startImmediately: true })
      for (let i = 0; i < 3; i++) yield* Effect.yieldNow
      const polled = last.pollUnsafe()
      expect(polled !== undefined && Exit.isSuccess(polled) ? codeOf(polled.value) : "still pending").toBe(1032)
      for (const w of watches) yield* w.cancel
    }))

  it.effect("fired watches no longer count against the 10,000 outstanding", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(bytes("w"), bytes("0")))
      for (let round = 1; round <= 2; round++) {
        const watches = yield* db.transact((tn) =>
          Effect.andThen(tn.get(bytes("w")), Effect.forEach(Array.from({ length: 10_000 }, () => 0), () => tn.watch(bytes("w"))))
        )
        yield* db.transact((tn) => tn.set(bytes("w"), bytes(String(round))))
        const exits = yield* Effect.forEach(watches, (w) => Effect.exit(w.changed))
        expect(exits.filter(Exit.isSuccess)).toHaveLength(10_000)
      }
    }))
})

describe("FdbSimulator delays", () => {
  /** How many times a busy fiber ran while one read of a transaction was in flight, per transaction. */
  const yieldsPerRead = (faults: FdbSimulator.Faults, transactions: number) =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({ seed: 3, faults })
      yield* db.transact((tn) => tn.set(bytes("a"), bytes("1")))
      let ticks = 0
      const counts: Array<number> = []
      const busy = yield* Effect.forkChild(
        Effect.forever(Effect.andThen(Effect.sync(() => ticks++), Effect.yieldNow)),
        { startImmediately: true }
      )
      for (let i = 0; i < transactions; i++) {
        yield* db.transact((tn) =>
          Effect.gen(function*() {
            const before = ticks
            yield* tn.get(bytes("a"), { snapshot: true })
            counts.push(ticks - before)
          })
        )
      }
      yield* Fiber.interrupt(busy)
      return { counts, delays: (yield* control.stats).delays }
    })

  it.effect("a delay is 1 to maxDelayYields extra scheduler yields, drawn per read or commit", () =>
    Effect.gen(function*() {
      // (the busy fiber runs once per two yields of the reader: a read yields once, a delayed one 1 + n times)
      const none = yield* yieldsPerRead({}, 20)
      expect(none.delays).toBe(0)
      expect(new Set(none.counts)).toEqual(new Set([0]))
      const always = yield* yieldsPerRead({ delay: 1, maxDelayYields: 8 }, 200)
      // one delay per read and per commit (the setup's, then each transaction's read and read-only commit)
      expect(always.delays).toBe(1 + 2 * 200)
      expect(new Set(always.counts)).toEqual(new Set([1, 2, 3, 4, 5]))
      const shortest = yield* yieldsPerRead({ delay: 1, maxDelayYields: 1 }, 50)
      expect(new Set(shortest.counts)).toEqual(new Set([1]))
      // 20 yields at most by default
      const byDefault = yield* yieldsPerRead({ delay: 1 }, 400)
      expect(Math.max(...byDefault.counts)).toBe(11)
      expect(Math.min(...byDefault.counts)).toBe(1)
      const sometimes = yield* yieldsPerRead({ delay: 0.5 }, 200)
      expect(sometimes.delays).toBeGreaterThan(120)
      expect(sometimes.delays).toBeLessThan(280)
      expect(sometimes.counts.filter((c) => c === 0).length).toBeGreaterThan(20)
    }))
})

describe("FdbSimulator faults and interruptions", () => {
  it.effect("faults: true is the default mix; false and absent inject none", () =>
    Effect.gen(function*() {
      const run = (faults: boolean | undefined, set?: boolean) =>
        Effect.gen(function*() {
          const { control, database: db } = FdbSimulator.make({ seed: 9, faults })
          if (set !== undefined) yield* control.setFaults(set)
          for (let i = 0; i < 200; i++) yield* Effect.exit(db.transact((tn) => tn.set(bytes("k"), bytes("v")), once))
          return yield* control.stats
        })
      for (const stats of [yield* run(true), yield* run(false, true)]) {
        expect(stats.injectedNotCommitted).toBeGreaterThan(2)
        expect(stats.unknownResultCommitted + stats.unknownResultDeferred + stats.unknownResultNotCommitted).toBeGreaterThan(2)
        expect(stats.delays).toBeGreaterThan(30)
      }
      for (const stats of [yield* run(false), yield* run(undefined), yield* run(true, false)]) {
        expect([stats.injectedNotCommitted, stats.unknownResultDeferred, stats.delays, stats.commits]).toEqual([0, 0, 0, 200])
      }
    }))

  it.effect("a transaction interrupted before it commits writes nothing, ever", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const fiber = yield* Effect.forkChild(
        db.transact((tn) => Effect.andThen(tn.set(bytes("a"), bytes("1")), Effect.never)),
        { startImmediately: true }
      )
      for (let i = 0; i < 3; i++) yield* Effect.yieldNow
      yield* Fiber.interrupt(fiber)
      yield* control.settle
      yield* db.transact((tn) => tn.set(bytes("b"), bytes("2")))
      expect((yield* control.dump).map((r) => str(r.key))).toEqual(["b"])
      expect((yield* control.stats).unknownResultDeferred).toBe(0)
    }))
})

describe("FdbSimulator commit size, as FoundationDB counts it", () => {
  // 28 bytes per mutation, 24 per conflict range (NativeAPI `expectedSize()`), written out
  const mutation = (key: number, value: number) => 28 + key + value
  const range = (begin: number, end: number) => 24 + begin + end
  /** The size of the commit `body` makes, read off the virtual time of a profile charging 1 ms per byte only. */
  const sizeOf = (body: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>) =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({ costs: { ...FdbSimulator.freeCosts, commitPerByte: 1 } })
      yield* db.transact((tn) =>
        Effect.forEach(["a", "b", "c", "d", "e"], (k) => tn.set(bytes(k), bytes("1")), { discard: true })
      )
      yield* control.resetStats
      yield* db.transact(body, once)
      return (yield* control.durations)[0]
    })

  it.effect("sets: the last value of a key counts, with its write conflict range", () =>
    Effect.gen(function*() {
      expect(yield* sizeOf((tn) => tn.set(bytes("kk"), bytes("vvv")))).toBe(mutation(2, 3) + range(2, 3))
      expect(yield* sizeOf((tn) => Effect.andThen(tn.set(bytes("kk"), bytes("vvvvvvvv")), tn.set(bytes("kk"), bytes("v")))))
        .toBe(mutation(2, 1) + range(2, 3))
      // two keys: adjacent write ranges do not merge unless they touch
      expect(yield* sizeOf((tn) => Effect.andThen(tn.set(bytes("k"), bytes("v")), tn.set(bytes("m"), bytes("v")))))
        .toBe(2 * mutation(1, 1) + 2 * range(1, 2))
      expect(yield* sizeOf((tn) => Effect.andThen(tn.set(bytes("k"), bytes("v")), tn.set(bytes("k\x00"), bytes("v")))))
        .toBe(mutation(1, 1) + mutation(2, 1) + range(1, 3))
    }))

  it.effect("clears: a clear replaces the set of its key; a range clear the sets inside it, not at its end", () =>
    Effect.gen(function*() {
      // a clear is a range clear of [key, key + 00)
      expect(yield* sizeOf((tn) => Effect.andThen(tn.set(bytes("kk"), bytes("vvv")), tn.clear(bytes("kk")))))
        .toBe(mutation(2, 3) + range(2, 3))
      expect(yield* sizeOf((tn) =>
        Effect.gen(function*() {
          yield* tn.set(bytes("a"), bytes("12"))
          yield* tn.set(bytes("b"), bytes("123"))
          yield* tn.set(bytes("bb"), bytes("123"))
          yield* tn.set(bytes("d"), bytes("123"))
          yield* tn.clearRange(bytes("b"), bytes("d"))
        })
      )).toBe(mutation(1, 2) + range(1, 2) + mutation(1, 1) + mutation(1, 3) + range(1, 2))
      // overlapping and touching clears coalesce into one
      expect(yield* sizeOf((tn) =>
        Effect.gen(function*() {
          yield* tn.clearRange(bytes("b"), bytes("d"))
          yield* tn.clearRange(bytes("c"), bytes("e"))
          yield* tn.clear(bytes("e"))
        })
      )).toBe(mutation(1, 2) + range(1, 2))
      // a set after a clear of its key counts as a set, next to the clear
      expect(yield* sizeOf((tn) => Effect.andThen(tn.clearRange(bytes("b"), bytes("d")), tn.set(bytes("c"), bytes("12")))))
        .toBe(mutation(1, 1) + mutation(1, 2) + range(1, 1))
    }))

  it.effect("versionstamped keys and values count their 4-byte offset; only a stamped value has a write conflict range", () =>
    Effect.gen(function*() {
      const stamped = new Uint8Array(12)
      expect(yield* sizeOf((tn) => tn.setVersionstampedKey(stamped, 0, bytes("vv")))).toBe(mutation(12, 2) + 4)
      expect(yield* sizeOf((tn) => tn.setVersionstampedValue(bytes("kk"), new Uint8Array(12), 0)))
        .toBe(mutation(2, 12) + 4 + range(2, 3))
      // a set then a stamped value on one key: the stamped value counts
      expect(yield* sizeOf((tn) =>
        Effect.andThen(tn.set(bytes("kk"), bytes("vvvvvvvvvvvvvvvvvvvv")), tn.setVersionstampedValue(bytes("kk"), new Uint8Array(12), 0))
      )).toBe(mutation(2, 12) + 4 + range(2, 3))
    }))

  it.effect("read conflict ranges count, coalesced; snapshot reads add none", () =>
    Effect.gen(function*() {
      const write = mutation(1, 1) + range(1, 2)
      const w = (tn: FdbDatabase.Transaction) => tn.set(bytes("z"), bytes("1"))
      expect(yield* sizeOf((tn) => Effect.andThen(tn.get(bytes("abc")), w(tn)))).toBe(write + range(3, 4))
      expect(yield* sizeOf((tn) => Effect.andThen(tn.get(bytes("abc"), { snapshot: true }), w(tn)))).toBe(write)
      expect(yield* sizeOf((tn) =>
        Effect.gen(function*() {
          yield* tn.get(bytes("b"))
          yield* tn.get(bytes("b"))
          yield* tn.getRange(bytes("a"), bytes("c"))
          yield* tn.addReadConflictRange(bytes("c"), bytes("dd"))
          yield* w(tn)
        })
      )).toBe(write + range(1, 2))
    }))

  it.effect("range bounds longer than the key limit count as cut to the limit + 1 byte, as the client sends them", () =>
    Effect.gen(function*() {
      const max = FdbError.fdbLimits.maxKeyBytes
      const long = (n: number) => new Uint8Array(n).fill(0x01)
      expect(yield* sizeOf((tn) => tn.clearRange(long(max + 5), bytes("\x02"))))
        .toBe(mutation(max + 1, 1) + range(max + 1, 1))
      expect(yield* sizeOf((tn) => tn.clearRange(bytes("\x00"), long(max + 1))))
        .toBe(mutation(1, max + 1) + range(1, max + 1))
      expect(yield* sizeOf((tn) => Effect.andThen(tn.addReadConflictRange(bytes("\x00"), long(max + 2)), tn.set(bytes("z"), bytes("1")))))
        .toBe(mutation(1, 1) + range(1, 2) + range(1, max + 1))
      // cutting changes no key's fate: the longest key just below the cut bound stays
      const { database: db } = FdbSimulator.make()
      const kept = Uint8Array.from([...long(max - 1), 0x00])
      const gone = Uint8Array.from([...long(max - 1), 0x01])
      yield* db.transact((tn) => Effect.andThen(tn.set(kept, bytes("k")), tn.set(gone, bytes("g"))))
      yield* db.transact((tn) => tn.clearRange(Uint8Array.from([...long(max - 1), 0x00, 0x00, 0x00]), bytes("\x02")))
      const left = yield* db.transact((tn) => tn.getRange(bytes("\x00"), bytes("\x02")))
      expect(left.map((r) => str(r.value))).toEqual(["k"])
    }))
})

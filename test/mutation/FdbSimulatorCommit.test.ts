/**
 * The simulator's write side and commit path, rule by rule, against what a
 * FoundationDB cluster (and its client) does: argument checks of each write
 * and their error codes, read conflict ranges and their exact bounds, the
 * conflict check against commits after the read version, versionstamps,
 * watches, read-only commits, the age (1007) and timeout (1031) checks at
 * commit, the retry loop and its backoff, the virtual time and counters that
 * `stats` reports, and the control surface (`settle`, `dump`, `version`).
 * Faults come from fixed seeds.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import type * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import type * as FdbError from "fairway/Fdb/FdbError"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import { codeOf, costs, failureOf, k, once, s, waiting } from "./FdbSimulatorKit.ts"

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill)

const dumpOf = (control: FdbSimulator.FdbSimulatorShape) =>
  Effect.map(control.dump, (rows) => rows.map((r) => `${s(r.key)}=${s(r.value)}`))

/**
 * Runs `body` (reads and writes of transaction A), then, on its first attempt only, commits `other` meanwhile,
 * then lets A write `\x01` and commit once: the exit of A.
 */
const race = (
  db: FdbDatabase.FdbDatabaseShape,
  body: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>,
  other: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>
) => {
  let first = true
  return Effect.exit(db.transact((tn) =>
    Effect.gen(function*() {
      yield* body(tn)
      if (first) {
        first = false
        yield* db.transact(other)
      }
      yield* tn.set(k("\x01"), k("1")) // below every key the tests read
    }), once))
}

describe("writes: argument checks as the client makes them", () => {
  it.effect("keys: at or above \\xff 2004, over 10,000 bytes 2102 (the key checked before the value)", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const run = (body: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>) =>
        Effect.map(Effect.exit(db.transact(body, once)), codeOf)
      expect(yield* run((tn) => tn.set(k("\xff"), k("v")))).toBe(2004)
      expect(yield* run((tn) => tn.set(k("\xff\x00"), k("v")))).toBe(2004)
      expect(yield* run((tn) => tn.set(bytes(10_001, 0xff), k("v")))).toBe(2004)
      expect(yield* run((tn) => tn.set(bytes(10_001), k("v")))).toBe(2102)
      expect(yield* run((tn) => tn.set(bytes(10_001), bytes(100_001)))).toBe(2102)
      expect(yield* run((tn) => tn.set(k("a"), bytes(100_001)))).toBe(2103)
      const tooLarge = failureOf(yield* Effect.exit(db.transact((tn) => tn.set(bytes(10_001), k("v")), once)))
      expect(tooLarge?.reason).toContain("10001")
      const valueTooLarge = failureOf(yield* Effect.exit(db.transact((tn) => tn.set(k("a"), bytes(100_001)), once)))
      expect(valueTooLarge?.reason).toContain("100001")
      expect(yield* control.dump).toEqual([])
      // at the limits, and the empty key and a key just under \xff, are fine
      yield* db.transact((tn) =>
        Effect.all([
          tn.set(bytes(10_000), bytes(100_000)),
          tn.set(k(""), k("empty")),
          tn.set(k("\xfe\xff"), k("top"))
        ]))
      expect((yield* dumpOf(control)).map((row) => row.slice(0, 3))).toEqual(["=em", "\x01\x01\x01", "\xfe\xff="])
    }))

  it.effect("clear: a system key fails with 2004; a key over the limit is ignored (no mutation, no commit)", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.clear(k("\xff")), once)))).toBe(2004)
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.clear(bytes(10_001, 0xff)), once)))).toBe(2004)
      yield* db.transact((tn) => Effect.all([tn.set(bytes(10_000), k("v")), tn.set(k("\x00"), k("z"))]))
      const before = yield* control.version
      yield* control.resetStats
      // no key can be longer than the limit: nothing to clear, nothing sent
      const stamp = yield* db.transact((tn) => Effect.andThen(tn.clear(bytes(10_001)), tn.getVersionstamp))
      expect(codeOf(yield* Effect.exit(stamp))).toBe(2021)
      expect(yield* control.version).toBe(before)
      expect((yield* control.stats).readOnlyCommits).toBe(1)
      // a key at the limit, and a key starting with \x00, are cleared
      yield* db.transact((tn) => Effect.all([tn.clear(bytes(10_000)), tn.clear(k("\x00"))]))
      expect(yield* control.dump).toEqual([])
      expect((yield* control.stats).mutations).toBe(2)
    }))

  it.effect("clearRange: bounds past \\xff 2004, inverted 2005, empty is no mutation; pending writes inside go", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const run = (b: string, e: string) =>
        Effect.map(Effect.exit(db.transact((tn) => tn.clearRange(k(b), k(e)), once)), codeOf)
      expect(yield* run("a", "\xff\x00")).toBe(2004)
      expect(yield* run("\xff\x00", "\xff\x01")).toBe(2004)
      expect(yield* run("b", "a")).toBe(2005)
      expect(yield* run("a", "\xff")).toBeUndefined()
      expect(yield* run("\xff", "\xff")).toBeUndefined()
      yield* control.resetStats
      expect(yield* run("b", "b")).toBeUndefined()
      expect((yield* control.stats).readOnlyCommits).toBe(1)
      yield* db.transact((tn) => Effect.all(["a", "b", "c", "d"].map((key) => tn.set(k(key), k(key)))))
      yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.set(k("bb"), k("new"))
          yield* tn.set(k("b"), k("new"))
          yield* tn.set(k("d"), k("new"))
          yield* tn.set(k("e"), k("new"))
          yield* tn.clearRange(k("b"), k("d"))
          expect(s(yield* tn.get(k("b")))).toBeUndefined()
          expect(s(yield* tn.get(k("d")))).toBe("new")
          expect(s(yield* tn.get(k("bb")))).toBeUndefined()
          expect(s(yield* tn.get(k("e")))).toBe("new")
          expect((yield* tn.getRange(k("a"), k("z"))).map((r) => s(r.key))).toEqual(["a", "d", "e"])
        }))
      expect(yield* dumpOf(control)).toEqual(["a=a", "d=new", "e=new"])
    }))

  it.effect("clearRange and conflict ranges with bounds over the key limit are cut to 10,001 bytes, as the client does", () =>
    Effect.gen(function*() {
      // the commit's size (as FoundationDB counts it) shows as virtual time: one millisecond a byte
      const { control, database: db } = FdbSimulator.make({ costs: costs({ commitPerByte: 1 }) })
      yield* db.transact((tn) => tn.set(bytes(10_000), k("v")))
      yield* control.resetStats
      yield* db.transact((tn) => tn.clearRange(k("\x01"), bytes(30_000)))
      expect(yield* control.dump).toEqual([])
      yield* db.transact((tn) => tn.clearRange(k("\x01"), bytes(10_001)))
      yield* db.transact((tn) => Effect.andThen(tn.addReadConflictRange(k("\x01"), bytes(30_000)), tn.set(k("a"), k("v"))))
      yield* db.transact((tn) => Effect.andThen(tn.addReadConflictRange(k("\x01"), bytes(10_001)), tn.set(k("a"), k("v"))))
      const [cut, limit, readCut, readLimit] = yield* control.durations
      expect(cut).toBe(limit)
      expect(readCut).toBe(readLimit)
      // mutation + its write conflict range: 28 + (1 + 10,001) + 24 + (1 + 10,001)
      expect(cut).toBe(28 + 10_002 + 24 + 10_002)
      // a set (28 + 1 + 1, its write range 24 + 1 + 2) and the read range 24 + 1 + 10,001 (a read version first)
      expect(readCut).toBe(30 + 27 + 24 + 10_002)
    }))

  it.effect("versionstamp offsets: an integer with its 10 bytes inside the key or value, else 2000", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const run = (body: (tn: FdbDatabase.Transaction) => Effect.Effect<unknown, FdbError.FdbError>) =>
        Effect.map(Effect.exit(db.transact(body, once)), codeOf)
      for (const offset of [-1, 1.5, 3, Number.NaN]) {
        expect(yield* run((tn) => tn.setVersionstampedKey(bytes(12), offset, k("v")))).toBe(2000)
        expect(yield* run((tn) => tn.setVersionstampedValue(k("a"), bytes(12), offset))).toBe(2000)
      }
      expect(yield* run((tn) => tn.setVersionstampedKey(bytes(12, 0xff), 0, k("v")))).toBe(2004)
      expect(yield* run((tn) => tn.setVersionstampedKey(bytes(10_001), 0, k("v")))).toBe(2102)
      expect(yield* run((tn) => tn.setVersionstampedKey(bytes(12), 0, bytes(100_001)))).toBe(2103)
      expect(yield* run((tn) => tn.setVersionstampedValue(k("\xff"), bytes(12), 0))).toBe(2004)
      expect(yield* run((tn) => tn.setVersionstampedValue(bytes(10_001), bytes(12), 0))).toBe(2102)
      expect(yield* run((tn) => tn.setVersionstampedValue(k("a"), bytes(100_001), 0))).toBe(2103)
      expect(yield* control.dump).toEqual([])
      // the last 10 bytes, and the whole key or value
      expect(yield* run((tn) => tn.setVersionstampedKey(bytes(12, 7), 2, k("v")))).toBeUndefined()
      expect(yield* run((tn) => tn.setVersionstampedValue(k("b"), bytes(10), 0))).toBeUndefined()
      expect((yield* control.dump).length).toBe(2)
    }))
})

describe("reads", () => {
  it.effect("a point read of \\xff itself fails with 2004; an inverted range reads nothing (no error)", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.get(k("\xff")), once)))).toBe(2004)
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.get(k("\xfe\xff")), once)))).toBeUndefined()
      yield* db.transact((tn) => Effect.all([tn.set(k("a"), k("1")), tn.set(k("b"), k("1"))]))
      expect(yield* db.transact((tn) => tn.getRange(k("b"), k("a")))).toEqual([])
      expect(yield* db.transact((tn) => tn.getRange(k("a"), k("a")))).toEqual([])
      // maxBytes 0 is no limit
      expect((yield* db.transact((tn) => tn.getRange(k("a"), k("z"), { maxBytes: 0 }))).length).toBe(2)
      // a begin past \xff is refused even when the end is below it
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.getRange(k("\xff\x01"), k("a")), once)))).toBe(2004)
      // an empty range records no conflict range, even inside a cleared range
      expect(codeOf(yield* race(db, (tn) => tn.getRange(k("b"), k("b")), (o) => o.clearRange(k("a"), k("c")))))
        .toBeUndefined()
    }))

  it.effect("a range read merges pending writes with stored keys in order, forward and reverse, end excluded", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => Effect.all(["b", "d", "f"].map((key) => tn.set(k(key), k("stored")))))
      const rows = yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* Effect.all(["a", "c", "d", "e", "g"].map((key) => tn.set(k(key), k("pending"))))
          const show = (r: ReadonlyArray<FdbDatabase.KeyValue>) => r.map((row) => `${s(row.key)}=${s(row.value)?.[0]}`)
          return [
            show(yield* tn.getRange(k("a"), k("g"))),
            show(yield* tn.getRange(k("a"), k("g"), { reverse: true })),
            show(yield* tn.getRange(k("b"), k("e"), { limit: 2 }))
          ]
        }))
      expect(rows).toEqual([
        ["a=p", "b=s", "c=p", "d=p", "e=p", "f=s"],
        ["f=s", "e=p", "d=p", "c=p", "b=s", "a=p"],
        ["b=s", "c=p"]
      ])
    }))

  it.effect("writes copy their bytes: a buffer changed after the call changes nothing", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      yield* db.transact((tn) =>
        Effect.gen(function*() {
          const value = k("v1")
          yield* tn.set(k("a"), value)
          const key = k("K__________")
          const stamped = k("V__________")
          yield* tn.setVersionstampedKey(key, 1, value)
          yield* tn.setVersionstampedValue(k("b"), stamped, 1)
          value[1] = 0x39
          key[0] = 0x4c
          stamped[0] = 0x57
        }))
      const rows = (yield* control.dump).map((r) => `${s(r.key)?.[0]}=${s(r.value)?.[0]}${s(r.value)?.[1]}`)
      expect(rows).toEqual(["K=v1", "a=v1", "b=V\x00"])
    }))
})

describe("versionstamps", () => {
  it.effect("8 bytes of commit version (big-endian) then 2 bytes of batch order, in keys, values and getVersionstamp", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("first"), k("1")))
      yield* db.transact((tn) => tn.set(k("second"), k("2")))
      expect(yield* control.version).toBe(2)
      const stamp = yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.setVersionstampedKey(k("K__________!"), 1, k("key"))
          yield* tn.setVersionstampedValue(k("V"), k("<__________>"), 1)
          return yield* tn.getVersionstamp
        }))
      const expected = "\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00"
      expect(s(yield* stamp)).toBe(expected)
      expect(yield* control.version).toBe(3)
      const rows = yield* dumpOf(control)
      expect(rows).toContain(`K${expected}!=key`)
      expect(rows).toContain(`V=<${expected}>`)
      expect((yield* control.stats).mutations).toBe(4)
    }))

  it.effect("a versionstamped value makes its key unreadable in its own transaction (1036), pending set or not", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("b"), k("old")))
      const get = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.set(k("b"), k("pending"))
          yield* tn.setVersionstampedValue(k("b"), bytes(10), 0)
          return yield* tn.get(k("b"))
        }), once))
      expect(codeOf(get)).toBe(1036)
      const range = yield* Effect.exit(db.transact((tn) =>
        Effect.andThen(tn.setVersionstampedValue(k("b"), bytes(10), 0), tn.getRange(k("a"), k("c"))), once))
      expect(codeOf(range)).toBe(1036)
      // keys beside it stay readable
      const beside = yield* db.transact((tn) =>
        Effect.andThen(
          tn.setVersionstampedValue(k("b"), bytes(10), 0),
          Effect.all([tn.get(k("a")), tn.get(k("b\x00")), tn.getRange(k("c"), k("d"))])
        ))
      expect(beside).toEqual([undefined, undefined, []])
    }))

  it.effect("a transaction that did not commit: its versionstamp fails with its error", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make({ faults: { notCommitted: 1 } })
      let stamp: Effect.Effect<Uint8Array, FdbError.FdbError> | undefined
      const exit = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.set(k("a"), k("1"))
          stamp = yield* tn.getVersionstamp
        }), once))
      expect(codeOf(exit)).toBe(1020)
      expect(codeOf(yield* Effect.exit(stamp!))).toBe(1020)
    }))
})

describe("a finished transaction", () => {
  it.effect("every operation on it fails with transaction_cancelled (1025)", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const tn = yield* db.transact((tn) => Effect.as(tn.set(k("a"), k("1")), tn))
      const ops: ReadonlyArray<Effect.Effect<unknown, FdbError.FdbError>> = [
        tn.get(k("a")),
        tn.getRange(k("a"), k("b")),
        tn.set(k("a"), k("2")),
        tn.clear(k("a")),
        tn.clearRange(k("a"), k("b")),
        tn.setVersionstampedKey(bytes(10), 0, k("v")),
        tn.setVersionstampedValue(k("a"), bytes(10), 0),
        tn.addReadConflictRange(k("a"), k("b")),
        tn.watch(k("a"))
      ]
      for (const op of ops) expect(codeOf(yield* Effect.exit(op))).toBe(1025)
      // a system key too: the transaction is checked first
      expect(codeOf(yield* Effect.exit(tn.watch(k("\xff"))))).toBe(1025)
      // so is an attempt that failed
      let failedTn: FdbDatabase.Transaction | undefined
      const failing = FdbSimulator.make({ faults: { notCommitted: 1 } })
      yield* Effect.exit(failing.database.transact((tn) => {
        failedTn = tn
        return tn.set(k("a"), k("1"))
      }, once))
      expect(codeOf(yield* Effect.exit(failedTn!.get(k("a"))))).toBe(1025)
      // a read-only transaction is finished alike
      const readOnly = yield* db.transact((tn) => Effect.as(tn.get(k("a")), tn))
      expect(codeOf(yield* Effect.exit(readOnly.get(k("a"))))).toBe(1025)
      expect(codeOf(yield* Effect.exit(readOnly.set(k("a"), k("2"))))).toBe(1025)
      const failed = yield* Effect.exit(db.transact((tn) => Effect.andThen(tn.set(k("b"), k("1")), Effect.fail("boom"))))
      expect(Exit.isFailure(failed)).toBe(true)
    }))
})

describe("read conflict ranges and the conflict check", () => {
  it.effect("a point read conflicts with a write of that key only, not of the next key", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("k"), k("0")))
      expect(codeOf(yield* race(db, (tn) => tn.get(k("k")), (o) => o.set(k("k\x00"), k("1"))))).toBeUndefined()
      expect(codeOf(yield* race(db, (tn) => tn.get(k("k")), (o) => o.set(k("k"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, (tn) => tn.get(k("k")), (o) => o.clear(k("k"))))).toBe(1020)
      // a snapshot read records nothing
      expect(codeOf(yield* race(db, (tn) => tn.get(k("k"), { snapshot: true }), (o) => o.set(k("k"), k("2")))))
        .toBeUndefined()
      const stats = yield* control.stats
      expect(stats.conflicts).toBe(2)
      expect(stats.injectedNotCommitted).toBe(0)
    }))

  it.effect("a conflict range is [begin, end): a write at begin conflicts, at end not; clears of ranges that meet it", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      // (a snapshot read first, for a read version: without one a transaction gets it at commit)
      const read = (tn: FdbDatabase.Transaction) =>
        Effect.andThen(tn.get(k("\x00"), { snapshot: true }), tn.addReadConflictRange(k("b"), k("d")))
      expect(codeOf(yield* race(db, read, (o) => o.set(k("b"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, read, (o) => o.set(k("c\xff"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, read, (o) => o.set(k("d"), k("1"))))).toBeUndefined()
      expect(codeOf(yield* race(db, read, (o) => o.set(k("a\xff"), k("1"))))).toBeUndefined()
      expect(codeOf(yield* race(db, read, (o) => o.clearRange(k("d"), k("e"))))).toBeUndefined()
      expect(codeOf(yield* race(db, read, (o) => o.clearRange(k("a"), k("b"))))).toBeUndefined()
      expect(codeOf(yield* race(db, read, (o) => o.clearRange(k("a"), k("b\x00"))))).toBe(1020)
      expect(codeOf(yield* race(db, read, (o) => o.clearRange(k("c\xff"), k("e"))))).toBe(1020)
      expect(codeOf(yield* race(db, read, (o) => o.clearRange(k("a"), k("z"))))).toBe(1020)
      // a range read alike, and an empty conflict range is none
      expect(codeOf(yield* race(db, (tn) => tn.getRange(k("b"), k("d")), (o) => o.clearRange(k("c"), k("c\x00")))))
        .toBe(1020)
      expect(codeOf(yield* race(db, (tn) => Effect.andThen(tn.get(k("\x00"), { snapshot: true }), tn.addReadConflictRange(k("b"), k("b"))), (o) => o.clearRange(k("a"), k("c")))))
        .toBeUndefined()
    }))

  it.effect("addReadConflictRange checks its bounds: past \\xff 2004, inverted 2005", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const run = (b: string, e: string) =>
        Effect.map(Effect.exit(db.transact((tn) => tn.addReadConflictRange(k(b), k(e)), once)), codeOf)
      expect(yield* run("a", "\xff\x00")).toBe(2004)
      expect(yield* run("\xff\x01", "\xff\x02")).toBe(2004)
      expect(yield* run("b", "a")).toBe(2005)
      expect(yield* run("a", "\xff")).toBeUndefined()
    }))

  it.effect("a range read stopped by its limit (forward or reverse) conflicts only up to the last key returned", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => Effect.all(["b", "c", "d", "e"].map((key) => tn.set(k(key), k(key)))))
      const forward = (tn: FdbDatabase.Transaction) => tn.getRange(k("a"), k("z"), { limit: 2 })
      expect(codeOf(yield* race(db, forward, (o) => o.set(k("c"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, forward, (o) => o.set(k("c\x00"), k("1"))))).toBeUndefined()
      expect(codeOf(yield* race(db, forward, (o) => o.set(k("a"), k("1"))))).toBe(1020)
      const reverse = (tn: FdbDatabase.Transaction) => tn.getRange(k("a"), k("z"), { limit: 2, reverse: true })
      expect(codeOf(yield* race(db, reverse, (o) => o.set(k("d"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, reverse, (o) => o.set(k("y"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, reverse, (o) => o.set(k("c\xff"), k("1"))))).toBeUndefined()
      // exactly as many rows as the limit: the read stopped at its limit
      const exact = (tn: FdbDatabase.Transaction) => tn.getRange(k("b"), k("z"), { limit: 4 })
      expect(codeOf(yield* race(db, exact, (o) => o.set(k("e\x00"), k("1"))))).toBeUndefined()
      // fewer rows than the limit: the whole range
      const short = (tn: FdbDatabase.Transaction) => tn.getRange(k("b"), k("z"), { limit: 10 })
      expect(codeOf(yield* race(db, short, (o) => o.set(k("y"), k("1"))))).toBe(1020)
      // a limit that found nothing: the whole range too
      const empty = (tn: FdbDatabase.Transaction) => tn.getRange(k("f"), k("g"), { limit: 1 })
      expect(codeOf(yield* race(db, empty, (o) => o.set(k("f\x01"), k("1"))))).toBe(1020)
      const snapshot = (tn: FdbDatabase.Transaction) => tn.getRange(k("a"), k("z"), { snapshot: true })
      expect(codeOf(yield* race(db, snapshot, (o) => o.set(k("c"), k("1"))))).toBeUndefined()
    }))

  it.effect("versionstamped keys and values conflict with the readers of where they land", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const stampedKey = (o: FdbDatabase.Transaction) => o.setVersionstampedKey(k("K0123456789"), 1, k("v"))
      expect(codeOf(yield* race(db, (tn) => tn.getRange(k("K"), k("L")), stampedKey))).toBe(1020)
      expect(codeOf(yield* race(db, (tn) => tn.getRange(k("A"), k("B")), stampedKey))).toBeUndefined()
      const stampedValue = (o: FdbDatabase.Transaction) => o.setVersionstampedValue(k("V"), k("0123456789"), 0)
      expect(codeOf(yield* race(db, (tn) => tn.get(k("V")), stampedValue))).toBe(1020)
      expect(codeOf(yield* race(db, (tn) => tn.get(k("W")), stampedValue))).toBeUndefined()
    }))

  it.effect("a commit at the reader's read version is not after it; a commit after it is", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("k"), k("0")))
      // an older reader stays open, so the commit log keeps every commit since its read version
      const exit = yield* db.transact((old) =>
        Effect.gen(function*() {
          yield* old.get(k("other"))
          yield* db.transact((tn) => tn.set(k("k"), k("1")))
          // read version = the version of that commit: no conflict with it
          const seen = yield* db.transact((tn) =>
            Effect.gen(function*() {
              const value = yield* tn.get(k("k"))
              yield* tn.set(k("y"), k("1"))
              return s(value)
            }), once)
          expect(seen).toBe("1")
          // a transaction that never read gets its read version at commit: its conflict ranges meet no later commit
          yield* db.transact((tn) => Effect.andThen(tn.addReadConflictRange(k("k"), k("l")), tn.set(k("y"), k("2"))), once)
          return yield* Effect.exit(race(db, (tn) => tn.get(k("k")), (o) => o.set(k("k"), k("2"))))
        }))
      expect(Exit.isSuccess(exit) && codeOf(exit.value)).toBe(1020)
    }))

  it.effect("the commits a reader still needs are kept when an older reader finishes", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const oldReady = yield* Deferred.make<void>()
      const oldGo = yield* Deferred.make<void>()
      const readerReady = yield* Deferred.make<void>()
      const readerGo = yield* Deferred.make<void>()
      const old = yield* Effect.forkChild(db.transact((tn) =>
        Effect.andThen(tn.get(k("o")), Effect.andThen(Deferred.succeed(oldReady, undefined), Deferred.await(oldGo)))))
      yield* Deferred.await(oldReady)
      yield* db.transact((tn) => tn.set(k("z"), k("1")))
      const reader = yield* Effect.forkChild(Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.get(k("k"))
          yield* Deferred.succeed(readerReady, undefined)
          yield* Deferred.await(readerGo)
          yield* tn.set(k("y"), k("1"))
        }), once)))
      yield* Deferred.await(readerReady)
      // a write of what the reader read, after its read version
      yield* db.transact((tn) => tn.set(k("k"), k("1")))
      // the older reader finishes: the commits before the reader's read version may go, not that write
      yield* Deferred.succeed(oldGo, undefined)
      yield* Fiber.join(old)
      yield* Deferred.succeed(readerGo, undefined)
      expect(codeOf(yield* Fiber.join(reader))).toBe(1020)
    }))

  it.effect("blind writes and read-only transactions never conflict", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      let first = true
      yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.set(k("k"), k("a"))
          if (first) {
            first = false
            yield* db.transact((o) => o.set(k("k"), k("b")))
          }
        }), once)
      first = true
      yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.get(k("k"))
          if (first) {
            first = false
            yield* db.transact((o) => o.set(k("k"), k("c")))
          }
        }), once)
      expect(yield* dumpOf(control)).toEqual(["k=c"])
      expect((yield* control.stats).conflicts).toBe(0)
    }))
})

/** Whether a watch is still pending after the scheduler ran everything ready. */
const pending = (watch: FdbDatabase.Watch) => waiting(watch.changed)

describe("watches", () => {
  it.effect("a watch fires when a later commit changes the value, not when it writes the same value", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("k"), k("1")))
      const watch = yield* db.transact((tn) => Effect.andThen(tn.get(k("k")), tn.watch(k("k"))))
      expect(yield* pending(watch)).toBe(true)
      yield* db.transact((tn) => tn.set(k("k"), k("1")))
      yield* db.transact((tn) => tn.set(k("other"), k("1")))
      expect(yield* pending(watch)).toBe(true)
      yield* db.transact((tn) => tn.set(k("k"), k("2")))
      expect(yield* pending(watch)).toBe(false)
      yield* watch.changed
      // a clear changes it too
      const cleared = yield* db.transact((tn) => tn.watch(k("k")))
      yield* db.transact((tn) => tn.clearRange(k("a"), k("z")))
      yield* cleared.changed
      // a watch on a missing key fires when it is set
      const absent = yield* db.transact((tn) => tn.watch(k("new")))
      expect(yield* pending(absent)).toBe(true)
      yield* db.transact((tn) => tn.set(k("new"), k("")))
      yield* absent.changed
    }))

  it.effect("a watch compares with the value its transaction saw: its read version, or its own write", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("k"), k("1")))
      // changed between the watching transaction's read version and its commit: fires at once
      let first = true
      const stale = yield* db.transact((tn) =>
        Effect.gen(function*() {
          yield* tn.get(k("other"))
          if (first) {
            first = false
            yield* db.transact((o) => o.set(k("k"), k("2")))
          }
          return yield* tn.watch(k("k"))
        }))
      expect(yield* pending(stale)).toBe(false)
      yield* stale.changed
      // a transaction that never read sees the latest value
      const blind = yield* db.transact((tn) => tn.watch(k("k")))
      expect(yield* pending(blind)).toBe(true)
      // its own write: the committed value is what it saw
      const own = yield* db.transact((tn) => Effect.andThen(tn.set(k("k"), k("3")), tn.watch(k("k"))))
      expect(yield* pending(own)).toBe(true)
      expect(yield* pending(blind)).toBe(false)
      yield* db.transact((tn) => tn.set(k("k"), k("4")))
      yield* own.changed
    }))

  it.effect("a cancelled watch fails with operation_cancelled (1101) and never fires; a system key fails with 2004", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const [a, b] = yield* db.transact((tn) => Effect.all([tn.watch(k("k")), tn.watch(k("k"))]))
      yield* a.cancel
      yield* a.cancel
      expect(codeOf(yield* Effect.exit(a.changed))).toBe(1101)
      expect(yield* pending(b)).toBe(true)
      yield* db.transact((tn) => tn.set(k("k"), k("1")))
      yield* b.changed
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.watch(k("\xff")), once)))).toBe(2004)
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.watch(k("\xff\xff")), once)))).toBe(2004)
      // a watch cancelled before its transaction commits is never set
      const early = yield* db.transact((tn) => Effect.tap(tn.watch(k("k")), (w) => w.cancel))
      expect(codeOf(yield* Effect.exit(early.changed))).toBe(1101)
      // a watch on a key starting below \xff is fine
      const low = yield* db.transact((tn) => tn.watch(k("\xfe\xff")))
      expect(yield* pending(low)).toBe(true)
    }))

  it.effect("the watches of an attempt that did not commit fail with its error", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const watches: Array<FdbDatabase.Watch> = []
      const exit = yield* race(db, (tn) =>
        Effect.gen(function*() {
          yield* tn.get(k("k"))
          watches.push(yield* tn.watch(k("w")))
        }), (o) => o.set(k("k"), k("1")))
      expect(codeOf(exit)).toBe(1020)
      expect(codeOf(yield* Effect.exit(watches[0]!.changed))).toBe(1020)
      const tooLarge = yield* Effect.exit(db.transact((tn) =>
        Effect.gen(function*() {
          watches.push(yield* tn.watch(k("w")))
          for (let i = 0; i < 101; i++) yield* tn.set(k(`big${i}`), bytes(100_000))
        })))
      expect(codeOf(tooLarge)).toBe(2101)
      expect(failureOf(tooLarge)?.reason).toContain("bytes")
      expect(codeOf(yield* Effect.exit(watches[1]!.changed))).toBe(2101)
    }))
})

describe("the commit", () => {
  it.effect("a read-only transaction gets no commit version: no version, its versionstamp fails with 2021", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({ costs: costs({ commit: [3, 3] }) })
      const stamp = yield* db.transact((tn) => Effect.andThen(tn.get(k("a")), tn.getVersionstamp))
      expect(codeOf(yield* Effect.exit(stamp))).toBe(2021)
      yield* db.transact(() => Effect.void)
      expect(yield* control.version).toBe(0)
      const stats = yield* control.stats
      expect([stats.readOnlyCommits, stats.commits, stats.transactions, stats.mutations]).toEqual([2, 0, 2, 0])
      // and costs no commit
      expect(yield* control.durations).toEqual([0, 0])
      yield* db.transact((tn) => tn.set(k("a"), k("1")))
      expect(yield* control.version).toBe(1)
      expect((yield* control.durations)[2]).toBe(3)
    }))

  it.effect("virtual time: a get-read-version once (also for a blind write), a commit by its size, reads by their bytes", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make({
        costs: costs({ getReadVersion: [5, 5], commit: [100, 100], commitPerByte: 1000 })
      })
      yield* db.transact((tn) => tn.set(k("a"), k("1")))
      // 5 + 100 + 1000 * (28 + 1 + 1 + 24 + 1 + 2)
      expect((yield* control.durations)[0]).toBe(5 + 100 + 57_000)
      yield* db.transact((tn) => Effect.all([tn.get(k("a")), tn.get(k("b"))]))
      expect((yield* control.durations)[1]).toBe(5)
      const reads = FdbSimulator.make({ costs: costs({ perByte: 1, perKey: 100, read: [7, 7], replyBytes: 4 }) })
      yield* reads.database.transact((tn) => Effect.all([tn.set(k("a"), k("123")), tn.set(k("b"), k("45"))]))
      yield* reads.database.transact((tn) => tn.get(k("a")))
      yield* reads.database.transact((tn) => tn.get(k("zz")))
      // a range of 2 pairs and 7 bytes: 2 replies of at most 4 bytes, 2 keys, 7 bytes
      yield* reads.database.transact((tn) => tn.getRange(k("a"), k("z")))
      yield* reads.database.transact((tn) => tn.getRange(k("c"), k("z")))
      // a watch reads its key's value
      yield* reads.database.transact((tn) => tn.watch(k("a")))
      yield* reads.database.transact((tn) => tn.watch(k("zz")))
      const durations = yield* reads.control.durations
      expect(durations).toEqual([0, 7 + 4, 7 + 2, 7 + 7 + 200 + 7, 7, 7 + 4, 7 + 2])
      const all = yield* reads.control.stats
      expect(all.virtualMillis).toBe(11 + 9 + 221 + 7 + 11 + 9)
      // a copy: later transactions do not change it
      yield* reads.database.transact((tn) => tn.get(k("a")))
      expect(durations.length).toBe(7)
    }))

  it.effect("age: a writing transaction whose read version is older than 5 s fails at commit with 1007; 5 s is fine", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const aged = (millis: number) =>
        Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.get(k("a"))
            yield* TestClock.adjust(millis)
            yield* tn.set(k("a"), k(String(millis)))
          }), once))
      expect(codeOf(yield* aged(5_001))).toBe(1007)
      expect(codeOf(yield* aged(5_000))).toBeUndefined()
      expect(yield* dumpOf(control)).toEqual(["a=5000"])
    }))

  it.effect("timeoutMillis: elapsed before the commit fails with 1031, nothing written; 0 means no timeout", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const late = (timeoutMillis: number, millis: number) =>
        Effect.exit(db.transact((tn) =>
          Effect.andThen(tn.set(k("a"), k(String(millis))), TestClock.adjust(millis)), { timeoutMillis }))
      const timedOut = failureOf(yield* late(100, 101))
      expect(timedOut?.code).toBe(1031)
      expect(timedOut?.unknownResult).toBeUndefined()
      expect(yield* control.dump).toEqual([])
      expect(codeOf(yield* late(100, 100))).toBeUndefined()
      expect(codeOf(yield* late(0, 10_000))).toBeUndefined()
      expect(yield* dumpOf(control)).toEqual(["a=10000"])
    }))

  it.effect("a timeout while the commit is in flight: unknown outcome, applied about half the time, never if it conflicts", () =>
    Effect.gen(function*() {
      let applied = 0
      let conflicting = 0
      for (let seed = 1; seed <= 60; seed++) {
        const { control, database: db } = FdbSimulator.make({ seed, costs: costs({ commit: [10, 10] }) })
        let watch: FdbDatabase.Watch | undefined
        const error = failureOf(yield* Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            watch = yield* tn.watch(k("w"))
            yield* tn.set(k("a"), k("1"))
          }), { timeoutMillis: 5 })))
        expect(error?.code).toBe(1031)
        expect(error?.unknownResult).toBe(true)
        const stats = yield* control.stats
        if ((yield* control.dump).length > 0) {
          applied++
          expect([stats.unknownResultCommitted, stats.commits]).toEqual([1, 1])
          // applied: its watch is set
          expect(yield* pending(watch!)).toBe(true)
        } else {
          expect([stats.unknownResultNotCommitted, stats.commits]).toEqual([1, 0])
          expect(codeOf(yield* Effect.exit(watch!.changed))).toBe(1031)
        }
        // a conflicting one is never applied
        let first = true
        const lost = failureOf(yield* Effect.exit(db.transact((tn) =>
          Effect.gen(function*() {
            yield* tn.get(k("b"))
            if (first) {
              first = false
              yield* db.transact((o) => o.set(k("b"), k("1")), { timeoutMillis: 0 })
            }
            yield* tn.set(k("c"), k("1"))
          }), { timeoutMillis: 5 })))
        expect(lost?.code).toBe(1031)
        if ((yield* control.dump).some((row) => s(row.key) === "c")) conflicting++
      }
      expect(applied).toBeGreaterThan(15)
      expect(applied).toBeLessThan(45)
      expect(conflicting).toBe(0)
    }))
})

describe("rules found wrong in review (each failed before its fix)", () => {
  // FoundationDB's client (ReadYourWritesTransaction::watch) refuses a watch on a key over the key limit
  it.effect("a watch on a key over 10,000 bytes fails with key_too_large (2102)", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      expect(codeOf(yield* Effect.exit(db.transact((tn) => tn.watch(bytes(10_001)), once)))).toBe(2102)
      const atLimit = yield* db.transact((tn) => tn.watch(bytes(10_000)))
      yield* db.transact((tn) => tn.set(bytes(10_000), k("1")))
      yield* atLimit.changed
    }))

  // the watch reads its key's value non-snapshot (RYWImpl::watch: readWithConflictRange, Snapshot::False):
  // the key joins the read conflict ranges, and the read takes a read version
  it.effect("a watch reads its key: a write of that key committed meanwhile makes the transaction conflict", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      expect(codeOf(yield* race(db, (tn) => tn.watch(k("k")), (o) => o.set(k("k"), k("1"))))).toBe(1020)
      expect(codeOf(yield* race(db, (tn) => tn.watch(k("k")), (o) => o.set(k("k\x00"), k("1"))))).toBeUndefined()
    }))

  // a read of a key the transaction itself set or cleared adds no read conflict range (RYW updateConflictMap
  // skips independent writes): the value cannot have come from the database
  it.effect("a point read of a key the transaction wrote itself records no conflict", () =>
    Effect.gen(function*() {
      const { control, database: db } = FdbSimulator.make()
      const written = [
        (tn: FdbDatabase.Transaction) => tn.set(k("k"), k("mine")),
        (tn: FdbDatabase.Transaction) => tn.clear(k("k")),
        (tn: FdbDatabase.Transaction) => tn.clearRange(k("a"), k("z"))
      ]
      for (const write of written) {
        const exit = yield* race(db, (tn) => Effect.andThen(write(tn), tn.get(k("k"))), (o) => o.set(k("k"), k("theirs")))
        expect(codeOf(exit)).toBeUndefined()
      }
      expect((yield* control.stats).conflicts).toBe(0)
    }))

  // the same for a range read: the parts of the range the transaction wrote itself are left out of its conflict range
  it.effect("a range read records no conflict on the keys and ranges the transaction wrote itself", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const read = (tn: FdbDatabase.Transaction) =>
        Effect.gen(function*() {
          yield* tn.set(k("b"), k("mine"))
          yield* tn.clear(k("c"))
          yield* tn.clearRange(k("e"), k("g"))
          yield* tn.set(k("f"), k("mine"))
          return yield* tn.getRange(k("a"), k("z"))
        })
      for (const key of ["b", "c", "e", "f", "f\xff"]) {
        expect(codeOf(yield* race(db, read, (o) => o.set(k(key), k("theirs"))))).toBeUndefined()
      }
      for (const key of ["a", "b\x00", "c\x00", "d", "g", "y"]) {
        expect(codeOf(yield* race(db, read, (o) => o.set(k(key), k("theirs"))))).toBe(1020)
      }
      // the parts left out leave no empty range behind: a write between them conflicts only where the range was read
      const edges = (tn: FdbDatabase.Transaction) =>
        Effect.andThen(Effect.all([tn.set(k("a"), k("1")), tn.clearRange(k("c"), k("e"))]), tn.getRange(k("a"), k("e")))
      expect(codeOf(yield* race(db, edges, (o) => o.clearRange(k("0"), k("a\x00"))))).toBeUndefined()
      expect(codeOf(yield* race(db, edges, (o) => o.clearRange(k("c"), k("f"))))).toBeUndefined()
      expect(codeOf(yield* race(db, edges, (o) => o.clearRange(k("b"), k("f"))))).toBe(1020)
      // its writes outside the range do not matter
      const outside = (tn: FdbDatabase.Transaction) =>
        Effect.andThen(Effect.all([tn.set(k("0"), k("1")), tn.set(k("y"), k("1"))]), tn.getRange(k("b"), k("d")))
      expect(codeOf(yield* race(db, outside, (o) => o.set(k("a"), k("theirs"))))).toBeUndefined()
      expect(codeOf(yield* race(db, outside, (o) => o.set(k("e"), k("theirs"))))).toBeUndefined()
      expect(codeOf(yield* race(db, outside, (o) => o.set(k("c"), k("theirs"))))).toBe(1020)
      const clearedOutside = (tn: FdbDatabase.Transaction) =>
        Effect.andThen(
          Effect.all([tn.clearRange(k("0"), k("0\x01")), tn.clearRange(k("x"), k("y"))]),
          tn.getRange(k("b"), k("d"))
        )
      expect(codeOf(yield* race(db, clearedOutside, (o) => o.set(k("a"), k("theirs"))))).toBeUndefined()
      expect(codeOf(yield* race(db, clearedOutside, (o) => o.set(k("e"), k("theirs"))))).toBeUndefined()
      expect(codeOf(yield* race(db, clearedOutside, (o) => o.set(k("c"), k("theirs"))))).toBe(1020)
      // a clear reaching before the range read
      const before = (tn: FdbDatabase.Transaction) => Effect.andThen(tn.clearRange(k("0"), k("c")), tn.getRange(k("b"), k("d")))
      expect(codeOf(yield* race(db, before, (o) => o.set(k("b"), k("theirs"))))).toBeUndefined()
      expect(codeOf(yield* race(db, before, (o) => o.set(k("c"), k("theirs"))))).toBe(1020)
    }))

  // a watch compares with the value it read when it was set: the transaction's own later write is a change
  it.effect("a watch set before its own transaction changes the key fires once that transaction commits", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      yield* db.transact((tn) => tn.set(k("k"), k("1")))
      const watch = yield* db.transact((tn) =>
        Effect.gen(function*() {
          const w = yield* tn.watch(k("k"))
          yield* tn.set(k("k"), k("2"))
          return w
        }))
      expect(yield* pending(watch)).toBe(false)
      yield* watch.changed
    }))
})

describe("at most 10,000 outstanding watches", () => {
  /** Sets `n` watches on `key` in one transaction: how many were refused with 1032. */
  const watchMany = (db: FdbDatabase.FdbDatabaseShape, key: string, n: number) =>
    Effect.gen(function*() {
      const watches = yield* db.transact((tn) => Effect.forEach(Array.from({ length: n }), () => tn.watch(k(key))))
      let refused = 0
      for (const w of watches) {
        const fiber = yield* Effect.forkChild(w.changed, { startImmediately: true })
        const exit = fiber.pollUnsafe()
        if (exit !== undefined) {
          expect(failureOf(exit)?.code).toBe(1032)
          expect(failureOf(exit)?.reason).toContain("watches")
          refused++
        } else yield* Fiber.interrupt(fiber)
      }
      return { watches, refused }
    })

  it.effect("the count is exact: a cancelled watch frees one place, a fired key frees each of its watches", () =>
    Effect.gen(function*() {
      const { database: db } = FdbSimulator.make()
      const a = yield* watchMany(db, "a", 3)
      const rest = yield* watchMany(db, "b", 9_998)
      expect([a.refused, rest.refused]).toEqual([0, 1])
      // one cancelled (of three on "a"): exactly one place
      yield* a.watches[0]!.cancel
      expect((yield* watchMany(db, "c", 2)).refused).toBe(1)
      // "a" changes: its two remaining watches fire, two places
      yield* db.transact((tn) => tn.set(k("a"), k("1")))
      expect((yield* watchMany(db, "d", 3)).refused).toBe(1)
    }))
})

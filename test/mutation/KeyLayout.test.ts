/**
 * The key layout of the FoundationDB store (docs/fdb-layout.md): where each
 * record lives, how a position is written in a key (12 bytes, big-endian, so
 * that key order is position order), the bounds of a read, and which index
 * ranges an event is written to and a query reads.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Query from "fairway/Dcb/Query"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as KeyLayout from "fairway/Fdb/KeyLayout"
import * as Tuple from "fairway/Fdb/Tuple"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
/** The tuple after a layout's prefix (and without the trailing versionstamp code of a range). */
const rest = (layout: KeyLayout.KeyLayout, key: Uint8Array, range = false) =>
  Tuple.unpack(key.slice(layout.prefix.length, range ? key.length - 1 : key.length))

describe("KeyLayout", () => {
  it("writes a position as 12 big-endian bytes, clamping what no versionstamp can be", () => {
    expect(hex(KeyLayout.positionToBytes(0n))).toBe("00".repeat(12))
    expect(hex(KeyLayout.positionToBytes(1n))).toBe("00".repeat(11) + "01")
    expect(hex(KeyLayout.positionToBytes(0x0102030405060708090a0b0cn))).toBe("0102030405060708090a0b0c")
    expect(hex(KeyLayout.positionToBytes(256n))).toBe("00".repeat(10) + "0100")
    expect(hex(KeyLayout.positionToBytes((1n << 96n) - 2n))).toBe("ff".repeat(11) + "fe")
    expect(hex(KeyLayout.positionToBytes((1n << 96n) - 1n))).toBe("ff".repeat(12))
    expect(hex(KeyLayout.positionToBytes(1n << 100n))).toBe("ff".repeat(12))
    expect(hex(KeyLayout.positionToBytes(-1n))).toBe("00".repeat(12))
    // untyped callers: a number is taken as its integer part; anything else is before every position
    expect(hex(KeyLayout.positionToBytes(5 as unknown as bigint))).toBe(hex(KeyLayout.positionToBytes(5n)))
    expect(hex(KeyLayout.positionToBytes(7.9 as unknown as bigint))).toBe(hex(KeyLayout.positionToBytes(7n)))
    expect(hex(KeyLayout.positionToBytes(Number.NaN as unknown as bigint))).toBe("00".repeat(12))
    expect(hex(KeyLayout.positionToBytes(Infinity as unknown as bigint))).toBe("00".repeat(12))
  })

  it("reads a position back from the end of a key, or at an offset, and from a versionstamp", () => {
    for (const p of [0n, 1n, 255n, 256n, 65_537n, 1n << 80n, (1n << 96n) - 1n]) {
      const bytes = KeyLayout.positionToBytes(p)
      expect(KeyLayout.positionFromBytes(bytes)).toBe(p)
      expect(KeyLayout.positionFromBytes(Tuple.concat(Uint8Array.of(9, 9, 9), bytes))).toBe(p)
      expect(KeyLayout.positionFromBytes(Tuple.concat(Uint8Array.of(9), bytes, Uint8Array.of(7)), 1)).toBe(p)
    }
    const stamp = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xee, 0xee)
    expect(hex(KeyLayout.positionToBytes(KeyLayout.positionFromStamp(stamp, 0x0304)))).toBe("0102030405060708090a0304")
    expect(KeyLayout.positionFromStamp(new Uint8Array(12), 1)).toBe(1n)
    expect(KeyLayout.positionFromStamp(new Uint8Array(12), 0x1ff)).toBe(0x1ffn)
    // key order is position order
    const ps = [0n, 1n, 2n, 255n, 256n, 1n << 20n, 1n << 64n, (1n << 96n) - 1n]
    for (let i = 1; i < ps.length; i++) {
      expect(Tuple.compare(KeyLayout.positionToBytes(ps[i - 1]!), KeyLayout.positionToBytes(ps[i]!))).toBeLessThan(0)
    }
  })

  it("puts every record under the prefix, in its own subspace", () => {
    expect(hex(KeyLayout.defaultPrefix)).toBe(hex(Tuple.pack(["fairway", "default"])))
    expect(hex(KeyLayout.make().prefix)).toBe(hex(KeyLayout.defaultPrefix))
    expect(hex(KeyLayout.make("shop").prefix)).toBe(hex(Tuple.pack(["fairway", "shop"])))
    const raw = Uint8Array.of(0x15, 0x07)
    expect(KeyLayout.make(raw).prefix).toBe(raw)
    const layout = KeyLayout.make("t1")
    expect(rest(layout, layout.events.prefix, true)).toEqual(["e"])
    expect(rest(layout, layout.type("Created").prefix, true)).toEqual(["t", "Created"])
    expect(rest(layout, layout.tags(["a"]).prefix, true)).toEqual(["g", "a"])
    expect(rest(layout, layout.tags(["a", "b"]).prefix, true)).toEqual(["g", "a", "b"])
    expect(rest(layout, layout.typeTags("Created", ["a", "b"]).prefix, true)).toEqual(["x", "Created", "a", "b"])
    for (const range of [layout.events, layout.type("T"), layout.tags(["a"]), layout.typeTags("T", ["a"])]) {
      expect(range.prefix.at(-1)).toBe(Tuple.versionstampCode)
    }
    expect(rest(layout, layout.head)).toEqual(["h"])
    expect(rest(layout, layout.appendId("id-1"))).toEqual(["i", "id-1"])
    expect(rest(layout, layout.appendMarker("m"))).toEqual(["j", "m"])
    expect(rest(layout, layout.view("V", 2))).toEqual(["v", "V", 2])
    expect(rest(layout, layout.viewCheckpoint("V", 2))).toEqual(["vc", "V", 2])
    expect(rest(layout, layout.automation("A"))).toEqual(["a", "A"])
    const keys = [
      layout.events.prefix,
      layout.type("T").prefix,
      layout.tags(["T"]).prefix,
      layout.typeTags("T", []).prefix,
      layout.head,
      layout.appendId("T"),
      layout.appendMarker("T"),
      layout.view("T", 1),
      layout.viewCheckpoint("T", 1),
      layout.automation("T")
    ]
    for (const key of keys) expect(hex(key.slice(0, layout.prefix.length))).toBe(hex(layout.prefix))
    expect(new Set(keys.map(hex)).size).toBe(keys.length)
  })

  it("keyAt, stampedKey and bounds", () => {
    const layout = KeyLayout.make()
    const range = layout.type("T")
    const at = KeyLayout.keyAt(range, 0x0102n)
    expect(hex(at)).toBe(hex(range.prefix) + "00".repeat(10) + "0102")
    expect(KeyLayout.positionFromBytes(at)).toBe(0x0102n)
    const stamped = KeyLayout.stampedKey(range, 0x0a0b)
    expect(stamped.offset).toBe(range.prefix.length)
    expect(hex(stamped.key)).toBe(hex(range.prefix) + "00".repeat(10) + "0a0b")
    const inside = (key: Uint8Array, [begin, end]: readonly [Uint8Array, Uint8Array]) =>
      Tuple.compare(begin, key) <= 0 && Tuple.compare(key, end) < 0
    const all = KeyLayout.bounds(range)
    expect(hex(all[0])).toBe(hex(range.prefix))
    expect(hex(all[1])).toBe(hex(Tuple.strinc(range.prefix)))
    for (const p of [0n, 1n, 5n, 6n, 7n, 9n, (1n << 96n) - 1n]) {
      const key = KeyLayout.keyAt(range, p)
      expect(inside(key, all)).toBe(true)
      expect(inside(key, KeyLayout.bounds(range, 5n)), `after 5: ${p}`).toBe(p > 5n)
      expect(inside(key, KeyLayout.bounds(range, undefined, 7n)), `before 7: ${p}`).toBe(p < 7n)
      expect(inside(key, KeyLayout.bounds(range, 5n, 7n)), `between: ${p}`).toBe(p === 6n)
    }
    // keys of another range are outside
    expect(inside(KeyLayout.keyAt(layout.type("U"), 6n), all)).toBe(false)
    expect(inside(KeyLayout.keyAt(layout.type("TT"), 6n), all)).toBe(false)
  })

  it("indexes an event under its type, each tag and each pair of tags, with and without the type", () => {
    expect(KeyLayout.maxIndexedTagSubset).toBe(2)
    expect(KeyLayout.sortedTags(["b", "a", "b", "c"])).toEqual(["a", "b", "c"])
    expect(KeyLayout.tagSubsets([])).toEqual([])
    expect(KeyLayout.tagSubsets(["c", "a", "b", "a"])).toEqual([["a"], ["a", "b"], ["a", "c"], ["b"], ["b", "c"], ["c"]])
    const layout = KeyLayout.make()
    const ranges = KeyLayout.indexRanges(layout, "T", ["b", "a"]).map((r) => hex(r.prefix))
    expect(ranges).toEqual([
      layout.type("T"),
      layout.tags(["a"]),
      layout.typeTags("T", ["a"]),
      layout.tags(["a", "b"]),
      layout.typeTags("T", ["a", "b"]),
      layout.tags(["b"]),
      layout.typeTags("T", ["b"])
    ].map((r) => hex(r.prefix)))
    expect(KeyLayout.indexRanges(layout, "T", []).map((r) => hex(r.prefix))).toEqual([hex(layout.type("T").prefix)])
  })

  it("reads a query from the narrowest ranges, exact when the range holds only matching events", () => {
    const layout = KeyLayout.make()
    const show = (query: Query.Query) =>
      KeyLayout.sources(layout, query).map((s) => [hex(s.range.prefix), s.exact, s.item])
    expect(show(Query.all())).toEqual([[hex(layout.events.prefix), true, undefined]])
    const types = { types: ["A", "B", "A"] }
    expect(show(Query.item(types))).toEqual([
      [hex(layout.type("A").prefix), true, types],
      [hex(layout.type("B").prefix), true, types]
    ])
    const two = { tags: ["y", "x"] }
    expect(show(Query.item(two))).toEqual([[hex(layout.tags(["x", "y"]).prefix), true, two]])
    const three = { tags: ["z", "y", "x"] }
    expect(show(Query.item(three))).toEqual([[hex(layout.tags(["x", "y"]).prefix), false, three]])
    const typed = { types: ["A", "B"], tags: ["t"] }
    expect(show(Query.item(typed))).toEqual([
      [hex(layout.typeTags("A", ["t"]).prefix), true, typed],
      [hex(layout.typeTags("B", ["t"]).prefix), true, typed]
    ])
    const typedThree = { types: ["A"], tags: ["c", "b", "a"] }
    expect(show(Query.item(typedThree))).toEqual([[hex(layout.typeTags("A", ["a", "b"]).prefix), false, typedThree]])
    // the same range for two items is read once; an exact and a filtered read of one range are both kept
    const first = { types: ["A"] }
    expect(show(Query.fromItems([first, { types: ["A"] }]))).toEqual([[hex(layout.type("A").prefix), true, first]])
    const exact = { tags: ["a", "b"] }
    const filtered = { tags: ["a", "b", "c"] }
    expect(show(Query.fromItems([exact, filtered, { tags: ["b", "a"] }]))).toEqual([
      [hex(layout.tags(["a", "b"]).prefix), true, exact],
      [hex(layout.tags(["a", "b"]).prefix), false, filtered]
    ])
  })

  it.effect("readPosition reads a stored position, or none", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const layout = KeyLayout.make("rp")
      const none = yield* db.transact((tn) => KeyLayout.readPosition(tn, layout.head))
      expect(none).toEqual(Option.none())
      yield* db.transact((tn) => tn.set(layout.head, KeyLayout.positionToBytes(0x0abcn)))
      expect(yield* db.transact((tn) => KeyLayout.readPosition(tn, layout.head))).toEqual(Option.some(0x0abcn))
      expect(yield* db.transact((tn) => KeyLayout.readPosition(tn, layout.head, true))).toEqual(Option.some(0x0abcn))
    }).pipe(Effect.provide(FdbDatabase.layerSimulated())))

  it.effect("readPosition conflicts with a concurrent write unless it reads as a snapshot", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const layout = KeyLayout.make("rc")
      const attempts = (snapshot: boolean | undefined) =>
        Effect.gen(function*() {
          let n = 0
          yield* db.transact((tn) =>
            Effect.gen(function*() {
              n++
              yield* snapshot === undefined ? KeyLayout.readPosition(tn, layout.head) : KeyLayout.readPosition(tn, layout.head, snapshot)
              // another writer moves the head after this read
              if (n === 1) yield* db.transact((other) => other.set(layout.head, KeyLayout.positionToBytes(BigInt(n + 10))))
              yield* tn.set(layout.automation("x"), Uint8Array.of(n))
            })
          )
          return n
        })
      expect(yield* attempts(undefined)).toBe(2)
      expect(yield* attempts(false)).toBe(2)
      expect(yield* attempts(true)).toBe(1)
    }).pipe(Effect.provide(FdbDatabase.layerSimulated())))
})

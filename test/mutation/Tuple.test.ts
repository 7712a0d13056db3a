/**
 * Our tuple encoding against the `fdb-tuple` package (the tuple layer as the
 * FoundationDB bindings implement it): the same bytes for every item we
 * support, the same decoding, and the order of packed keys is the order of
 * their items. A key written by fairway must be readable by any other tuple
 * layer client, and the other way round.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FdbTuple from "fdb-tuple"
import * as Tuple from "fairway/Fdb/Tuple"
import { rngOf } from "../fdb/random.ts"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")


const integers: ReadonlyArray<number | bigint> = [
  0, 1, -1, 2, 127, 128, 255, 256, -255, -256, -257, 65535, 65536, -65536, 2 ** 24 - 1, 2 ** 24, 2 ** 32, -(2 ** 32),
  2 ** 40 + 3, -(2 ** 48) - 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2n ** 53n, -(2n ** 53n) - 1n,
  2n ** 56n, 2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, -(2n ** 64n) + 1n
]

const toTheirs = (item: Tuple.TupleItem): FdbTuple.TupleItem =>
  item instanceof Uint8Array
    ? Buffer.from(item)
    : typeof item === "object" && item !== null
    ? { type: "versionstamp", value: Buffer.from(item.bytes) }
    : item as FdbTuple.TupleItem

const randomItem = (next: () => number): Tuple.TupleItem => {
  const kind = Math.floor(next() * 6)
  const length = Math.floor(next() * 12)
  switch (kind) {
    case 0:
      return Array.from({ length }, () => String.fromCharCode(Math.floor(next() * 3) === 0 ? 0 : 0x20 + Math.floor(next() * 0x2000))).join("")
    case 1:
      return Uint8Array.from({ length }, () => (next() < 0.3 ? [0, 0xff][Math.floor(next() * 2)]! : Math.floor(next() * 256)))
    case 2:
      return integers[Math.floor(next() * integers.length)]!
    case 3:
      return Math.floor((next() - 0.5) * 2 ** Math.floor(next() * 53))
    case 4:
      return next() < 0.5
    default:
      return null
  }
}

describe("Tuple, against the fdb-tuple package", () => {
  it("packs every supported item to the same bytes, and unpacks them back", () => {
    const items: Array<Tuple.TupleItem> = [
      ...integers,
      "",
      "a",
      "a\u0000b",
      "\u00e9\u4e2d\ud83d\ude00",
      new Uint8Array(),
      Uint8Array.of(0),
      Uint8Array.of(0, 0xff, 0, 1),
      null,
      true,
      false,
      Tuple.versionstamp(Uint8Array.from({ length: 12 }, (_, i) => i * 17))
    ]
    for (const item of items) {
      const ours = Tuple.pack([item])
      expect(hex(ours), String(item)).toBe(hex(FdbTuple.pack([toTheirs(item)])))
      const back = Tuple.unpack(ours)
      expect(back, String(item)).toEqual([typeof item === "bigint" && item >= Number.MIN_SAFE_INTEGER && item <= Number.MAX_SAFE_INTEGER ? Number(item) : item])
    }
    expect(hex(Tuple.pack(items))).toBe(hex(FdbTuple.pack(items.map(toTheirs))))
  })

  it("random tuples: the same bytes, a round trip, and the same order as the other implementation", () => {
    const next = rngOf(20260601)
    const tuples = Array.from({ length: 400 }, () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => randomItem(next)))
    const packed = tuples.map((t) => Tuple.pack(t))
    for (let i = 0; i < tuples.length; i++) {
      expect(hex(packed[i]!)).toBe(hex(FdbTuple.pack(tuples[i]!.map(toTheirs))))
      expect(hex(Tuple.pack(Tuple.unpack(packed[i]!)))).toBe(hex(packed[i]!))
    }
    for (let i = 1; i < packed.length; i++) {
      const a = packed[i - 1]!
      const b = packed[i]!
      const ours = Math.sign(Tuple.compare(a, b))
      expect(ours).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))))
      expect(Tuple.equals(a, b)).toBe(ours === 0)
      expect(Tuple.compare(a, a)).toBe(0)
    }
  })

  it("integers sort as numbers, across every length of encoding", () => {
    const sorted = [...integers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0))
    const keys = sorted.map((n) => Tuple.pack([n]))
    for (let i = 1; i < keys.length; i++) expect(Tuple.compare(keys[i - 1]!, keys[i]!), String(sorted[i])).toBeLessThan(0)
  })

  it("rejects what the tuple layer cannot hold, with a RangeError or a TypeError", () => {
    expect(() => Tuple.pack([2n ** 64n])).toThrow(RangeError)
    expect(() => Tuple.pack([-(2n ** 64n)])).toThrow(RangeError)
    expect(() => Tuple.pack([1.5])).toThrow(RangeError)
    expect(() => Tuple.pack([2 ** 53])).toThrow(RangeError)
    expect(() => Tuple.pack([{} as Tuple.TupleItem])).toThrow(TypeError)
    expect(() => Tuple.versionstamp(new Uint8Array(11))).toThrow(RangeError)
    expect(() => Tuple.versionstamp(new Uint8Array(13))).toThrow(RangeError)
    // malformed keys: unterminated strings and bytes, truncated integers and versionstamps, unknown codes
    for (const bad of ["0261", "0161ff", "0261", "1601", "1c0102", "33" + "00".repeat(11), "05", "40"]) {
      expect(() => Tuple.unpack(Buffer.from(bad, "hex")), bad).toThrow(RangeError)
    }
    expect(() => Tuple.unpack(Buffer.from("02ff00", "hex"))).toThrow()
  })

  it("says what is wrong", () => {
    expect(() => Tuple.versionstamp(new Uint8Array(11))).toThrow("a versionstamp has 12 bytes, got 11")
    expect(() => Tuple.pack([1.5])).toThrow("tuple integers must be safe integers, got 1.5")
    expect(() => Tuple.pack([2n ** 64n])).toThrow("tuple integers are limited to 8 bytes of magnitude")
    expect(() => Tuple.pack([{ _tag: "Other" } as unknown as Tuple.TupleItem])).toThrow("unsupported tuple element: [object Object]")
    expect(() => Tuple.unpack(Buffer.from("0261", "hex"))).toThrow("unterminated tuple element")
    expect(() => Tuple.unpack(Buffer.from("33" + "00".repeat(11), "hex"))).toThrow("truncated versionstamp")
    expect(() => Tuple.unpack(Buffer.from("1601", "hex"))).toThrow("truncated integer")
    for (const code of ["05", "0b", "1d", "40"]) {
      expect(() => Tuple.unpack(Buffer.from(code, "hex")), code).toThrow(`unsupported tuple type code 0x${code.replace(/^0/, "")}`)
    }
    expect(() => Tuple.strinc(Uint8Array.of(0xff))).toThrow("strinc: key must contain a byte other than 0xff")
  })

  it("concat, range, strinc and keyAfter", () => {
    expect(hex(Tuple.concat())).toBe("")
    expect(hex(Tuple.concat(Uint8Array.of(1), new Uint8Array(), Uint8Array.of(2, 3)))).toBe("010203")
    const prefix = Tuple.pack(["p"])
    const [begin, end] = Tuple.range(prefix)
    expect(hex(begin)).toBe(hex(prefix) + "00")
    expect(hex(end)).toBe(hex(prefix) + "ff")
    expect(hex(Tuple.strinc(Uint8Array.of(1, 2)))).toBe("0103")
    expect(hex(Tuple.strinc(Uint8Array.of(1, 0xfe, 0xff)))).toBe("01ff")
    expect(() => Tuple.strinc(new Uint8Array())).toThrow(RangeError)
    expect(() => Tuple.strinc(Uint8Array.of(0xff, 0xff))).toThrow(RangeError)
    const key = Uint8Array.of(5, 6)
    expect(hex(Tuple.keyAfter(key))).toBe("050600")
    expect(hex(key)).toBe("0506")
    expect(Tuple.compare(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0)
    expect(Tuple.compare(Uint8Array.of(1, 0), Uint8Array.of(1))).toBeGreaterThan(0)
    expect(Tuple.compare(Uint8Array.of(2), Uint8Array.of(1, 9))).toBeGreaterThan(0)
    expect(Tuple.equals(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true)
    expect(Tuple.equals(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(Tuple.equals(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false)
    // a long tuple grows the writer's buffer without losing bytes
    const long = Array.from({ length: 300 }, (_, i) => `item-${i}`)
    expect(Tuple.unpack(Tuple.pack(long))).toEqual(long)
    expect(hex(Tuple.pack([new Uint8Array(1000).fill(7)]))).toBe("01" + "07".repeat(1000) + "00")
  })
})

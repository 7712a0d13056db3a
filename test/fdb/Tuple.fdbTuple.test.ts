/**
 * `src/Fdb/Tuple.ts` cross-checked byte for byte against `fdb-tuple` (the
 * tuple layer of the FoundationDB Node binding's author) over random tuples
 * of every element type Fairway encodes — null, booleans, strings (any
 * Unicode, NUL included), byte strings (0x00 included), integers up to 8
 * bytes of magnitude as `number` and `bigint`, complete versionstamps — and
 * the incomplete versionstamps of the key layout (the placeholder, its
 * offset and the user version) against `packUnboundVersionstamp`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Arbitrary from "effect/Arbitrary"
import * as FdbTuple from "fdb-tuple"
import * as KeyLayout from "fairway/Fdb/KeyLayout"
import * as Tuple from "fairway/Fdb/Tuple"

const Byte = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 255 }))
const Stamp = Schema.TaggedStruct("Stamp", { bytes: Schema.Array(Byte).check(Schema.isBetweenLength(12, 12)) })
const SafeInt = Schema.Int.check(Schema.isBetween({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }))
const SmallInt = Schema.Int.check(Schema.isBetween({ minimum: -70_000, maximum: 70_000 }))
const Int64 = Schema.BigInt.check(Schema.isBetweenBigInt({ minimum: -(2n ** 64n - 1n), maximum: 2n ** 64n - 1n }))
const Bytes = Schema.Array(Byte)
const Text = Schema.String

// one generated element: the schema of the generated value, mapped below to both libraries' element
const Element = Schema.Union([
  Schema.Null,
  Schema.Boolean,
  Text,
  Schema.TaggedStruct("Bytes", { bytes: Bytes }),
  Schema.TaggedStruct("Int", { value: SafeInt }),
  Schema.TaggedStruct("Small", { value: SmallInt }),
  Schema.TaggedStruct("BigInt", { value: Int64 }),
  Stamp
])
type Element = typeof Element.Type

const ours = (e: Element): Tuple.TupleItem => {
  if (e === null || typeof e === "boolean" || typeof e === "string") return e
  switch (e._tag) {
    case "Bytes":
      return Uint8Array.from(e.bytes)
    case "Int":
    case "Small":
      return e.value
    case "BigInt":
      return e.value
    case "Stamp":
      return Tuple.versionstamp(Uint8Array.from(e.bytes))
  }
}

const theirs = (e: Element): FdbTuple.TupleItem => {
  if (e === null || typeof e === "boolean" || typeof e === "string") return e
  switch (e._tag) {
    case "Bytes":
      return Buffer.from(e.bytes)
    case "Int":
    case "Small":
      return e.value
    case "BigInt":
      return e.value
    case "Stamp":
      return { type: "versionstamp", value: Buffer.from(e.bytes) }
  }
}

// fdb-tuple's decoded element, in Fairway's terms (integers: number when safe, bigint otherwise)
const normalise = (item: FdbTuple.TupleItem): Tuple.TupleItem => {
  if (item === null || typeof item === "boolean" || typeof item === "string") return item
  if (typeof item === "number") return item
  if (typeof item === "bigint") return Number.isSafeInteger(Number(item)) && BigInt(Number(item)) === item ? Number(item) : item
  if (Buffer.isBuffer(item)) return Uint8Array.from(item)
  if (!Array.isArray(item) && typeof item === "object" && "type" in item && item.type === "versionstamp") {
    return Tuple.versionstamp(Uint8Array.from(item.value))
  }
  throw new Error(`unexpected fdb-tuple element ${String(item)}`)
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const plain = (items: ReadonlyArray<Tuple.TupleItem>) =>
  items.map((i) => i instanceof Uint8Array ? { bytes: hex(i) } : typeof i === "object" && i !== null ? { stamp: hex(i.bytes) } : i)

const Tuples = Arbitrary.array(Arbitrary.schema(Element), { maxLength: 8 })
const runs = { arbitrary: { runs: 1_000, seed: 14 } }

describe("Tuple against fdb-tuple", () => {
  it.prop("packs every tuple to the same bytes", { tuple: Tuples }, ({ tuple }) => {
    expect(hex(Tuple.pack(tuple.map(ours)))).toBe(hex(FdbTuple.pack(tuple.map(theirs))))
  }, runs)

  it.prop("unpacks fdb-tuple's bytes to the same elements fdb-tuple does", { tuple: Tuples }, ({ tuple }) => {
    const bytes = FdbTuple.pack(tuple.map(theirs))
    expect(plain(Tuple.unpack(Uint8Array.from(bytes)))).toEqual(plain(FdbTuple.unpack(bytes).map(normalise)))
  }, runs)

  it.prop("orders packed tuples as fdb-tuple's bytes do", { a: Tuples, b: Tuples }, ({ a, b }) => {
    const sign = (n: number) => Math.sign(n)
    expect(sign(Tuple.compare(Tuple.pack(a.map(ours)), Tuple.pack(b.map(ours)))))
      .toBe(sign(Buffer.compare(FdbTuple.pack(a.map(theirs)), FdbTuple.pack(b.map(theirs)))))
  }, runs)

  it.prop(
    "an incomplete versionstamp of the key layout sits where packUnboundVersionstamp puts it",
    { prefix: Text, tags: Arbitrary.array(Arbitrary.schema(Text), { maxLength: 2 }), userVersion: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65_535 })) },
    ({ prefix, tags, userVersion }) => {
      const layout = KeyLayout.make(prefix)
      const ranges: Array<[KeyLayout.StampRange, ReadonlyArray<FdbTuple.TupleItem>]> = [
        [layout.events, ["e"]],
        [layout.tags(tags), ["g", ...tags]],
        [layout.typeTags("T", tags), ["x", "T", ...tags]]
      ]
      for (const [range, items] of ranges) {
        const stamped = KeyLayout.stampedKey(range, userVersion)
        const expected = FdbTuple.packUnboundVersionstamp(["fairway", prefix, ...items, FdbTuple.unboundVersionstamp(userVersion)])
        expect(stamped.offset).toBe(expected.stampPos)
        expect(stamped.key.length).toBe(expected.data.length)
        // the same bytes outside the 10-byte placeholder (which FoundationDB fills at commit)
        const outside = (b: Uint8Array, at: number) => hex(Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 10)]))
        expect(outside(stamped.key, stamped.offset)).toBe(outside(expected.data, expected.stampPos))
        // and a filled-in key is the tuple with a complete versionstamp
        const stamp = Buffer.from(Array.from({ length: 10 }, (_, i) => (i * 37 + userVersion) & 0xff).concat([userVersion >> 8, userVersion & 0xff]))
        const filled = Uint8Array.from(stamped.key)
        filled.set(stamp.subarray(0, 10), stamped.offset)
        expect(hex(filled)).toBe(hex(FdbTuple.pack(["fairway", prefix, ...items, { type: "versionstamp", value: stamp }])))
      }
    },
    { arbitrary: { runs: 300, seed: 14 } }
  )
})

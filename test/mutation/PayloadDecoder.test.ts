/**
 * The payload decoder compiled once per Schema (`src/Dcb/internal/payloadDecoder.ts`),
 * which `Event.define` runs before the Schema itself: on every input it
 * either gives exactly what the Schema's JSON codec decodes (same keys, same
 * order, same values) or declines, and it covers the plain structs it
 * claims to (otherwise the fast path would silently never run).
 */
import { describe, expect, it } from "@effect/vitest"
import { Exit, Schema, SchemaTransformation } from "effect"
import { Event, SequencePosition } from "fairway/Dcb"
import * as PayloadDecoder from "../../src/Dcb/internal/payloadDecoder.ts"

const Flat = Schema.Struct({ s: Schema.String, n: Schema.Number, b: Schema.Boolean })
const Nested = Schema.Struct({
  id: Schema.String,
  inner: Schema.Struct({ x: Schema.Number, y: Schema.Boolean }).annotate({ description: "inner" })
}).annotate({ identifier: "Nested", title: "Nested", documentation: "d", examples: [], expected: "a nested" })

const inputs: ReadonlyArray<unknown> = [
  { s: "a", n: 1, b: true },
  { b: false, n: -0, s: "", extra: 1 },
  { s: "a", n: "NaN", b: true },
  { s: "a", n: "1", b: true },
  { s: 1, n: 1, b: true },
  { s: "a", n: 1, b: "true" },
  { s: "a", n: 1 },
  { n: 1, b: true },
  { s: "a", b: true },
  { s: null, n: 1, b: true },
  { id: "i", inner: { x: 1, y: false } },
  { id: "i", inner: { y: true, x: 2.5, z: "extra" }, more: [] },
  { id: "i", inner: { x: "1", y: false } },
  { id: "i", inner: { x: 1, y: 0 } },
  { id: "i", inner: { x: 1 } },
  { id: "i", inner: null },
  { id: "i", inner: [1, 2] },
  { id: 5, inner: { x: 1, y: false } },
  { id: "i" },
  null,
  [],
  ["a", 1, true],
  "text",
  3,
  true
]

const schemaDecode = (schema: Schema.Top, json: unknown) =>
  Schema.decodeUnknownExit(Schema.toCodecJson(schema) as unknown as Schema.Codec<unknown, unknown>)(json)

describe("PayloadDecoder.compile", () => {
  it("agrees with the Schema's JSON codec on every input: the same value (keys in declaration order) or a decline", () => {
    for (const schema of [Flat, Nested] as ReadonlyArray<Schema.Top>) {
      const fast = PayloadDecoder.compile(schema)
      expect(fast).toBeTypeOf("function")
      for (const json of inputs) {
        const decoded = fast!(json)
        const exit = schemaDecode(schema, json)
        if (decoded !== undefined) {
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(decoded).toStrictEqual((exit as Exit.Success<unknown>).value)
          expect(Object.keys(decoded)).toEqual(Object.keys((exit as Exit.Success<object>).value))
        }
      }
    }
  })

  it("decodes the plain inputs itself, dropping excess keys, in declaration order, as fresh objects", () => {
    const flat = PayloadDecoder.compile(Flat)!
    const input = { b: false, n: -0, s: "", extra: 1 }
    const out = flat(input)
    expect(out).toStrictEqual({ s: "", n: -0, b: false })
    expect(Object.keys(out!)).toEqual(["s", "n", "b"])
    expect(Object.is((out as { n: number }).n, -0)).toBe(true)
    expect(out).not.toBe(input)
    const nested = PayloadDecoder.compile(Nested)!
    const inner = { y: true, x: 2.5, z: "extra" }
    const decoded = nested({ id: "i", inner, more: [] }) as { inner: object }
    expect(decoded).toStrictEqual({ id: "i", inner: { x: 2.5, y: true } })
    expect(decoded.inner).not.toBe(inner)
  })

  it("declines every input of another shape (the Schema reports it, or decodes it its own way)", () => {
    const flat = PayloadDecoder.compile(Flat)!
    for (
      const json of [
        { s: "a", n: "NaN", b: true },
        { s: 1, n: 1, b: true },
        { s: "a", n: 1, b: "true" },
        { s: "a", n: 1 },
        { s: "a", b: true },
        { n: 1, b: true },
        null,
        [],
        "text",
        3,
        undefined
      ]
    ) expect(flat(json)).toBeUndefined()
    const nested = PayloadDecoder.compile(Nested)!
    for (
      const json of [
        { id: "i", inner: { x: "1", y: false } },
        { id: "i", inner: { x: 1, y: 0 } },
        { id: "i", inner: { x: 1 } },
        { id: "i", inner: null },
        { id: "i", inner: [] },
        { id: "i" }
      ]
    ) expect(nested(json)).toBeUndefined()
  })

  it("declines arrays and primitives even where they carry the declared keys (the Schema wants an object)", () => {
    const Lengthy = Schema.Struct({ length: Schema.Number })
    const fast = PayloadDecoder.compile(Lengthy)!
    expect(fast({ length: 2 })).toStrictEqual({ length: 2 })
    for (const json of [[1, 2], "text", 7, true, null]) {
      expect(fast(json)).toBeUndefined()
      expect(Exit.isFailure(schemaDecode(Lengthy, json))).toBe(true)
    }
  })

  it("compiles nothing for a Schema it does not cover: Schema decodes every payload then", () => {
    const Inner = Schema.Struct({ x: Schema.Number })
    const uncovered: ReadonlyArray<Schema.Top> = [
      Schema.String,
      Schema.Struct({}),
      Schema.Struct({ n: Schema.Finite }),
      Schema.Struct({ n: Schema.Number.check(Schema.isGreaterThan(0)) }),
      Schema.Struct({ n: Schema.NumberFromString }),
      Schema.Struct({ n: Schema.optionalKey(Schema.Number) }),
      Schema.Struct({ n: Schema.optional(Schema.Number) }),
      Schema.Struct({ n: Schema.BigInt }),
      Schema.Struct({ n: Schema.Literal("a") }),
      Schema.Struct({ n: Schema.Array(Schema.Number) }),
      Schema.Struct({ n: Schema.Union([Schema.Number, Schema.String]) }),
      Schema.Struct({ d: Schema.Date }),
      Schema.Struct({ n: Schema.Number }).check(Schema.makeFilter(() => true)),
      Schema.Struct({ inner: Inner.check(Schema.makeFilter(() => true)) }),
      // checks on the encoded side (a flipped checked struct)
      Schema.flip(Schema.Struct({ n: Schema.Number }).check(Schema.makeFilter(() => true))),
      Schema.Struct({ inner: Schema.Struct({ n: Schema.Finite }) }),
      Schema.Struct({ inner: Schema.Struct({}) }),
      Schema.Struct({ n: Schema.Number.annotate({ toCodecJson: () => undefined } as never) }),
      Schema.Struct({ n: Schema.Number }).annotate({ parseOptions: { onExcessProperty: "error" } } as never),
      Schema.Struct({ n: Schema.Number }).annotate({ [Symbol.for("x")]: 1 } as never),
      Schema.Struct({ ["__proto__"]: Schema.String }),
      Schema.Struct({ [Symbol.for("k")]: Schema.String }),
      Schema.Struct({ n: Schema.String.pipe(Schema.decodeTo(Schema.Number, SchemaTransformation.numberFromString)) }),
      Schema.Record(Schema.String, Schema.Number),
      Schema.StructWithRest(Schema.Struct({ n: Schema.Number }), [Schema.Record(Schema.String, Schema.Number)])
    ]
    for (const schema of uncovered) expect(PayloadDecoder.compile(schema)).toBeUndefined()
  })

  it("Event.define decodes through it: the same decoded event and the same errors as the Schema alone", () => {
    const Deposited = Event.define("Deposited", { payload: Nested, tags: (p) => [`id:${p.id}`] })
    const decode = Event.syncDecoder(Deposited)!
    const at = (text: string) => ({
      type: "Deposited",
      tags: ["id:i"],
      data: new TextEncoder().encode(text),
      position: SequencePosition.make(3n),
      recordedAt: undefined as never,
      metadata: undefined
    })
    const ok = decode(at(`{"inner":{"y":true,"x":1,"z":0},"id":"i"}`))
    expect(ok).not.toBeInstanceOf(Event.EventDecodeError)
    expect((ok as Event.Decoded<string, unknown>).payload).toStrictEqual({ id: "i", inner: { x: 1, y: true } })
    expect((ok as Event.Decoded<string, unknown>).metadata).toEqual({})
    const bad = decode(at(`{"id":"i","inner":{"x":"1","y":true}}`))
    expect(bad).toBeInstanceOf(Event.EventDecodeError)
    expect((bad as Event.EventDecodeError).reason).toContain(`at ["inner"]["x"]`)
    const notJson = decode(at(`{"id":"i",`))
    expect(notJson).toBeInstanceOf(Event.EventDecodeError)
    expect((notJson as Event.EventDecodeError).position).toBe(3n)
  })
})

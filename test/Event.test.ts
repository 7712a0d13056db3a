import { assert, describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Schema, SchemaTransformation, Stream } from "effect"
import { Event, EventStore, Query } from "fairway/Dcb"

const StudentSubscribed = Event.define("StudentSubscribed", {
  payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String, credits: Schema.BigInt }),
  tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
})

const readAll = Stream.runCollect(EventStore.read(Query.all()))

describe("Event.define", () => {
  it("makes a new event: type, tags from the payload, JSON bytes through the schema, metadata", () => {
    const event = StudentSubscribed.make({ studentId: "s1", courseId: "c1", credits: 5n }, { by: "test" })
    expect(event.type).toBe("StudentSubscribed")
    expect(event.tags).toEqual(["student:s1", "course:c1"])
    expect(JSON.parse(new TextDecoder().decode(event.data))).toEqual({ studentId: "s1", courseId: "c1", credits: "5" })
    expect(event.metadata).toEqual({ by: "test" })
    expect(StudentSubscribed.is(event)).toBe(true)
    expect(StudentSubscribed.is({ type: "Other" })).toBe(false)
    expect(Event.isDefinition(StudentSubscribed)).toBe(true)
    expect(Event.isDefinition({ type: "x" })).toBe(false)
  })

  it("rejects an empty type", () => {
    expect(() => Event.define("", { payload: Schema.Struct({}), tags: () => [] })).toThrow(TypeError)
  })

  it.effect("a payload that does not encode: make throws, encode fails with EventEncodeError", () =>
    Effect.gen(function* () {
      const Positive = Event.define("Positive", {
        payload: Schema.Struct({ n: Schema.Number.check(Schema.isGreaterThan(0)) }),
        tags: () => []
      })
      expect(() => Positive.make({ n: -1 })).toThrow(/does not encode/)
      const error = yield* Effect.flip(Positive.encode({ n: -1 }))
      expect(error._tag).toBe("EventEncodeError")
      expect((yield* Positive.encode({ n: 1 })).type).toBe("Positive")
    }))

  it.effect("round-trips through the store", () =>
    Effect.gen(function* () {
      yield* EventStore.append([StudentSubscribed.make({ studentId: "s1", courseId: "c1", credits: 9007199254740993n })])
      const [stored] = yield* readAll
      const decoded = yield* StudentSubscribed.decode(stored!)
      expect(decoded).toEqual({
        type: "StudentSubscribed",
        payload: { studentId: "s1", courseId: "c1", credits: 9007199254740993n },
        tags: ["student:s1", "course:c1"],
        position: stored!.position,
        recordedAt: stored!.recordedAt,
        metadata: {}
      })
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("data that does not decode is a typed EventDecodeError naming type and position", () =>
    Effect.gen(function* () {
      yield* EventStore.append([
        Event.make("StudentSubscribed", ["student:s1"], JSON.stringify({ studentId: "s1" })),
        Event.make("StudentSubscribed", ["student:s1"], "not json"),
        Event.make("StudentSubscribed", ["student:s1"], new Uint8Array([0xff, 0xfe])),
        Event.make("Other", [], JSON.stringify({ studentId: "s1", courseId: "c1", credits: "1" }))
      ])
      const stored = yield* readAll
      const errors = yield* Effect.forEach(stored, (e) => Effect.flip(StudentSubscribed.decode(e)))
      expect(errors.map((e) => e._tag)).toEqual(Array(4).fill("EventDecodeError"))
      expect(errors.map((e) => e.position)).toEqual(stored.map((e) => e.position))
      expect(errors[0]!.message).toMatch(/StudentSubscribed at position 1 does not decode: .*courseId/s)
      expect(errors[2]!.reason).toBe("the payload is not UTF-8")
      expect(errors[3]!.reason).toContain("expected an event of type StudentSubscribed")
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

describe("Event.define round trip", () => {
  const Sample = Event.define("Sample", {
    payload: Schema.Struct({ s: Schema.String, n: Schema.Int, b: Schema.Boolean, big: Schema.BigInt }),
    tags: (p) => [`s:${p.n}`]
  })
  it.effect.prop("decode(make(payload)) is the payload (up to JSON: -0 is 0)", [Sample.payload], ([payload]) =>
    Effect.gen(function* () {
      const event = Sample.make(payload)
      const decoded = yield* Sample.decode({ ...event, position: 7n as any, recordedAt: DateTime.makeUnsafe(0) })
      // JSON has no negative zero: -0 comes back as 0
      expect(decoded.payload).toEqual({ ...payload, n: payload.n === 0 ? 0 : payload.n })
      expect(decoded.tags).toEqual([`s:${payload.n}`])
    }), { arbitrary: { runs: 200 } })
})

describe("schema evolution without migration", () => {
  // v1, as first deployed: a name and a quantity
  const ItemAddedV1 = Event.define("ItemAdded", {
    payload: Schema.Struct({ cartId: Schema.String, name: Schema.String, qty: Schema.Number }),
    tags: (p) => [`cart:${p.cartId}`]
  })
  // v2: `name` renamed to `title` (a transformation), a new optional field `note`,
  // and a new field `currency` with a default for the events stored without it
  const V2Payload = Schema.Struct({
    cartId: Schema.String,
    title: Schema.String,
    qty: Schema.Number,
    currency: Schema.String,
    note: Schema.optionalKey(Schema.String)
  })
  const V1OrV2 = Schema.Struct({
    cartId: Schema.String,
    name: Schema.optionalKey(Schema.String),
    title: Schema.optionalKey(Schema.String),
    qty: Schema.Number,
    currency: Schema.String.pipe(Schema.withDecodingDefaultKey(Effect.succeed("EUR"))),
    note: Schema.optionalKey(Schema.String)
  })
  const ItemAddedV2 = Event.define("ItemAdded", {
    payload: V1OrV2.pipe(Schema.decodeTo(
      V2Payload,
      SchemaTransformation.transform({
        decode: ({ name, title, ...rest }) => ({ ...rest, title: title ?? name ?? "" }),
        encode: (v2) => v2
      })
    )),
    tags: (p) => [`cart:${p.cartId}`]
  })

  it.effect("events stored with v1 decode through the v2 definition; v2 events too", () =>
    Effect.gen(function* () {
      yield* EventStore.append([ItemAddedV1.make({ cartId: "k1", name: "widget", qty: 2 })])
      yield* EventStore.append([ItemAddedV2.make({ cartId: "k1", title: "gadget", qty: 1, currency: "USD", note: "gift" })])
      const stored = yield* readAll
      const decoded = yield* Effect.forEach(stored, ItemAddedV2.decode)
      expect(decoded.map((e) => e.payload)).toEqual([
        { cartId: "k1", title: "widget", qty: 2, currency: "EUR" },
        { cartId: "k1", title: "gadget", qty: 1, currency: "USD", note: "gift" }
      ])
      // v2 writes the new shape
      expect(JSON.parse(new TextDecoder().decode(stored[1]!.data))).toEqual({
        cartId: "k1",
        title: "gadget",
        qty: 1,
        currency: "USD",
        note: "gift"
      })
      // and an old reader fails on it with a typed error, not a crash
      const error = yield* Effect.flip(ItemAddedV1.decode(stored[1]!))
      assert(error._tag === "EventDecodeError")
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

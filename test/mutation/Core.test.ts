/**
 * Behaviour of the core that mutation testing found unguarded: the JSON
 * schemas of queries, new events and append conditions (what an HTTP client
 * sends and gets back), the messages of the typed errors (what a person
 * reads), a union of query items that differ only in their types, and the
 * wait of a subscription (it neither spins while caught up nor misses an
 * append that lands between its read and its wait).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Schema, Stream } from "effect"
import { AppendCondition, Event, EventStore, Query, SequencePosition } from "fairway/Dcb"

const encoder = new TextEncoder()

describe("JSON schemas of the core", () => {
  it("QuerySchema keeps the types and tags of every item, and rejects items of the wrong shape", () => {
    const codec = Schema.toCodecJson(Query.QuerySchema)
    const query = Query.fromItems([{ types: ["A", "B"] }, { tags: ["t:1", "t:2"] }, { types: ["C"], tags: ["t:3"] }])
    const json = Schema.encodeSync(codec)(query)
    expect(json).toEqual({
      _tag: "Items",
      items: [{ types: ["A", "B"] }, { tags: ["t:1", "t:2"] }, { types: ["C"], tags: ["t:3"] }]
    })
    expect(Schema.decodeUnknownSync(codec)(json)).toEqual(query)
    for (const bad of [{ types: "A" }, { tags: [1] }, { types: [null] }, { tags: "t:1" }]) {
      expect(() => Schema.decodeUnknownSync(codec)({ _tag: "Items", items: [bad] }), JSON.stringify(bad)).toThrow()
    }
    expect(Schema.decodeUnknownSync(Query.QueryItemSchema)({ types: ["A"], tags: ["t"] })).toEqual({
      types: ["A"],
      tags: ["t"]
    })
    expect(() => Schema.decodeUnknownSync(Query.QueryItemSchema)({ types: [7] })).toThrow()
  })

  it("NewEventSchema carries type, tags, payload (base64 in JSON) and metadata", () => {
    const codec = Schema.toCodecJson(Event.NewEventSchema)
    const event = Event.make("CourseDefined", ["course:c1"], "hi", { by: "alice" })
    const json = Schema.encodeSync(codec)(event as typeof Event.NewEventSchema.Type) as Record<string, unknown>
    expect(json).toEqual({ type: "CourseDefined", tags: ["course:c1"], data: "aGk=", metadata: { by: "alice" } })
    expect(Schema.decodeUnknownSync(codec)(json)).toEqual(event)
    const bare = Schema.decodeUnknownSync(codec)({ type: "A", tags: [], data: "" })
    expect(bare).toEqual({ type: "A", tags: [], data: new Uint8Array() })
    expect("metadata" in bare).toBe(false)
    for (
      const bad of [
        { tags: [], data: "" },
        { type: 1, tags: [], data: "" },
        { type: "A", tags: "t", data: "" },
        { type: "A", tags: [], data: 5 },
        { type: "A", tags: [], data: "", metadata: { k: 1 } },
        { type: "A", tags: [], data: "", metadata: "m" }
      ]
    ) {
      expect(() => Schema.decodeUnknownSync(codec)(bad), JSON.stringify(bad)).toThrow()
    }
  })

  it("SequencedEventSchema adds the position (a decimal string) and the time (ISO 8601)", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      yield* store.append([Event.make("A", ["t"], "x", { k: "v" })])
      const [stored] = yield* Stream.runCollect(store.read(Query.all()))
      const codec = Schema.toCodecJson(Event.SequencedEventSchema)
      const json = Schema.encodeSync(codec)(stored! as typeof Event.SequencedEventSchema.Type) as Record<string, unknown>
      expect(json.position).toBe("1")
      expect(typeof json.recordedAt).toBe("string")
      expect(json.type).toBe("A")
      expect(json.metadata).toEqual({ k: "v" })
      const back = Schema.decodeUnknownSync(codec)(json)
      expect(back.position).toBe(1n)
      expect(back.data).toEqual(encoder.encode("x"))
    }).pipe(Effect.provide(EventStore.layerMemory), Effect.runPromise))

  it("AppendConditionSchema carries the query and the optional position", () => {
    const codec = Schema.toCodecJson(AppendCondition.AppendConditionSchema)
    const condition = AppendCondition.make(Query.item({ types: ["A"], tags: ["t"] }), SequencePosition.make(5))
    const json = Schema.encodeSync(codec)(condition as typeof AppendCondition.AppendConditionSchema.Type)
    expect(json).toEqual({ failIfEventsMatch: { _tag: "Items", items: [{ types: ["A"], tags: ["t"] }] }, after: "5" })
    expect(Schema.decodeUnknownSync(codec)(json)).toEqual(condition)
    const noAfter = Schema.decodeUnknownSync(codec)({ failIfEventsMatch: { _tag: "All" } })
    expect(noAfter).toEqual(AppendCondition.make(Query.all()))
    expect("after" in noAfter).toBe(false)
    for (const bad of [{}, { failIfEventsMatch: { _tag: "All" }, after: "-1" }, { failIfEventsMatch: { _tag: "Nope" } }]) {
      expect(() => Schema.decodeUnknownSync(codec)(bad), JSON.stringify(bad)).toThrow()
    }
    expect(AppendCondition.make(Query.all(), undefined)).toEqual({ failIfEventsMatch: Query.all() })
  })
})

describe("error messages name what went wrong", () => {
  const store = EventStore.makeMemory.pipe(Effect.runSync)
  const appendError = (events: ReadonlyArray<unknown>, options?: EventStore.AppendOptions) =>
    Effect.runSync(Effect.flip(store.append(events as ReadonlyArray<Event.NewEvent>, options)))
  const readError = (query: Query.Query, options?: EventStore.ReadOptions) =>
    Effect.runSync(Effect.flip(Stream.runCollect(store.read(query, options))))
  const ok = (type: string) => Event.make(type, [])

  it("append validation", () => {
    const cases: ReadonlyArray<readonly [unknown, ReadonlyArray<string>]> = [
      [appendError([]), ["at least one event"]],
      [appendError(Array.from({ length: 10_001 }, () => ok("A"))), ["10000", "10001"]],
      [appendError([ok("A"), null]), ["event 1", "object"]],
      [appendError([Event.make("", [])]), ["event 0", "type", "empty"]],
      [appendError([Event.make("T".repeat(257), [])]), ["type", "256"]],
      [appendError([{ type: "A", tags: "t", data: new Uint8Array() }]), ["tags", "array"]],
      [appendError([Event.make("A", Array.from({ length: 17 }, (_, i) => `t${i}`))]), ["16", "17"]],
      [appendError([Event.make("A", [""])]), ["tag", "empty"]],
      [appendError([Event.make("A", ["g".repeat(257)])]), ["tag", "256"]],
      [appendError([{ type: "A", tags: [], data: "x" }]), ["data", "Uint8Array"]],
      [appendError([{ type: "A", tags: [], data: new Uint8Array(90_001) }]), ["90000", "90001"]],
      [appendError([{ type: "A", tags: [], data: new Uint8Array(), metadata: 3 }]), ["metadata", "record"]],
      [appendError([{ type: "A", tags: [], data: new Uint8Array(), metadata: { who: 3 } }]), ["metadata", "who"]],
      [appendError([Event.make("A", [], "", { k: "v".repeat(4096) })]), ["metadata", "4096"]],
      [
        appendError(Array.from({ length: 89 }, () => ({ type: "A", tags: [], data: new Uint8Array(90_000) }))),
        ["8000000", "8010000"]
      ],
      [appendError([ok("A")], { appendId: "" }), ["append id", "non-empty"]],
      [appendError([ok("A")], { appendId: "i".repeat(257) }), ["append id", "256"]],
      [
        appendError([ok("A")], { condition: { failIfEventsMatch: Query.all(), after: -1n as SequencePosition.SequencePosition } }),
        ["after", "-1"]
      ]
    ]
    for (const [error, words] of cases) {
      const message = (error as Error).message
      for (const word of words) expect(message, message).toContain(word)
    }
  })

  it("read validation", () => {
    expect(readError(Query.all(), { limit: 0 }).message).toContain("limit must be a positive integer, got 0")
    expect(readError(Query.all(), { after: -2n as SequencePosition.SequencePosition }).message).toContain("-2")
    const query = readError(Query.fromItems([{ types: ["A"] }, {}]))
    expect(query.message).toMatch(/^query item 1: .*types or tags/)
    expect(readError(Query.fromItems([])).message).toMatch(/at least one item/)
    expect(readError(Query.fromItems([])).message).not.toMatch(/^query item/)
    expect(readError(Query.fromItems([null as unknown as Query.QueryItem])).message).toContain("object")
    expect(readError(Query.fromItems([{ types: "A" as unknown as Array<string> }])).message).toContain("types")
    expect(readError(Query.fromItems([{ tags: "A" as unknown as Array<string> }])).message).toContain("tags")
    expect(readError(Query.fromItems([{ types: [""] }])).message).toContain("type")
    expect(readError(Query.fromItems([{ tags: [7 as unknown as string] }])).message).toContain("tag")
    expect(readError(Query.fromItems([{ types: [7 as unknown as string] }])).message).toContain("type")
  })

  it("conditions: at most 64 per append, an array, each an object", () => {
    const cond = AppendCondition.make(Query.item({ types: ["Nope"] }))
    const max = EventStore.limits.maxConditionsPerAppend
    expect(Effect.runSync(store.append([ok("Z")], { conditions: Array.from({ length: max }, () => cond) }))).toBeGreaterThan(0n)
    expect(Effect.runSync(store.append([ok("Z")], { condition: cond, conditions: Array.from({ length: max - 1 }, () => cond) })))
      .toBeGreaterThan(0n)
    const tooMany = appendError([ok("Z")], { condition: cond, conditions: Array.from({ length: max }, () => cond) })
    expect(tooMany._tag).toBe("InvalidAppend")
    expect(tooMany.message).toBe(`an append has at most ${max} conditions, got ${max + 1}`)
    const tooManyAlone = appendError([ok("Z")], { conditions: Array.from({ length: max + 1 }, () => cond) })
    expect(tooManyAlone.message).toContain(`got ${max + 1}`)
    const notArray = appendError([ok("Z")], { conditions: cond as unknown as Array<AppendCondition.AppendCondition> })
    expect(notArray._tag).toBe("InvalidAppend")
    expect(notArray.message).toContain("array")
    for (const bad of [null, "c", 3]) {
      const error = appendError([ok("Z")], { conditions: [cond, bad as unknown as AppendCondition.AppendCondition] })
      expect(error._tag).toBe("InvalidAppend")
      expect(error.message).toContain("must be an object")
    }
  })

  it("other messages", () => {
    expect(new EventStore.ConditionTooBroad({ conditionIndex: 2, reason: "too broad" }).message).toBe("append condition 2: too broad")
    expect(new EventStore.StorageError({ reason: "down" }).message).toBe("down")
    expect(readError(Query.all(), { before: -1n as SequencePosition.SequencePosition }).message).toBe(
      "before must be a sequence position, got -1"
    )
    expect(readError(Query.all(), { after: -1n as SequencePosition.SequencePosition }).message).toBe(
      "after must be a sequence position, got -1"
    )
    expect(appendError(["A"]).message).toContain("must be an object")
    expect(() => Event.define("", { payload: Schema.Struct({}), tags: () => [] })).toThrow("Event.define: the event type is empty")
    expect(() => SequencePosition.make(-1)).toThrow("Invalid sequence position: -1")
    expect(readError(null as unknown as Query.Query).message).toContain("Query.all() or Query.fromItems")
    expect(readError({ _tag: "Items", items: "A" } as unknown as Query.Query).message).toContain("Query.all() or Query.fromItems")
    const item = readError(Query.fromItems(["A" as unknown as Query.QueryItem]))
    expect(item.message).toBe("query item 0: a query item must be an object")
  })

  it("conflicts and reused ids", () => {
    const p = Effect.runSync(store.append([Event.make("Taken", ["name:x"])], { appendId: "once" }))
    const conflict = appendError([ok("B")], { condition: AppendCondition.make(Query.item({ tags: ["name:x"] })) })
    expect(conflict._tag).toBe("AppendConditionFailed")
    expect(conflict.message).toBe(`append condition 0 failed: event at position ${p} matches the condition's query`)
    expect(conflict.message).not.toContain("after position")
    const after = appendError([ok("B")], {
      condition: AppendCondition.make(Query.item({ tags: ["name:x"] }), SequencePosition.make(0))
    })
    expect(after.message).toBe(`append condition 0 failed: event at position ${p} matches the condition's query after position 0`)
    const reused = appendError([ok("C")], { appendId: "once" })
    expect(reused._tag).toBe("AppendIdReused")
    expect(reused.message).toContain(`"once"`)
    expect(reused.message).toContain(String(p))
  })

  it("decode and encode errors", () =>
    Effect.gen(function*() {
      const Defined = Event.define("Defined", {
        payload: Schema.Struct({ n: Schema.Int }),
        tags: () => []
      })
      const position = SequencePosition.make(9)
      const stored = (data: Uint8Array | string, type = "Defined"): Event.SequencedEvent => ({
        ...Event.make(type, [], data),
        position,
        recordedAt: undefined as never
      })
      const wrongType = yield* Effect.flip(Defined.decode(stored("{}", "Other")))
      expect(wrongType.message).toContain("event Other at position 9 does not decode")
      expect(wrongType.reason).toContain("expected an event of type Defined")
      const notJson = yield* Effect.flip(Defined.decode(stored("{")))
      expect(notJson.reason).toMatch(/JSON/)
      expect(notJson.reason).not.toMatch(/symbol/i)
      const notUtf8 = yield* Effect.flip(Defined.decode(stored(new Uint8Array([0xc3]))))
      expect(notUtf8.reason).toContain("UTF-8")
      const wrong = yield* Effect.flip(Defined.decode(stored(JSON.stringify({ n: 1.5 }))))
      expect(wrong.reason).toMatch(/int/i)
      const encode = yield* Effect.flip(Defined.encode({ n: 1.5 }))
      expect(encode._tag).toBe("EventEncodeError")
      expect(encode.message).toContain("event Defined does not encode")
      expect(() => Defined.make({ n: 0.5 })).toThrow(/does not encode/)
      // the synchronous decoder has the same outcomes; a definition not made by `define` has none
      const sync = Event.syncDecoder(Defined)!
      expect(sync(stored("{")) instanceof Event.EventDecodeError).toBe(true)
      expect(sync(stored(JSON.stringify({ n: 2 })))).toMatchObject({ type: "Defined", payload: { n: 2 }, position, metadata: {} })
      expect(Event.syncDecoder({ ...Defined })).toBeUndefined()
      expect(Event.isDefinition(Defined)).toBe(true)
      expect(Event.isDefinition({ ...Defined })).toBe(true)
      for (const u of [null, undefined, "Defined", {}, { type: "Defined" }]) expect(Event.isDefinition(u)).toBe(false)
      expect(() => Event.define("" as string, { payload: Schema.Struct({}), tags: () => [] })).toThrow(TypeError)
      expect(() => Event.define(7 as unknown as string, { payload: Schema.Struct({}), tags: () => [] })).toThrow(TypeError)
      expect(Defined.is({ type: "Defined" })).toBe(true)
      expect(Defined.is({ type: "Other" })).toBe(false)
      // make: no data, a string (UTF-8), bytes as given; metadata only when given
      expect(Event.make("A", []).data).toEqual(new Uint8Array())
      expect(Event.make("A", [], "é").data).toEqual(Uint8Array.of(0xc3, 0xa9))
      const bytes = Uint8Array.of(1, 2)
      expect(Event.make("A", [], bytes).data).toBe(bytes)
      expect("metadata" in Event.make("A", [])).toBe(false)
      expect(Defined.make({ n: 1 }, { by: "me" }).metadata).toEqual({ by: "me" })
      expect((yield* Defined.encode({ n: 1 }, { by: "me" })).metadata).toEqual({ by: "me" })
    }).pipe(Effect.runPromise))
})

describe("Query.union of items that differ only in their types", () => {
  it("keeps both items: the union matches the events of either type", () => {
    const a = Query.item({ types: ["A"], tags: ["t"] })
    const b = Query.item({ types: ["B"], tags: ["t"] })
    for (const union of [Query.union(a, b), Query.union(b, a), Query.unionAll([a, b, a])]) {
      expect(Query.matches(union, { type: "A", tags: ["t"] })).toBe(true)
      expect(Query.matches(union, { type: "B", tags: ["t", "u"] })).toBe(true)
      expect(Query.matches(union, { type: "B", tags: ["u"] })).toBe(false)
      expect(Query.matches(union, { type: "C", tags: ["t"] })).toBe(false)
    }
    // items that differ only in their tags, too
    const tags = Query.union(Query.item({ types: ["A"], tags: ["t"] }), Query.item({ types: ["A"], tags: ["u"] }))
    expect(Query.matches(tags, { type: "A", tags: ["u"] })).toBe(true)
    // an item with types and one with the same types and no tags are different items
    const loose = Query.union(Query.item({ types: ["A"] }), Query.item({ types: ["A"], tags: ["t"] }))
    expect(loose).toEqual(Query.fromItems([{ types: ["A"] }, { types: ["A"], tags: ["t"] }]))
  })
})

describe("the wait of a subscription", () => {
  /** A query that counts how often the store looks at it (each read of the memory store does). */
  const counted = (items: ReadonlyArray<Query.QueryItem>) => {
    const counter = { reads: 0 }
    const query = Query.fromItems(items)
    const spy = new Proxy(query, {
      get(target, key, receiver) {
        if (key === "items") counter.reads++
        return Reflect.get(target, key, receiver)
      }
    })
    return { counter, query: spy }
  }

  it.live("does not read again while caught up (no busy polling)", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { counter, query } = counted([{ types: ["A"] }])
      yield* store.append([Event.make("A", [], "1")])
      const got = yield* Deferred.make<void>()
      const fiber = yield* store.subscribe(query).pipe(
        Stream.tap(() => Deferred.succeed(got, undefined)),
        Stream.take(2),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* Deferred.await(got)
      yield* Effect.sleep("50 millis")
      const before = counter.reads
      yield* Effect.sleep("200 millis")
      // caught up: no read while nothing is appended
      expect(counter.reads - before).toBe(0)
      yield* store.append([Event.make("B", []), Event.make("A", [], "2")])
      const events = yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
      expect(events.map((e) => new TextDecoder().decode(e.data))).toEqual(["1", "2"])
    }).pipe(Effect.provide(EventStore.layerMemory)))

  for (const seeded of [true, false]) {
    it.live(`delivers an append that lands between its read and its wait (${seeded ? "after an event" : "empty store"})`, () =>
      Effect.gen(function*() {
        const store = yield* EventStore.EventStore
        if (seeded) yield* store.append([Event.make("A", [], "first")])
        let landed = false
        const fiber = yield* store.subscribe(Query.item({ types: ["A"] })).pipe(
          // as the first event is delivered (the read's snapshot taken, the wait not begun), another writer appends
          Stream.tap(() =>
            landed ? Effect.void : Effect.asVoid(Effect.orDie(store.append([Event.make("A", [], "late")]))).pipe(
              Effect.tap(() => Effect.sync(() => { landed = true }))
            )
          ),
          Stream.take(2),
          Stream.runCollect,
          Effect.timeout("5 seconds"),
          Effect.forkChild
        )
        if (!seeded) {
          yield* Effect.sleep("50 millis")
          yield* store.append([Event.make("A", [], "first")])
        }
        const events = yield* Fiber.join(fiber)
        expect(events.map((e) => new TextDecoder().decode(e.data))).toEqual(["first", "late"])
      }).pipe(Effect.provide(EventStore.layerMemory)))
  }

  it.live("on an empty store, waits without reading again until the first append", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const { counter, query } = counted([{ types: ["A"] }])
      const fiber = yield* store.subscribe(query).pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
      yield* Effect.sleep("50 millis")
      const before = counter.reads
      yield* Effect.sleep("200 millis")
      expect(counter.reads - before).toBe(0)
      yield* store.append([Event.make("A", [], "1")])
      const events = yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
      expect(events.length).toBe(1)
      // the accessor subscribes through the store in context
      const again = yield* EventStore.subscribe(Query.item({ types: ["A"] })).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.timeout("5 seconds")
      )
      expect(again.map((e) => e.position)).toEqual([1n])
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.live("makeSubscribe: reads from the last delivered event, and waits for the head it noted before reading", () =>
    Effect.gen(function*() {
      const inner = yield* EventStore.makeMemory
      const waits: Array<Option.Option<SequencePosition.SequencePosition>> = []
      const reads: Array<SequencePosition.SequencePosition | undefined> = []
      let appendDuringRead = true
      const subscribe = EventStore.makeSubscribe({
        head: inner.head,
        read: (query, options) => {
          reads.push(options?.after)
          return Stream.concat(
            inner.read(query, options),
            Stream.fromEffect(Effect.suspend(() => {
              if (!appendDuringRead) return Effect.void
              appendDuringRead = false
              // lands after the read's snapshot, before the wait
              return Effect.asVoid(Effect.orDie(inner.append([Event.make("A", [], "between")])))
            })).pipe(Stream.drain)
          )
        },
        awaitHeadAfter: (position) =>
          Effect.gen(function*() {
            waits.push(position)
            for (;;) {
              const head = yield* inner.head
              const seen = Option.getOrElse(position, () => -1n)
              if (Option.getOrElse(head, () => -1n) > seen) return
              yield* Effect.sleep("5 millis")
            }
          })
      })
      yield* inner.append([Event.make("A", [], "0")])
      const events = yield* subscribe(Query.item({ types: ["A"] }), { after: undefined }).pipe(
        Stream.take(2),
        Stream.runCollect,
        Effect.timeout("5 seconds")
      )
      expect(events.map((e) => new TextDecoder().decode(e.data))).toEqual(["0", "between"])
      // the first round read everything and waited on the head noted before its read (1), so it did not block
      expect(reads).toEqual([undefined, 1n])
      expect(waits[0]).toEqual(Option.some(1n))
      const invalid = yield* Effect.flip(Stream.runCollect(subscribe(Query.fromItems([]))))
      expect(invalid._tag).toBe("InvalidQuery")
      const late = yield* subscribe(Query.all(), { after: SequencePosition.make(1) }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.timeout("5 seconds")
      )
      expect(late.map((e) => e.position)).toEqual([2n])
    }))
})

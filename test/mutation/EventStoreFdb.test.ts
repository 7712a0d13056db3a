/**
 * The FoundationDB store's own rules, beyond the shared contract: the stored
 * value of an event (docs/fdb-layout.md), stores under different prefixes on
 * one database, where an append writes its event, index keys and head, the
 * bounded number of append markers left behind, FoundationDB's value and
 * transaction limits (an append over them is rejected, nothing written), and
 * the store's options.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Stream } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as KeyLayout from "fairway/Fdb/KeyLayout"
import * as Tuple from "fairway/Fdb/Tuple"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const decoder = new TextDecoder()
const labels = (events: Iterable<Event.SequencedEvent>) => Array.from(events, (e) => decoder.decode(e.data))

const under = (prefix: Uint8Array, key: Uint8Array) =>
  key.length >= prefix.length && hex(key.subarray(0, prefix.length)) === hex(prefix)

describe("EventStoreFdb", () => {
  it("stores an event as 0x01, the header length (u32, big-endian), a JSON header, then the payload", () => {
    const event = Event.make("Created", ["a:1", "b:2"], "payload", { by: "me" })
    const value = EventStoreFdb.encodeEvent(event, 1_700_000_000_123)
    expect(value[0]).toBe(1)
    const length = new DataView(value.buffer, value.byteOffset).getUint32(1)
    const header = JSON.parse(decoder.decode(value.subarray(5, 5 + length)))
    expect(header).toEqual({ t: "Created", g: ["a:1", "b:2"], r: 1_700_000_000_123, m: { by: "me" } })
    expect(decoder.decode(value.subarray(5 + length))).toBe("payload")
    expect(value.length).toBe(5 + length + 7)
    const decoded = EventStoreFdb.decodeEvent(value, 42n as never)
    expect(decoded).toMatchObject({ type: "Created", tags: ["a:1", "b:2"], metadata: { by: "me" }, position: 42n })
    expect(decoded.recordedAt.epochMilliseconds).toBe(1_700_000_000_123)
    expect(decoder.decode(decoded.data)).toBe("payload")
    // without metadata: no `m`, and the decoded event has no metadata key
    const bare = EventStoreFdb.encodeEvent(Event.make("A", [], new Uint8Array([0, 255])), 5)
    const bareLength = new DataView(bare.buffer).getUint32(1)
    expect(JSON.parse(decoder.decode(bare.subarray(5, 5 + bareLength)))).toEqual({ t: "A", g: [], r: 5 })
    const back = EventStoreFdb.decodeEvent(bare, 1n as never)
    expect("metadata" in back).toBe(false)
    expect([...back.data]).toEqual([0, 255])
    // a header longer than 255 bytes: the length takes more than its low byte
    const long = EventStoreFdb.encodeEvent(Event.make("T".repeat(256), ["x".repeat(256)], "p"), 1)
    expect(EventStoreFdb.decodeEvent(long, 1n as never).type).toBe("T".repeat(256))
    expect(decoder.decode(EventStoreFdb.decodeEvent(long, 1n as never).data)).toBe("p")
  })

  it.effect("stores under different prefixes on one database do not see each other", () =>
    Effect.gen(function*() {
      const db = yield* FdbDatabase.FdbDatabase
      const sim = yield* FdbSimulator.FdbSimulator
      const make = (options?: EventStoreFdb.Options) =>
        EventStoreFdb.make(options).pipe(Effect.provideService(FdbDatabase.FdbDatabase, db))
      const byDefault = yield* make()
      const named = yield* make({ prefix: "shop" })
      const raw = yield* make({ prefix: Tuple.pack(["elsewhere"]) })
      yield* byDefault.append([Event.make("A", ["t"], "default")])
      yield* named.append([Event.make("A", ["t"], "shop")])
      yield* raw.append([Event.make("A", ["t"], "raw")])
      for (const [store, label] of [[byDefault, "default"], [named, "shop"], [raw, "raw"]] as const) {
        for (const query of [Query.all(), Query.item({ tags: ["t"] }), Query.item({ types: ["A"], tags: ["t"] })]) {
          expect(labels(yield* Stream.runCollect(store.read(query)))).toEqual([label])
        }
      }
      // and each store's keys are under its prefix
      const keys = (yield* sim.dump).map((kv) => kv.key)
      const prefixes = [KeyLayout.defaultPrefix, Tuple.pack(["fairway", "shop"]), Tuple.pack(["elsewhere"])]
      for (const key of keys) expect(prefixes.some((p) => under(p, key)), hex(key)).toBe(true)
      for (const p of prefixes) expect(keys.some((key) => under(p, key))).toBe(true)
    }).pipe(Effect.provide(FdbDatabase.layerSimulated())))

  it.effect("an append writes the event, its index keys, the head and its marker at the event's position", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const sim = yield* FdbSimulator.FdbSimulator
      const layout = KeyLayout.make()
      const p = yield* store.append([Event.make("T", ["b", "a"], "x")], { appendId: "id-1" })
      const dump = yield* sim.dump
      const find = (key: Uint8Array) => dump.find((kv) => hex(kv.key) === hex(key))
      const event = find(KeyLayout.keyAt(layout.events, p))
      expect(event).toBeDefined()
      expect(EventStoreFdb.decodeEvent(event!.value, p).type).toBe("T")
      for (const range of KeyLayout.indexRanges(layout, "T", ["b", "a"])) {
        expect(find(KeyLayout.keyAt(range, p)), hex(range.prefix)).toBeDefined()
      }
      expect(KeyLayout.positionFromBytes(find(layout.head)!.value, 0)).toBe(p)
      expect(KeyLayout.positionFromBytes(find(layout.appendId("id-1"))!.value, 0)).toBe(p)
      expect(yield* store.head).toEqual(Option.some(p))
    }).pipe(Effect.provide(EventStoreFdb.layer().pipe(Layer.provideMerge(FdbDatabase.layerSimulated())))))

  it.effect("appends without an id leave a bounded number of markers behind", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      const sim = yield* FdbSimulator.FdbSimulator
      const markers = KeyLayout.make().appendMarker("")
      const prefix = markers.subarray(0, markers.length - 2) // ("j", "") without the empty string's terminator
      for (let i = 0; i < 150; i++) yield* store.append([Event.make("A", [], String(i))])
      const left = (yield* sim.dump).filter((kv) => under(prefix, kv.key))
      expect(left.length).toBeGreaterThan(0)
      expect(left.length).toBeLessThanOrEqual(2)
      expect(labels(yield* Stream.runCollect(store.read(Query.all(), { backwards: true, limit: 1 })))).toEqual(["149"])
    }).pipe(Effect.provide(EventStoreFdb.layer().pipe(Layer.provideMerge(FdbDatabase.layerSimulated())))))

  it.effect("an event over FoundationDB's value limit, or an append over its transaction limit, is rejected", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      yield* store.append([Event.make("A", [], "first")])
      const before = yield* store.head
      // within the core limits (counted in UTF-16 units), over 100,000 bytes once encoded as UTF-8
      const wide = "\u4e2d"
      const huge: Event.NewEvent = {
        type: wide.repeat(EventStore.limits.maxTypeLength),
        tags: Array.from({ length: EventStore.limits.maxTagsPerEvent }, (_, i) => `${i}`.padEnd(EventStore.limits.maxTagLength, wide)),
        data: new Uint8Array(EventStore.limits.maxDataBytes),
        metadata: { k: wide.repeat(EventStore.limits.maxMetadataLength - 1) }
      }
      const tooBig = yield* Effect.flip(store.append([Event.make("A", []), huge]))
      expect(tooBig._tag).toBe("InvalidEvent")
      expect((tooBig as EventStore.InvalidEvent).eventIndex).toBe(1)
      expect(tooBig.message).toContain("100000")
      // many events with many long tags: the index keys alone are over 10,000,000 bytes
      const tags = Array.from({ length: EventStore.limits.maxTagsPerEvent }, (_, i) => `${i}:`.padEnd(200, "t"))
      const many = Array.from({ length: 600 }, () => Event.make("A", tags))
      const tooLarge = yield* Effect.flip(store.append(many))
      expect(tooLarge._tag).toBe("InvalidAppend")
      expect(tooLarge.message).toContain("10000000")
      expect(yield* store.head).toEqual(before)
      // the same events in smaller appends are accepted
      yield* store.append(many.slice(0, 20))
      expect(yield* store.head).not.toEqual(before)
    }).pipe(Effect.provide(EventStoreFdb.layer().pipe(Layer.provide(FdbDatabase.layerSimulated())))))

  it.effect("a page size below one reads one key per page", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      yield* store.append(Array.from({ length: 5 }, (_, i) => Event.make(i % 2 ? "A" : "B", ["t"], String(i))))
      expect(labels(yield* Stream.runCollect(store.read(Query.item({ types: ["A"] }))))).toEqual(["1", "3"])
      expect(labels(yield* Stream.runCollect(store.read(Query.all(), { backwards: true, limit: 2 })))).toEqual(["4", "3"])
    }).pipe(Effect.provide(EventStoreFdb.layer({ pageSize: 0 }).pipe(Layer.provide(FdbDatabase.layerSimulated())))))
})

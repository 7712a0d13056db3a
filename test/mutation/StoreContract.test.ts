/**
 * Parts of the event store contract that mutation testing found unguarded:
 * every input limit at its boundary (one under is accepted, one over is
 * rejected with nothing written), `limit` on every read shape, an event that
 * repeats a tag, a union of query items that differ only in their types used
 * as an append condition, and the idempotency of appends (a retry is told
 * from a different append however the two differ).
 *
 * Each test runs on the memory store and on the FoundationDB store over the
 * simulator: the limits and the rules are the same on every backend.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import type * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"

const backends: ReadonlyArray<readonly [string, () => Layer.Layer<EventStore.EventStore>]> = [
  ["memory", () => EventStore.layerMemory],
  ["fdb simulator", () => EventStoreFdb.layer({ pageSize: 3 }).pipe(Layer.provide(FdbDatabase.layerSimulated()))]
]

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const ev = (type: string, tags: ReadonlyArray<string>, label = "", metadata?: Record<string, string>): Event.NewEvent => ({
  type,
  tags,
  data: encoder.encode(label),
  ...(metadata !== undefined ? { metadata } : {})
})
const labelOf = (e: Event.SequencedEvent) => decoder.decode(e.data)
const positions = (events: ReadonlyArray<Event.SequencedEvent>) => events.map((e) => e.position)

const limits = EventStore.limits

for (const [name, makeLayer] of backends) {
  const test = (title: string, body: (store: EventStore.EventStoreShape) => Effect.Effect<void, unknown>) =>
    it.live(title, () =>
      Effect.gen(function*() {
        yield* body(yield* EventStore.EventStore)
      }).pipe(Effect.provide(makeLayer())), 120_000)

  const readAll = (store: EventStore.EventStoreShape, query: Query.Query, options?: EventStore.ReadOptions) =>
    Effect.map(Stream.runCollect(store.read(query, options)), (events) => Array.from(events))

  /** The error an attempt fails with, after checking that it wrote nothing. */
  const rejected = <E>(store: EventStore.EventStoreShape, attempt: Effect.Effect<unknown, E>) =>
    Effect.gen(function*() {
      const before = yield* store.head
      const error = yield* Effect.flip(attempt)
      expect(yield* store.head).toEqual(before)
      return error as E & { readonly _tag: string }
    })

  describe(`store contract (${name})`, () => {
    describe("input limits, at the boundary", () => {
      test("an append of the most events is accepted, one more is rejected", (store) =>
        Effect.gen(function*() {
          const events = Array.from({ length: limits.maxEventsPerAppend }, () => ev("A", []))
          const error = yield* rejected(store, store.append([...events, ev("A", [])]))
          expect(error._tag).toBe("InvalidAppend")
          // (accepting the most events is checked on memory only: on the simulator it takes seconds)
          if (name !== "memory") return
          const last = yield* store.append(events)
          expect(positions(yield* readAll(store, Query.all(), { backwards: true, limit: 1 }))).toEqual([last])
          expect(yield* readAll(store, Query.all())).toHaveLength(limits.maxEventsPerAppend)
        }))

      test("an append of the most payload bytes is accepted, one byte more is rejected", (store) =>
        Effect.gen(function*() {
          const full = Math.floor(limits.maxAppendBytes / limits.maxDataBytes)
          const rest = limits.maxAppendBytes - full * limits.maxDataBytes
          const events: Array<Event.NewEvent> = Array.from(
            { length: full },
            () => ({ type: "A", tags: [], data: new Uint8Array(limits.maxDataBytes) })
          )
          const error = yield* rejected(
            store,
            store.append([...events, { type: "A", tags: [], data: new Uint8Array(rest + 1) }])
          )
          expect(error._tag).toBe("InvalidAppend")
          yield* store.append([...events, { type: "A", tags: [], data: new Uint8Array(rest) }])
          const read = yield* readAll(store, Query.all())
          expect(read.reduce((n, e) => n + e.data.byteLength, 0)).toBe(limits.maxAppendBytes)
        }))

      test("the longest append id is accepted, one character more is rejected", (store) =>
        Effect.gen(function*() {
          const id = "i".repeat(limits.maxAppendIdLength)
          const first = yield* store.append([ev("A", [], "1")], { appendId: id })
          expect(yield* store.append([ev("A", [], "1")], { appendId: id })).toBe(first)
          const error = yield* rejected(store, store.append([ev("A", [], "2")], { appendId: id + "i" }))
          expect(error._tag).toBe("InvalidAppend")
        }))

      test("the longest metadata is accepted, one character more is rejected", (store) =>
        Effect.gen(function*() {
          // keys and values both count
          const metadata = { k: "v".repeat(limits.maxMetadataLength - 1) }
          const p = yield* store.append([ev("A", [], "ok", metadata)])
          const [event] = yield* readAll(store, Query.all())
          expect(event!.position).toBe(p)
          expect(event!.metadata).toEqual(metadata)
          const error = yield* rejected(store, store.append([ev("A", [], "", { k2: metadata.k })]))
          expect(error._tag).toBe("InvalidEvent")
          const split = yield* rejected(
            store,
            store.append([ev("A", [], "", { a: "v".repeat(2048), b: "v".repeat(2047) })])
          )
          expect(split._tag).toBe("InvalidEvent")
        }))

      test("the most tags, the longest type and tag are accepted; one more is rejected", (store) =>
        Effect.gen(function*() {
          const tags = Array.from({ length: limits.maxTagsPerEvent }, (_, i) => `t:${i}`)
          yield* store.append([ev("T".repeat(limits.maxTypeLength), ["g".repeat(limits.maxTagLength)])])
          yield* store.append([ev("A", tags)])
          for (
            const bad of [
              ev("A", [...tags, "t:x"]),
              ev("T".repeat(limits.maxTypeLength + 1), []),
              ev("A", ["g".repeat(limits.maxTagLength + 1)])
            ]
          ) {
            const error = yield* rejected(store, store.append([bad]))
            expect(error._tag).toBe("InvalidEvent")
          }
          const error = yield* rejected(
            store,
            store.append([{ type: "A", tags: [], data: new Uint8Array(limits.maxDataBytes + 1) }])
          )
          expect(error._tag).toBe("InvalidEvent")
          expect((error as unknown as EventStore.InvalidEvent).eventIndex).toBe(0)
        }))

      // untyped callers (JSON, JavaScript) can pass anything: a typed error, never a crash or a partial write
      const badEvents: ReadonlyArray<readonly [string, unknown]> = [
        ["a null event", null],
        ["a string for an event", "A"],
        ["a type that is not a string", { type: 7, tags: [], data: new Uint8Array() }],
        ["tags that are not an array", { type: "A", tags: "t:1", data: new Uint8Array() }],
        ["a tag that is not a string", { type: "A", tags: [7], data: new Uint8Array() }],
        ["data that is a string", { type: "A", tags: [], data: "bytes" }],
        ["data that is an array of numbers", { type: "A", tags: [], data: [1, 2, 3] }],
        ["null metadata", { type: "A", tags: [], data: new Uint8Array(), metadata: null }],
        ["metadata that is a string", { type: "A", tags: [], data: new Uint8Array(), metadata: "m" }],
        ["a metadata value that is not a string", { type: "A", tags: [], data: new Uint8Array(), metadata: { a: 1 } }]
      ]
      for (const [title, bad] of badEvents) {
        test(`${title}, after a valid event, is rejected as the second event`, (store) =>
          Effect.gen(function*() {
            const error = yield* rejected(store, store.append([ev("A", ["t:1"]), bad as Event.NewEvent]))
            expect(error._tag).toBe("InvalidEvent")
            expect((error as unknown as EventStore.InvalidEvent).eventIndex).toBe(1)
          }))
      }

      test("events that are not an array, and an append id that is not a string, are rejected", (store) =>
        Effect.gen(function*() {
          for (const events of [null, undefined, "A", { length: 1, 0: ev("A", []) }]) {
            const error = yield* rejected(store, store.append(events as unknown as ReadonlyArray<Event.NewEvent>))
            expect(error._tag).toBe("InvalidAppend")
          }
          const error = yield* rejected(
            store,
            store.append([ev("A", [])], { appendId: 42 as unknown as string })
          )
          expect(error._tag).toBe("InvalidAppend")
        }))

      test("a condition `after` at position 0 is a valid position", (store) =>
        Effect.gen(function*() {
          const zero = SequencePosition.make(0)
          const p = yield* store.append([ev("A", [])], { condition: AppendCondition.make(Query.all(), zero) })
          const events = yield* readAll(store, Query.all(), { after: zero })
          expect(positions(events)).toEqual([p])
        }))
    })

    describe("`limit` on every shape of read", () => {
      // an index where the tag "t" is rarer than the types A and B, so a read of
      // `{ types: [A, B], tags: [t] }` walks the tag and filters by type
      const seed = (store: EventStore.EventStoreShape) =>
        store.append([
          ev("A", ["t", "u"], "1"),
          ev("X", ["t"], "2"),
          ev("A", [], "3"),
          ev("A", ["t"], "4"),
          ev("B", ["t", "u"], "5"),
          ev("A", [], "6"),
          ev("B", [], "7"),
          ev("A", ["t", "u"], "8"),
          ev("A", [], "9"),
          ev("B", [], "10"),
          ev("A", [], "11")
        ])

      const cases: ReadonlyArray<readonly [string, Query.Query, ReadonlyArray<string>]> = [
        ["types and one tag", Query.item({ types: ["A", "B"], tags: ["t"] }), ["1", "4", "5", "8"]],
        ["one type and one tag", Query.item({ types: ["A"], tags: ["t"] }), ["1", "4", "8"]],
        ["two tags (filtered)", Query.item({ tags: ["t", "u"] }), ["1", "5", "8"]],
        ["types and two tags (filtered)", Query.item({ types: ["A"], tags: ["u", "t"] }), ["1", "8"]],
        ["one tag", Query.item({ tags: ["u"] }), ["1", "5", "8"]],
        ["one type", Query.item({ types: ["B"] }), ["5", "7", "10"]],
        ["two items (merged)", Query.fromItems([{ types: ["B"] }, { types: ["X"] }]), ["2", "5", "7", "10"]],
        [
          "two filtered items (merged)",
          Query.fromItems([{ types: ["B"], tags: ["t"] }, { types: ["X"], tags: ["t"] }]),
          ["2", "5"]
        ],
        ["all", Query.all(), ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]]
      ]
      for (const [title, query, all] of cases) {
        test(`${title}: forwards and backwards, with and without after`, (store) =>
          Effect.gen(function*() {
            yield* seed(store)
            expect((yield* readAll(store, query)).map(labelOf)).toEqual(all)
            const reversed = [...all].reverse()
            expect((yield* readAll(store, query, { backwards: true })).map(labelOf)).toEqual(reversed)
            for (let limit = 1; limit <= all.length + 1; limit++) {
              expect((yield* readAll(store, query, { limit })).map(labelOf), `limit ${limit}`).toEqual(
                all.slice(0, limit)
              )
              expect((yield* readAll(store, query, { limit, backwards: true })).map(labelOf), `backwards, limit ${limit}`)
                .toEqual(reversed.slice(0, limit))
            }
            // after the first match: the rest, limited
            const first = (yield* readAll(store, query, { limit: 1 }))[0]!.position
            expect((yield* readAll(store, query, { after: first, limit: 1 })).map(labelOf)).toEqual(all.slice(1, 2))
            expect((yield* readAll(store, query, { after: first })).map(labelOf)).toEqual(all.slice(1))
            expect((yield* readAll(store, query, { after: first, backwards: true, limit: 2 })).map(labelOf)).toEqual(
              reversed.slice(0, Math.min(2, all.length - 1))
            )
          }))
      }
    })

    describe("long reads (several chunks and pages) agree with a filter over every event", () => {
      test("each shape of query, with limits around the chunk size, forwards and backwards", (store) =>
        Effect.gen(function*() {
          const n = name === "memory" ? 2_600 : 260
          const types = ["A", "B", "C"]
          const tagsOf = (i: number) => [`t${i % 4}`, ...(i % 5 === 0 ? ["five"] : []), ...(i % 7 === 0 ? ["seven"] : [])]
          const events = Array.from({ length: n }, (_, i) => ev(types[i % 3]!, tagsOf(i), String(i)))
          for (let i = 0; i < n; i += 1_000) yield* store.append(events.slice(i, i + 1_000))
          const everything = yield* readAll(store, Query.all())
          const queries = [
            Query.all(),
            Query.item({ types: ["A"] }),
            Query.item({ types: ["A", "C"] }),
            Query.item({ tags: ["t1"] }),
            Query.item({ tags: ["five", "t0"] }),
            Query.item({ types: ["B"], tags: ["t2"] }),
            Query.item({ types: ["B", "A"], tags: ["five"] }),
            Query.item({ types: ["C"], tags: ["seven", "five"] }),
            Query.fromItems([{ types: ["A"], tags: ["seven"] }, { tags: ["five"] }]),
            Query.fromItems([{ types: ["B"] }, { tags: ["t3"] }, { types: ["C"], tags: ["t1"] }])
          ]
          const limits = name === "memory" ? [undefined, 1, 1_023, 1_024, 1_025, 2_000] : [undefined, 1, 7, 40]
          const middle = everything[Math.floor(n / 3)]!.position
          for (const [qi, query] of queries.entries()) {
            const matching = everything.filter((e) => Query.matches(query, e))
            for (const backwards of [false, true]) {
              for (const after of [undefined, middle]) {
                const candidates = matching.filter((e) => after === undefined || e.position > after)
                const ordered = backwards ? [...candidates].reverse() : candidates
                for (const limit of limits) {
                  const got = yield* readAll(store, query, { backwards, after, limit })
                  const expected = limit === undefined ? ordered : ordered.slice(0, limit)
                  expect(got.map(labelOf), `query ${qi}, backwards ${backwards}, after ${after}, limit ${limit}`)
                    .toEqual(expected.map(labelOf))
                }
              }
            }
          }
        }))
    })

    describe("recordedAt", () => {
      test("is the time of the append: the same for one append's events, later for a later append", (store) =>
        Effect.gen(function*() {
          const start = Date.now()
          yield* store.append([ev("A", [], "1"), ev("A", [], "2")])
          yield* Effect.sleep("20 millis")
          yield* store.append([ev("A", [], "3")])
          yield* Effect.sleep("20 millis")
          yield* store.append([ev("A", [], "4")])
          const end = Date.now()
          const times = (yield* readAll(store, Query.all())).map((e) => e.recordedAt.epochMilliseconds)
          expect(times[0]).toBe(times[1])
          expect(times[2]!).toBeGreaterThan(times[1]!)
          expect(times[3]!).toBeGreaterThan(times[2]!)
          for (const t of times) {
            expect(t).toBeGreaterThanOrEqual(start)
            expect(t).toBeLessThanOrEqual(end)
          }
        }))
    })

    describe("tags come back as they were given", () => {
      test("in their order, for every combination, and reads by any of them find the event", (store) =>
        Effect.gen(function*() {
          const lists: ReadonlyArray<ReadonlyArray<string>> = [
            [],
            ["a"],
            ["b"],
            ["a", "b"],
            ["b", "a"],
            ["a", "c"],
            ["c", "a"],
            ["a", "b", "c"],
            ["c", "b", "a"],
            ["ab"],
            ["a", "bc"],
            ["b", "c"],
            ["a", "b"]
          ]
          yield* store.append(lists.map((tags, i) => ev("A", tags, String(i))))
          // and again in separate appends, once the tags are known to the store
          for (let i = 0; i < lists.length; i++) yield* store.append([ev("B", lists[i]!, String(i))])
          const events = yield* readAll(store, Query.all())
          expect(events.map((e) => [...e.tags])).toEqual([...lists, ...lists].map((tags) => [...tags]))
          for (const tag of ["a", "b", "c", "ab", "bc"]) {
            const expected = events.filter((e) => e.tags.includes(tag)).map(labelOf)
            expect((yield* readAll(store, Query.item({ tags: [tag] }))).map(labelOf), tag).toEqual(expected)
          }
          // an event is never found by a tag it does not carry
          expect(yield* readAll(store, Query.item({ tags: ["undefined"] }))).toEqual([])
          // an empty list of types puts no constraint: the item reads like its tags alone
          expect((yield* readAll(store, Query.item({ types: [], tags: ["c"] }))).map(labelOf)).toEqual(
            events.filter((e) => e.tags.includes("c")).map(labelOf)
          )
          // no metadata given: none read back
          for (const e of events) expect("metadata" in e).toBe(false)
          const ab = events.filter((e) => e.tags.includes("a") && e.tags.includes("b")).map((e) => `${e.type}${labelOf(e)}`)
          expect((yield* readAll(store, Query.item({ tags: ["b", "a"] }))).map((e) => `${e.type}${labelOf(e)}`)).toEqual(ab)
        }))
    })

    describe("many distinct tags", () => {
      test("tag lists that share digits are kept apart", (store) =>
        Effect.gen(function*() {
          // thirteen tags known to the store, then lists whose members could run together ("1"+"12", "11"+"2")
          yield* store.append(Array.from({ length: 13 }, (_, i) => ev("Seed", [`t${i}`], `seed${i}`)))
          yield* store.append([ev("A", ["t1", "t12"], "x"), ev("A", ["t11", "t2"], "y"), ev("A", ["t1", "t1", "t2"], "z")])
          const read = yield* readAll(store, Query.item({ types: ["A"] }))
          expect(read.map((e) => [...e.tags])).toEqual([["t1", "t12"], ["t11", "t2"], ["t1", "t1", "t2"]])
          expect((yield* readAll(store, Query.item({ tags: ["t12"] }))).map(labelOf)).toEqual(["seed12", "x"])
          expect((yield* readAll(store, Query.item({ tags: ["t2", "t1"] }))).map(labelOf)).toEqual(["z"])
        }))
    })

    describe("an event that repeats a tag", () => {
      test("a condition of one item of a type and a tag fails exactly on an event of both", (store) =>
        Effect.gen(function*() {
          const condition = AppendCondition.make(Query.item({ types: ["A"], tags: ["t"] }))
          yield* store.append([ev("A", ["u"]), ev("B", ["t"]), ev("A", [])])
          yield* store.append([ev("C", [])], { condition })
          const p = yield* store.append([ev("A", ["u", "t"], "hit")])
          const error = yield* rejected(store, store.append([ev("C", [])], { condition }))
          expect((error as unknown as EventStore.AppendConditionFailed).conflictingPosition).toBe(p)
        }))

      test("is read once by its tag, and counts once for a condition", (store) =>
        Effect.gen(function*() {
          yield* store.append([ev("A", ["t", "t"], "1")])
          const second = yield* store.append([ev("B", ["u", "t", "u"], "2")])
          yield* store.append([ev("C", ["t"], "3")])
          const first = (yield* readAll(store, Query.all(), { limit: 1 }))[0]!.position
          for (
            const query of [
              Query.item({ tags: ["t"] }),
              Query.item({ tags: ["t", "t"] }),
              Query.fromItems([{ tags: ["t"] }, { tags: ["u"] }])
            ]
          ) {
            expect((yield* readAll(store, query)).map(labelOf)).toEqual(["1", "2", "3"])
            expect((yield* readAll(store, query, { backwards: true })).map(labelOf)).toEqual(["3", "2", "1"])
            expect((yield* readAll(store, query, { limit: 2 })).map(labelOf)).toEqual(["1", "2"])
          }
          expect((yield* readAll(store, Query.item({ tags: ["u"] }))).map(labelOf)).toEqual(["2"])
          expect((yield* readAll(store, Query.item({ tags: ["u", "t"] }))).map(labelOf)).toEqual(["2"])
          const error = yield* rejected(
            store,
            store.append([ev("D", [])], { condition: AppendCondition.make(Query.item({ tags: ["u"] }), first) })
          )
          expect((error as unknown as EventStore.AppendConditionFailed).conflictingPosition).toBe(second)
        }))
    })

    describe("a union of items that differ only in their types", () => {
      test("keeps every type: the append condition fails on each", (store) =>
        Effect.gen(function*() {
          const query = Query.union(
            Query.item({ types: ["A"], tags: ["t"] }),
            Query.item({ types: ["B"], tags: ["t"] })
          )
          for (const type of ["A", "B"]) {
            const condition = AppendCondition.make(query, Option.getOrUndefined(yield* store.head))
            const p = yield* store.append([ev(type, ["t"], type)])
            const error = yield* rejected(store, store.append([ev("C", ["t"])], { condition }))
            expect(error._tag).toBe("AppendConditionFailed")
            expect((error as unknown as EventStore.AppendConditionFailed).conflictingPosition).toBe(p)
          }
          expect((yield* readAll(store, query)).map(labelOf)).toEqual(["A", "B"])
        }))
    })

    describe("idempotent appends: a retry is told from a different append", () => {
      test("the same metadata in another key order is the same append (a replay)", (store) =>
        Effect.gen(function*() {
          const first = yield* store.append([ev("A", ["t"], "x", { a: "1", b: "2", c: "3" })], { appendId: "id" })
          const again = yield* store.append([ev("A", ["t"], "x", { c: "3", a: "1", b: "2" })], { appendId: "id" })
          expect(again).toBe(first)
          expect(yield* readAll(store, Query.all())).toHaveLength(1)
        }))

      const different: ReadonlyArray<readonly [string, ReadonlyArray<Event.NewEvent>, ReadonlyArray<Event.NewEvent>]> = [
        // "Ł" is U+0141, "A" is U+0041: the same low byte
        ["types that differ only in the high byte of a character", [ev("\u0141", [])], [ev("A", [])]],
        ["tags that differ only in the high byte of a character", [ev("A", ["\u0174"])], [ev("A", ["t"])]],
        ["metadata values that differ only in the high byte", [ev("A", [], "", { k: "\u0176" })], [ev("A", [], "", { k: "v" })]],
        ["tags split differently", [ev("A", ["ab", "c"])], [ev("A", ["a", "bc"])]],
        ["metadata split differently", [ev("A", [], "", { ab: "c" })], [ev("A", [], "", { a: "bc" })]],
        ["one more event", [ev("A", []), ev("A", [])], [ev("A", [])]],
        ["the same events in another order", [ev("A", []), ev("B", [])], [ev("B", []), ev("A", [])]],
        [
          // a long payload whose last bytes spell out the shorter payload's length and metadata, byte for byte,
          // when lengths are written as one byte: only the full length of the long payload tells them apart
          "a long payload versus a shorter one with metadata",
          [{ type: "A", tags: [], data: Uint8Array.from([...new Array<number>(123).fill(1), 0xff, 123, 0xff, 1, 0x78, 0]) }],
          [{ type: "A", tags: [], data: new Uint8Array(123).fill(1), metadata: { x: "" } }]
        ],
        [
          "payloads of 300 and 44 bytes",
          [{ type: "A", tags: [], data: new Uint8Array(300) }],
          [{ type: "A", tags: [], data: new Uint8Array(44) }]
        ]
      ]
      for (const [title, a, b] of different) {
        test(title, (store) =>
          Effect.gen(function*() {
            const first = yield* store.append(a, { appendId: "id" })
            const error = yield* rejected(store, store.append(b, { appendId: "id" }))
            expect(error._tag).toBe("AppendIdReused")
            expect((error as unknown as EventStore.AppendIdReused).firstPosition).toBe(first)
            // and the other way round, on a fresh id
            const second = yield* store.append(b, { appendId: "id2" })
            const error2 = yield* rejected(store, store.append(a, { appendId: "id2" }))
            expect((error2 as unknown as EventStore.AppendIdReused).firstPosition).toBe(second)
            // the same events again are a replay
            expect(yield* store.append(a, { appendId: "id" })).toBe(first)
          }))
      }
    })
  })
}

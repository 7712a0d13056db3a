/**
 * Strings that are not well-formed UTF-16 (a lone surrogate such as "\uD800",
 * which JSON happily produces) cannot be stored as UTF-8 keys: FoundationDB
 * would see "\uFFFD" instead, so an append on tag "\uD800" failed its
 * condition because of an event tagged "\uFFFD" while the memory store
 * accepted it. Every backend now rejects them with a typed error, nothing
 * written.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"

const backends: Array<[string, () => Layer.Layer<EventStore.EventStore>]> = [
  ["memory", () => EventStore.layerMemory],
  ["fdb simulator", () => EventStoreFdb.layer().pipe(Layer.provide(FdbDatabase.layerSimulated({ costs: "realistic" })))]
]

const event = (tags: ReadonlyArray<string>, type = "Registered") => ({ type, tags, data: new Uint8Array(0) })
const readAll = EventStore.read(Query.all()).pipe(Stream.runCollect, Effect.map((c) => Array.from(c)))

for (const [name, layer] of backends) {
  describe(`lone surrogates are rejected (${name})`, () => {
    it.effect("an event type or tag, an append id: a typed error, nothing written", () =>
      Effect.gen(function* () {
        const tag = yield* Effect.flip(EventStore.append([event(["user:\uD800"])]))
        expect(tag._tag).toBe("InvalidEvent")
        const low = yield* Effect.flip(EventStore.append([event(["\uDC00x"])]))
        expect(low._tag).toBe("InvalidEvent")
        const type = yield* Effect.flip(EventStore.append([event([], "Reg\uD83D")]))
        expect(type._tag).toBe("InvalidEvent")
        const id = yield* Effect.flip(EventStore.append([event(["ok"])], { appendId: "id-\uDBFF" }))
        expect(id._tag).toBe("InvalidAppend")
        expect(yield* readAll).toEqual([])
        // a well-formed pair (an emoji) is fine
        yield* EventStore.append([event(["user:\uD83D\uDE00"])])
        expect((yield* readAll).map((e) => e.tags)).toEqual([["user:\uD83D\uDE00"]])
      }).pipe(Effect.provide(layer())))

    it.effect("a condition or a read on a lone surrogate is an InvalidQuery, not a match on U+FFFD", () =>
      Effect.gen(function* () {
        yield* EventStore.append([event(["user:\uFFFD"])])
        const condition = { failIfEventsMatch: Query.item({ tags: ["user:\uD800"] }) }
        const failed = yield* Effect.flip(EventStore.append([event(["user:x"])], { condition }))
        expect(failed._tag).toBe("InvalidQuery")
        const read = yield* Effect.flip(EventStore.read(Query.item({ types: ["\uDFFF"] })).pipe(Stream.runCollect))
        expect(read._tag).toBe("InvalidQuery")
        expect((yield* readAll).map((e) => e.tags)).toEqual([["user:\uFFFD"]])
      }).pipe(Effect.provide(layer())))
  })
}

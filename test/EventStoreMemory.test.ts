import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import { conformance } from "./conformance/EventStoreConformance.ts"

conformance("memory", () => EventStore.layerMemory)

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const ev = (type: string, tags: ReadonlyArray<string>, label: string): Event.NewEvent => ({
  type,
  tags,
  data: encoder.encode(label)
})
const labelOf = (e: Event.SequencedEvent) => decoder.decode(e.data)

describe("EventStore.layerMemory", () => {
  it.effect("positions start at 1 and are consecutive", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      expect(yield* store.append([ev("A", [], "1")])).toBe(1n)
      expect(yield* store.append([ev("A", [], "2"), ev("A", [], "3")])).toBe(3n)
      const events = yield* Stream.runCollect(store.read(Query.all()))
      expect(events.map((e) => e.position)).toEqual([1n, 2n, 3n])
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("each build of the layer is a separate, empty store", () =>
    Effect.gen(function*() {
      const append = EventStore.append([ev("A", ["t:1"], "x")])
      yield* append.pipe(Effect.provide(EventStore.layerMemory))
      yield* append.pipe(Effect.provide(EventStore.layerMemory))
      const head = yield* EventStore.head.pipe(Effect.provide(EventStore.layerMemory))
      expect(head).toEqual(Option.none())
    }))

  describe("a read's result is the store as of the moment the read starts", () => {
    const cases: ReadonlyArray<readonly [string, Query.Query, EventStore.ReadOptions | undefined]> = [
      ["all, forwards", Query.all(), undefined],
      ["all, backwards", Query.all(), { backwards: true }],
      ["by type", Query.fromItems([{ types: ["A"] }]), undefined],
      ["by tag, backwards", Query.fromItems([{ tags: ["t:1"] }]), { backwards: true }],
      ["by type and tag, several items", Query.fromItems([{ types: ["A"], tags: ["t:1"] }, { types: ["B"] }]), undefined]
    ]
    for (const [title, query, options] of cases) {
      it.effect(title, () =>
        Effect.gen(function*() {
          const store = yield* EventStore.EventStore
          // more events than one chunk of the read (4096), so that it is consumed in several pulls
          const seeded = 9_000
          yield* store.append(Array.from({ length: seeded }, (_, i) => ev(i % 2 === 0 ? "A" : "B", ["t:1"], `${i}`)))
          const expected = (yield* Stream.runCollect(store.read(query, options))).map(labelOf)
          let appended = 0
          // append matching events while the read is being consumed, after its first element
          const got = yield* store.read(query, options).pipe(
            Stream.rechunk(1),
            Stream.tap(() =>
              appended++ < 2
                ? Effect.asVoid(store.append([ev("A", ["t:1"], `late-${appended}`), ev("B", ["t:1"], `late-b-${appended}`)]))
                : Effect.void
            ),
            Stream.map(labelOf),
            Stream.runCollect
          )
          expect(appended).toBeGreaterThan(0)
          expect(got).toEqual(expected)
          // the late events are stored all the same
          expect((yield* Stream.runCollect(store.read(Query.all()))).length).toBe(seeded + 2 * Math.min(appended, 2))
        }).pipe(Effect.provide(EventStore.layerMemory)))
    }
  })

  it.effect("reads through the type and tag indexes agree with a plain filter of the log", () =>
    Effect.gen(function*() {
      const store = yield* EventStore.EventStore
      // skewed data: type T0 and tag common:1 are frequent, the others rare, so
      // the store picks the tag index for some items and the type index for others
      let seed = 7
      const next = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
        return seed % n
      }
      const types = ["T0", "T0", "T0", "T0", "T1", "T2", "T3"]
      const tags = ["common:1", "common:1", "common:1", "rare:1", "rare:2", "mid:1", "mid:2"]
      for (let batch = 0; batch < 100; batch++) {
        yield* store.append(Array.from({ length: 1 + next(4) }, (_, k) => {
          const eventTags = [...new Set(Array.from({ length: next(4) }, () => tags[next(tags.length)]!))]
          return ev(types[next(types.length)]!, eventTags, `${batch}-${k}`)
        }))
      }
      const log = yield* Stream.runCollect(store.read(Query.all()))
      const queries: ReadonlyArray<Query.Query> = [
        Query.fromItems([{ types: ["T0"], tags: ["rare:1"] }]),
        Query.fromItems([{ types: ["T3"], tags: ["common:1"] }]),
        Query.fromItems([{ types: ["T1", "T2"], tags: ["common:1", "mid:1"] }]),
        Query.fromItems([{ tags: ["common:1", "rare:2"] }]),
        Query.fromItems([{ types: ["T0", "T0"] }, { tags: ["rare:1"] }, { types: ["T3"], tags: ["mid:2"] }]),
        Query.fromItems([{ types: ["Nope"], tags: ["common:1"] }, { tags: ["nope:1"] }]),
        Query.fromItems([{ tags: ["mid:1"] }, { tags: ["mid:1", "mid:2"] }])
      ]
      const optionsList: ReadonlyArray<EventStore.ReadOptions> = [
        {},
        { backwards: true },
        { after: log[40]!.position, limit: 7 },
        { after: log[40]!.position, limit: 5, backwards: true }
      ]
      for (const query of queries) {
        for (const options of optionsList) {
          let expected = log.filter((e) =>
            Query.matches(query, e) && (options.after === undefined || e.position > options.after)
          )
          if (options.backwards) expected = expected.reverse()
          if (options.limit !== undefined) expected = expected.slice(0, options.limit)
          const got = yield* Stream.runCollect(store.read(query, options))
          expect(got.map(labelOf), JSON.stringify([query, { ...options, after: String(options.after) }])).toEqual(expected.map(labelOf))
        }
      }
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as View from "fairway/Module/View"

// A list read model: one small state per (list, entry), keyed for the order it is listed in.
const Published = Event.define("Published", {
  payload: Schema.Struct({ id: Schema.String, at: Schema.Number, tags: Schema.Array(Schema.String), title: Schema.String }),
  tags: (p) => [`entry:${p.id}`]
})
const Unpublished = Event.define("Unpublished", {
  payload: Schema.Struct({ id: Schema.String, at: Schema.Number, tags: Schema.Array(Schema.String) }),
  tags: (p) => [`entry:${p.id}`]
})

const inverted = (at: number) => String(1e12 - at).padStart(13, "0")
const keysOf = (p: { readonly id: string; readonly at: number; readonly tags: ReadonlyArray<string> }) => [
  `all:${inverted(p.at)}:${p.id}`,
  ...p.tags.map((t) => `tag:${t}:${inverted(p.at)}:${p.id}`)
]

const Entry = Schema.Struct({ id: Schema.String, title: Schema.String })
const Entries = View.make({
  name: "Entries",
  version: 1,
  query: Query.item({ types: [Published.type, Unpublished.type] }),
  events: [Published, Unpublished],
  initial: { id: "", title: "" },
  schema: Entry,
  batchSize: 50,
  key: (e) => keysOf(e.payload),
  evolve: (_, e) => e.type === "Unpublished" ? View.remove : { id: e.payload.id, title: e.payload.title }
})

const publish = (id: string, at: number, tags: ReadonlyArray<string>, title = `title ${id}`) =>
  EventStore.append([Published.make({ id, at, tags, title })])
const unpublish = (id: string, at: number, tags: ReadonlyArray<string>) =>
  EventStore.append([Unpublished.make({ id, at, tags })])

const ids = (page: ReadonlyArray<{ readonly state: { readonly id: string } }>) => page.map((e) => e.state.id)

/** Every page of a list, `size` at a time, each continuing strictly after the last key of the previous one. */
const allPages = (options: View.ListOptions, size: number, between: Effect.Effect<void, any, any> = Effect.void) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    let after: string | undefined
    while (true) {
      const page = yield* View.list(Entries, { ...options, limit: size, ...(after !== undefined ? { after } : {}) })
      out.push(...page.map((e) => e.key))
      if (page.length < size) return out
      after = page[page.length - 1]!.key
      yield* between
    }
  })

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 11)", Simulated.layer({ seed: 11, faults: true })]
] as const

for (const [backend, Env] of backends) {
  describe(`View lists (${backend})`, () => {
    it.effect("list reads a prefix in key order, forwards and backwards, a page at a time", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 30; i++) yield* publish(`e${i}`, 1000 + i, i % 3 === 0 ? ["red"] : ["blue"])
        yield* View.catchUp(Entries)
        // newest first (inverted time), filtered by tag
        const red = yield* View.list(Entries, { prefix: "tag:red:" })
        expect(ids(red)).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0].map((i) => `e${i}`))
        const oldestRed = yield* View.list(Entries, { prefix: "tag:red:", backwards: true, limit: 3 })
        expect(ids(oldestRed)).toEqual(["e0", "e3", "e6"])
        const next = yield* View.list(Entries, { prefix: "tag:red:", backwards: true, limit: 3, after: oldestRed[2]!.key })
        expect(ids(next)).toEqual(["e9", "e12", "e15"])
        const page2 = yield* View.list(Entries, { prefix: "all:", limit: 5, after: (yield* View.list(Entries, { prefix: "all:", limit: 5 }))[4]!.key })
        expect(ids(page2)).toEqual(["e24", "e23", "e22", "e21", "e20"])
        // a prefix matches only its own keys ("tag:re" is not "tag:red:")
        expect(yield* View.list(Entries, { prefix: "tag:re:" })).toEqual([])
        expect((yield* View.list(Entries, { prefix: "tag:" })).length).toBe(30)
        // the whole list, paged, equals the list read at once
        expect(yield* allPages({ prefix: "all:" }, 7)).toEqual((yield* View.list(Entries, { prefix: "all:" })).map((e) => e.key))
      }).pipe(Effect.provide(Env)))

    it.effect("keys are ordered by code point on every backend", () =>
      Effect.gen(function* () {
        const odd = ["a", "b", "\u00e9", "\uffee", "\u{1f600}", "z", "\ue000", "a\u0000b", "A", "~"]
        for (const [i, t] of odd.entries()) yield* publish(`o${i}`, 5, [t])
        yield* View.catchUp(Entries)
        const listed = (yield* View.list(Entries, { prefix: "tag:" })).map((e) => e.key)
        const byCodePoint = [...listed].sort((x, y) => {
          const a = [...x].map((c) => c.codePointAt(0)!)
          const b = [...y].map((c) => c.codePointAt(0)!)
          for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
          return a.length - b.length
        })
        expect(listed).toEqual(byCodePoint)
        // U+1F600 (a surrogate pair in UTF-16) sorts after U+FFEE, as in UTF-8
        expect(listed.findIndex((k) => k.startsWith("tag:\u{1f600}"))).toBeGreaterThan(
          listed.findIndex((k) => k.startsWith("tag:\uffee"))
        )
        const backwards = (yield* View.list(Entries, { prefix: "tag:", backwards: true })).map((e) => e.key)
        expect(backwards).toEqual([...listed].reverse())
      }).pipe(Effect.provide(Env)))

    it.effect("evolve returning View.remove deletes the state from get and list", () =>
      Effect.gen(function* () {
        yield* publish("x", 1, ["red"])
        yield* publish("y", 2, ["red"])
        yield* View.catchUp(Entries)
        const key = `tag:red:${inverted(1)}:x`
        expect(Option.isSome(yield* View.get(Entries, key))).toBe(true)
        yield* unpublish("x", 1, ["red"])
        yield* View.catchUp(Entries)
        expect(Option.isNone(yield* View.get(Entries, key))).toBe(true)
        expect(ids(yield* View.list(Entries, { prefix: "tag:red:" }))).toEqual(["y"])
        // published and removed in one batch: nothing left either
        yield* publish("z", 3, ["green"])
        yield* unpublish("z", 3, ["green"])
        yield* View.catchUp(Entries)
        expect(yield* View.list(Entries, { prefix: "tag:green:" })).toEqual([])
      }).pipe(Effect.provide(Env)))

    it.effect("a list far larger than one value (100 kB) stays a list of small states", () =>
      Effect.gen(function* () {
        const title = "t".repeat(120)
        const count = 1_200 // ~150 kB of entries under one prefix: more than one FoundationDB value holds
        for (let i = 0; i < count; i += 100) {
          yield* EventStore.append(
            Array.from({ length: 100 }, (_, j) => Published.make({ id: `n${i + j}`, at: i + j, tags: [], title }))
          )
        }
        const result = yield* View.catchUp(Entries)
        expect(result.parked).toBe(0)
        const all = yield* View.list(Entries, { prefix: "all:" })
        expect(all.length).toBe(count)
        expect(all[0]!.state.id).toBe(`n${count - 1}`)
        expect(all[count - 1]!.state.id).toBe("n0")
      }).pipe(Effect.provide(Env)), 60_000)

    it.effect("paging is exact while writers add and remove other entries", () =>
      Effect.gen(function* () {
        // stable entries exist from start to end; churn entries come and go between pages
        for (let i = 0; i < 40; i++) yield* publish(`s${i}`, 100 + i * 10, ["p"])
        yield* View.catchUp(Entries)
        let n = 0
        const churn = Effect.gen(function* () {
          n++
          yield* publish(`c${n}`, 100 + (n % 40) * 10 + 5, ["p"]) // between two stable entries
          if (n > 2) yield* unpublish(`c${n - 2}`, 100 + ((n - 2) % 40) * 10 + 5, ["p"])
          yield* View.catchUp(Entries)
        })
        for (const backwards of [false, true]) {
          const keys = yield* allPages({ prefix: "tag:p:", backwards }, 3, churn)
          expect(new Set(keys).size).toBe(keys.length) // no duplicates
          const stable = keys.filter((k) => k.split(":").at(-1)!.startsWith("s"))
          expect(stable.length).toBe(40) // nothing that existed throughout was skipped
          const sorted = [...keys].sort()
          expect(keys).toEqual(backwards ? sorted.reverse() : sorted) // still in order
        }
      }).pipe(Effect.provide(Env)), 60_000)

    it.effect("list options are checked: a bad limit is a typed error", () =>
      Effect.gen(function* () {
        yield* publish("x", 1, [])
        yield* View.catchUp(Entries)
        for (const limit of [0, -1, 1.5, Number.NaN]) {
          expect((yield* Effect.flip(View.list(Entries, { limit })))._tag).toBe("InvalidViewKey")
        }
      }).pipe(Effect.provide(Env)))
  })
}

describe("View lists, concurrent", () => {
  it.live("a runner keeps the list current while pages are read", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(View.run(Entries))
      for (let i = 0; i < 20; i++) yield* publish(`l${i}`, i, ["t"])
      let seen = 0
      for (let tries = 0; tries < 4000 && seen < 20; tries++) {
        seen = (yield* View.list(Entries, { prefix: "tag:t:" })).length
        if (seen < 20) yield* Effect.sleep("5 millis")
      }
      expect(seen).toBe(20)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(Memory.layer())))
})

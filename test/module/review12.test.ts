/**
 * Review of issue 12 (views): list order and prefixes at the edges of the key encoding, the same on every
 * backend; paging under concurrent writes; dead letters retried concurrently.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Schedule, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"
import * as OrderedList from "../../examples/ordered-list/domain.ts"

const Keyed = Event.define("ReviewKeyed", {
  payload: Schema.Struct({ keys: Schema.Array(Schema.String), remove: Schema.optionalKey(Schema.Boolean) }),
  tags: () => ["review"]
})

const KeyList = View.make({
  name: "ReviewKeyList",
  version: 1,
  query: Query.item({ types: [Keyed.type] }),
  events: [Keyed],
  initial: 0,
  schema: Schema.Number,
  maxAttempts: 2,
  retry: Schedule.recurs(10),
  batchSize: 50,
  key: (e) => e.payload.keys,
  evolve: (n, e) => e.payload.remove === true ? View.remove : n + 1
})

const put = (keys: ReadonlyArray<string>) => EventStore.append([Keyed.make({ keys })])
const drop = (keys: ReadonlyArray<string>) => EventStore.append([Keyed.make({ keys, remove: true })])
const keysOf = (options?: View.ListOptions) => Effect.map(View.list(KeyList, options), (page) => page.map((e) => e.key))

/** Code point order (what both stores promise). */
const byCodePoint = (a: string, b: string) => {
  const x = [...a].map((c) => c.codePointAt(0)!)
  const y = [...b].map((c) => c.codePointAt(0)!)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 12)", Simulated.layer({ seed: 12, faults: true })]
] as const

// keys at the edges of the encoding: NUL (escaped in tuples), U+FFFF (UTF-8 EF BF BF), astral characters
// (surrogate pairs: after U+FFFF by code point, before it by UTF-16 unit), the empty suffix
const edgeKeys = [
  "a", "a\u0000", "a\u0000\u0000", "a\u0000b", "a\u0001", "a\uffff", "a\uffff\uffff", "a\uffffb", "a\u{10000}",
  "a\u{1f600}", "a\u{10ffff}", "a\ue000", "a\u00ff", "a\u07ff", "a\u0800", "b", "\uffff", "\u{1f600}", "\u0000"
]

for (const [backend, Env] of backends) {
  describe(`View.list at the edges of the key encoding (${backend})`, () => {
    it.effect("keys with NUL, U+FFFF and astral characters list in code point order, prefixes exact", () =>
      Effect.gen(function* () {
        yield* put(edgeKeys)
        yield* View.catchUp(KeyList)
        const sorted = [...edgeKeys].sort(byCodePoint)
        expect(yield* keysOf()).toEqual(sorted)
        expect(yield* keysOf({ backwards: true })).toEqual([...sorted].reverse())
        for (const prefix of ["a", "a\u0000", "a\uffff", "\uffff", "a\u{1f600}", "\u0000", "a\u0000\u0000", "a\u00ff"]) {
          const expected = sorted.filter((k) => k.startsWith(prefix))
          expect([prefix, yield* keysOf({ prefix })]).toEqual([prefix, expected])
          expect([prefix, yield* keysOf({ prefix, backwards: true })]).toEqual([prefix, [...expected].reverse()])
        }
        // paging one key at a time, both ways, with a cursor at every edge key
        for (const backwards of [false, true]) {
          const out: Array<string> = []
          let after: string | undefined
          while (true) {
            const page = yield* keysOf({ prefix: "a", limit: 1, backwards, ...(after !== undefined ? { after } : {}) })
            if (page.length === 0) break
            out.push(page[0]!)
            after = page[0]
          }
          const expected = sorted.filter((k) => k.startsWith("a"))
          expect(out).toEqual(backwards ? [...expected].reverse() : expected)
        }
      }).pipe(Effect.provide(Env)))

    it.effect("a key that is not well-formed UTF-16 (a lone surrogate) is refused: parked, never merged with another", () =>
      Effect.gen(function* () {
        // FoundationDB stores strings as UTF-8: both keys would become "k\ufffd" there, and stay apart in memory
        const first = yield* put(["k\ud800"])
        const second = yield* put(["k\udc00"])
        yield* put(["k\ufffd"])
        yield* View.catchUp(KeyList)
        expect(yield* keysOf({ prefix: "k" })).toEqual(["k\ufffd"])
        expect(yield* View.get(KeyList, "k\ufffd")).toEqual(Option.some(1))
        expect(yield* View.get(KeyList, "k\ud800")).toEqual(Option.none()) // no such key, on either backend
        const letters = yield* View.deadLetters(KeyList)
        expect(letters.map((l) => l.position)).toEqual([first, second])
        expect(letters[0]!.error).toContain("InvalidViewKey")
        // a prefix or cursor with a lone surrogate is a typed error, not a read of another range
        for (const options of [{ prefix: "a\ud83d" }, { after: "k\ud800" }]) {
          const error = yield* Effect.flip(View.list(KeyList, options))
          expect(error._tag).toBe("InvalidViewKey")
        }
      }).pipe(Effect.provide(Env)))

    it.effect("paging is exact while states are added and removed between and during pages", () =>
      Effect.gen(function* () {
        // 1,200 stable keys (more than two FoundationDB pages of 500), and churn keys around them
        const stable = Array.from({ length: 1200 }, (_, i) => `s:${String(i).padStart(5, "0")}`)
        for (let i = 0; i < stable.length; i += 200) yield* put(stable.slice(i, i + 200))
        yield* View.catchUp(KeyList)
        let round = 0
        const churn = Effect.gen(function* () {
          round++
          const keys = Array.from({ length: 40 }, (_, i) => `s:${String(i * 30).padStart(5, "0")}:c${round}`)
          yield* put(keys)
          if (round > 1) yield* drop(Array.from({ length: 40 }, (_, i) => `s:${String(i * 30).padStart(5, "0")}:c${round - 1}`))
          yield* View.catchUp(KeyList)
        })
        for (const backwards of [false, true]) {
          // pages of 97, the view changing between pages
          const seen: Array<string> = []
          let after: string | undefined
          while (true) {
            const page = yield* keysOf({ prefix: "s:", limit: 97, backwards, ...(after !== undefined ? { after } : {}) })
            seen.push(...page)
            if (page.length < 97) break
            after = page[page.length - 1]
            yield* churn
          }
          expect(new Set(seen).size).toBe(seen.length) // nothing twice
          const ordered = [...seen].sort(byCodePoint)
          expect(seen).toEqual(backwards ? ordered.reverse() : ordered) // in order
          const listed = new Set(seen)
          expect(stable.filter((k) => !listed.has(k))).toEqual([]) // nothing that existed throughout is skipped
          // one long list (several FoundationDB transactions) while the view changes concurrently
          const writer = yield* Effect.forkChild(Effect.repeat(churn, Schedule.recurs(5)))
          const all = yield* keysOf({ prefix: "s:", backwards })
          yield* Fiber.join(writer)
          expect(new Set(all).size).toBe(all.length)
          const allSet = new Set(all)
          expect(stable.filter((k) => !allSet.has(k))).toEqual([])
        }
      }).pipe(Effect.provide(Env)), 60_000)
  })
}

for (const [backend, Env] of backends) {
  describe(`View.retryDeadLetter racing itself (${backend})`, () => {
    it.live("a retry that fails while another succeeds never parks the applied event again", () =>
      Effect.gen(function* () {
        let fixed = false
        let failures = 0
        const Flaky = View.make({
          name: "ReviewFlaky",
          version: 1,
          query: Query.item({ types: [Keyed.type] }),
          events: [Keyed],
          initial: 0,
          schema: Schema.Number,
          maxAttempts: 1,
          retry: Schedule.recurs(0),
          key: (e) => e.payload.keys,
          evolve: (n, e) => {
            if (!fixed && e.payload.keys.includes("bad")) {
              failures++
              throw new Error("not yet")
            }
            return n + 1
          }
        })
        // the first retry's failure is recorded only after the second retry applied the event
        const applied = yield* Deferred.make<void>()
        const slowLetters = Layer.effect(
          ViewStore.ViewStore,
          Effect.map(Effect.service(ViewStore.ViewStore), (store) =>
            ViewStore.ViewStore.of({
              ...store,
              putDeadLetter: (version, letter) => Effect.andThen(Deferred.await(applied), store.putDeadLetter(version, letter))
            }))
        )
        yield* Effect.gen(function* () {
          const bad = yield* put(["bad"])
          yield* View.catchUp(Flaky) // parked
          expect((yield* View.deadLetters(Flaky)).map((l) => l.position)).toEqual([bad])
          const failing = yield* Effect.forkChild(View.retryDeadLetter(Flaky, bad)) // fails, then waits to record it
          const parkedFailures = failures
          while (failures === parkedFailures) yield* Effect.sleep("1 millis")
          fixed = true
          expect(yield* View.retryDeadLetter(Flaky, bad)).toBe(true) // applied, letter removed
          yield* Deferred.succeed(applied, void 0)
          expect(yield* Fiber.join(failing)).toBe(false)
          expect(yield* View.get(Flaky, "bad")).toEqual(Option.some(1))
          // applied once: no letter left to apply it a second time
          expect(yield* View.deadLetters(Flaky)).toEqual([])
          const again = yield* Effect.flip(View.retryDeadLetter(Flaky, bad))
          assert(again._tag === "ViewDeadLetterNotFound")
          expect(yield* View.get(Flaky, "bad")).toEqual(Option.some(1))
        }).pipe(Effect.provide(slowLetters))
      }).pipe(Effect.provide(Env)))
  })
}

describe("the ordered-list example's keys", () => {
  it.effect("a tag's page lists that tag only, even when another tag starts with it and a colon", () =>
    Effect.gen(function* () {
      yield* EventStore.append([OrderedList.ArticlePublished.make({ slug: "a1", title: "A1", tags: ["rust"], at: 1 })])
      yield* EventStore.append([OrderedList.ArticlePublished.make({ slug: "a2", title: "A2", tags: ["rust:async"], at: 2 })])
      yield* EventStore.append([OrderedList.ArticlePublished.make({ slug: "a3", title: "A3", tags: ["rust:"], at: 3 })])
      yield* View.catchUp(OrderedList.ArticleList)
      expect((yield* OrderedList.page({ tag: "rust" }, 10)).map((e) => e.state.slug)).toEqual(["a1"])
      expect((yield* OrderedList.page({ tag: "rust:async" }, 10)).map((e) => e.state.slug)).toEqual(["a2"])
      expect((yield* OrderedList.page({ tag: "rust:" }, 10)).map((e) => e.state.slug)).toEqual(["a3"])
      expect((yield* OrderedList.page({}, 10)).map((e) => e.state.slug)).toEqual(["a3", "a2", "a1"])
    }).pipe(Effect.provide(Memory.layer())))
})

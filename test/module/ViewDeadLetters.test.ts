import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schedule, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"

const Posted = Event.define("Posted", {
  payload: Schema.Struct({ id: Schema.String, tags: Schema.Array(Schema.String) }),
  tags: (p) => [`post:${p.id}`]
})

const noDelay = Schedule.recurs(100) // the view's retries, without waiting (maxAttempts bounds them)

/** A tag index: one state per tag (the state counts its posts). */
const makeIndex = (options: { readonly explodeOn?: string; readonly name?: string } = {}) =>
  View.make({
    name: options.name ?? "TagIndex",
    version: 1,
    query: Query.item({ types: [Posted.type] }),
    events: [Posted],
    initial: 0,
    schema: Schema.Number,
    maxAttempts: 3,
    retry: noDelay,
    key: (e) => e.payload.tags.map((t) => `tag:${t}`),
    evolve: (n, e) => {
      if (options.explodeOn !== undefined && e.payload.id === options.explodeOn) throw new Error(`cannot index ${e.payload.id}`)
      return n + 1
    }
  })

const post = (id: string, tags: ReadonlyArray<string>) => EventStore.append([Posted.make({ id, tags })])
const count = (view: View.View<number>, tag: string) =>
  Effect.map(View.get(view, `tag:${tag}`), Option.getOrElse(() => 0))

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 5)", Simulated.layer({ seed: 5, faults: true })]
] as const

for (const [backend, Env] of backends) {
  describe(`View dead letters (${backend})`, () => {
    it.effect("an evolve that throws on one event parks it after the retries; the view goes on", () =>
      Effect.gen(function* () {
        const index = makeIndex({ explodeOn: "bad" })
        yield* post("p1", ["a"])
        const bad = yield* post("bad", ["a"])
        yield* post("p2", ["a", "b"])
        const result = yield* View.catchUp(index)
        expect(result.parked).toBe(1)
        expect(yield* count(index, "a")).toBe(2)
        expect(yield* count(index, "b")).toBe(1)
        const letters = yield* View.deadLetters(index)
        expect(letters).toHaveLength(1)
        expect(letters[0]).toMatchObject({ view: "TagIndex", position: bad, eventType: "Posted", attempts: 3 })
        expect(letters[0]!.error).toContain("cannot index bad")
        const status = yield* View.status(index)
        expect(status.deadLetters).toBe(1)
        expect(status.caughtUp).toBe(true)
        // later events are applied too: the view is not stuck
        yield* post("p3", ["b"])
        yield* View.catchUp(index)
        expect(yield* count(index, "b")).toBe(2)
      }).pipe(Effect.provide(Env)))

    it.effect("an event whose key the store refuses (5,000 tags, a 10,000-character key) is parked, not fatal", () =>
      Effect.gen(function* () {
        const index = makeIndex()
        const Keyed = View.make({
          name: "Keyed",
          version: 1,
          query: Query.item({ types: [Posted.type] }),
          events: [Posted],
          initial: 0,
          maxAttempts: 2,
          retry: noDelay,
          key: (e) => `k:${e.payload.tags.join(",")}`,
          evolve: (n) => n + 1
        })
        yield* post("ok", ["x"])
        const huge = yield* post("huge", Array.from({ length: 5_000 }, (_, i) => `t${i}`))
        yield* post("ok2", ["x"])
        const result = yield* View.catchUp(Keyed)
        expect(result.parked).toBe(1)
        expect(yield* View.get(Keyed, "k:x")).toEqual(Option.some(2))
        const [letter] = yield* View.deadLetters(Keyed)
        expect(letter).toMatchObject({ position: huge, attempts: 2 })
        expect(letter!.error).toContain("InvalidViewKey")
        // the tag index (5,000 keys of one event) still works: each key is small
        yield* View.catchUp(index)
        expect(yield* count(index, "t4999")).toBe(1)
      }).pipe(Effect.provide(Env)))

    it.effect("a state over the value limit, or one event's commit over the transaction limit, is parked", () =>
      Effect.gen(function* () {
        // the payload says how big a state it makes, and over how many keys
        const Sized = View.make({
          name: "Sized",
          version: 1,
          query: Query.item({ types: [Posted.type] }),
          events: [Posted],
          initial: "",
          maxAttempts: 2,
          retry: noDelay,
          batchSize: 10,
          key: (e) => e.payload.tags,
          evolve: (_, e) => "x".repeat(Number(e.payload.id))
        })
        yield* post("10", ["small"])
        const bigState = yield* post("150000", ["big"]) // one state of 150 kB: over FoundationDB's 100 kB values
        const bigCommit = yield* post("90000", Array.from({ length: 120 }, (_, i) => `k${i}`)) // 120 × 90 kB > 10 MB
        yield* post("20", ["small"])
        const result = yield* View.catchUp(Sized)
        expect(result.parked).toBe(2)
        expect(yield* View.get(Sized, "small")).toEqual(Option.some("x".repeat(20)))
        expect(Option.isNone(yield* View.get(Sized, "big"))).toBe(true)
        expect(Option.isNone(yield* View.get(Sized, "k0"))).toBe(true)
        const letters = yield* View.deadLetters(Sized)
        expect(letters.map((l) => l.position)).toEqual([bigState, bigCommit])
        expect(letters[0]!.error).toContain("ViewStateTooLarge")
        expect(letters[1]!.error).toContain("ViewCommitTooLarge")
      }).pipe(Effect.provide(Env)), 60_000)

    it.effect("racing runners apply every good event once and park every bad one once", () =>
      Effect.gen(function* () {
        const index = makeIndex({ explodeOn: "bad" })
        const bad: Array<bigint> = []
        for (let i = 0; i < 40; i++) {
          const position = yield* post(i % 7 === 3 ? "bad" : `p${i}`, ["a"])
          if (i % 7 === 3) bad.push(position)
        }
        yield* Effect.forEach([1, 2, 3], () => View.catchUp(index), { concurrency: "unbounded", discard: true })
        expect(yield* count(index, "a")).toBe(40 - bad.length)
        expect((yield* View.deadLetters(index)).map((l) => l.position)).toEqual(bad)
      }).pipe(Effect.provide(Env)))

    it.effect("an event that does not decode is parked", () =>
      Effect.gen(function* () {
        const index = makeIndex()
        yield* post("p1", ["a"])
        const broken = yield* EventStore.append([{ type: Posted.type, tags: [], data: new TextEncoder().encode("{not json") }])
        yield* post("p2", ["a"])
        yield* View.catchUp(index)
        expect(yield* count(index, "a")).toBe(2)
        const [letter] = yield* View.deadLetters(index)
        expect(letter).toMatchObject({ position: broken, attempts: 3 })
        expect(letter!.error).toContain("EventDecodeError")
      }).pipe(Effect.provide(Env)))

    it.effect("retryDeadLetter applies a parked event once it can be, and removes the letter", () =>
      Effect.gen(function* () {
        let broken = true
        const Flaky = View.make({
          name: "Flaky",
          version: 1,
          query: Query.item({ types: [Posted.type] }),
          events: [Posted],
          initial: 0,
          maxAttempts: 2,
          retry: noDelay,
          key: (e) => e.payload.tags.map((t) => `tag:${t}`),
          evolve: (n, e) => {
            if (broken && e.payload.id === "bad") throw new Error("not yet")
            return n + 1
          }
        })
        yield* post("p1", ["a"])
        const bad = yield* post("bad", ["a"])
        yield* View.catchUp(Flaky)
        expect(yield* count(Flaky, "a")).toBe(1)
        // still broken: the letter stays, with one more attempt
        expect(yield* View.retryDeadLetter(Flaky, bad)).toBe(false)
        expect((yield* View.deadLetters(Flaky))[0]!.attempts).toBe(3)
        broken = false
        expect(yield* View.retryDeadLetter(Flaky, bad)).toBe(true)
        expect(yield* count(Flaky, "a")).toBe(2)
        expect(yield* View.deadLetters(Flaky)).toEqual([])
        // applied once: a second retry finds nothing
        const again = yield* Effect.flip(View.retryDeadLetter(Flaky, bad))
        assert(again._tag === "ViewDeadLetterNotFound")
        expect(yield* count(Flaky, "a")).toBe(2)
      }).pipe(Effect.provide(Env)))

    it.effect("a version bump starts with no dead letters (the rebuild tries every event again)", () =>
      Effect.gen(function* () {
        yield* post("bad", ["a"])
        yield* View.catchUp(makeIndex({ explodeOn: "bad" }))
        expect(yield* View.deadLetters(makeIndex())).toHaveLength(1)
        const v2 = View.make({ ...makeIndex(), name: "TagIndex", version: 2, query: Query.item({ types: [Posted.type] }),
          events: [Posted], initial: 0, key: (e) => e.payload.tags.map((t) => `tag:${t}`), evolve: (n) => n + 1 })
        yield* View.catchUp(v2)
        expect(yield* View.deadLetters(v2)).toEqual([])
        expect(yield* count(v2, "a")).toBe(1)
      }).pipe(Effect.provide(Env)))
  })
}

describe("View dead letters: what is not parked", () => {
  it.effect("a storage outage fails the round (the supervisor restarts it); no event is parked", () =>
    Effect.gen(function* () {
      const index = makeIndex()
      yield* post("p1", ["a"])
      let down = true
      const flaky = Layer.effect(
        ViewStore.ViewStore,
        Effect.map(ViewStore.makeMemory, (store) =>
          ViewStore.ViewStore.of({
            ...store,
            commit: (view, version, commit) =>
              down ? Effect.fail(new EventStore.StorageError({ reason: "cluster unavailable" })) : store.commit(view, version, commit)
          }))
      )
      yield* Effect.gen(function* () {
        const error = yield* Effect.flip(View.catchUp(index))
        expect(error._tag).toBe("StorageError")
        expect(yield* View.deadLetters(index)).toEqual([])
        down = false
        yield* View.catchUp(index)
        expect(yield* count(index, "a")).toBe(1)
        expect(yield* View.deadLetters(index)).toEqual([])
      }).pipe(Effect.provide(flaky))
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.live("a view running as a layer keeps serving after a poison event", () =>
    Effect.gen(function* () {
      const index = makeIndex({ explodeOn: "bad", name: "Live" })
      yield* post("bad", ["a"])
      yield* post("p1", ["a"])
      yield* Effect.gen(function* () {
        for (let i = 0; i < 4000; i++) {
          const s = yield* View.status(index)
          if (s.caughtUp && Option.isSome(s.activeVersion)) break
          yield* Effect.sleep("5 millis")
        }
        yield* post("p2", ["a"])
        for (let i = 0; i < 4000 && (yield* count(index, "a")) < 2; i++) yield* Effect.sleep("5 millis")
        expect(yield* count(index, "a")).toBe(2)
        expect((yield* View.status(index)).deadLetters).toBe(1)
      }).pipe(Effect.provide(View.layer(index)))
    }).pipe(Effect.provide(Memory.layer())))
})

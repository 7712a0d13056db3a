import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { backends, contended } from "../../examples/backends.ts"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Admission, Command, DecisionCache } from "fairway/Module"

// every deposit records how many deposits its decision saw: a stale or lost state shows as a repeated `seen`
const Deposited = Event.define("Deposited", {
  payload: Schema.Struct({ account: Schema.String, seen: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})

const deposits = (account: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Deposited.type], tags: [`account:${account}`] }),
    initial: 0,
    events: [Deposited],
    evolve: (n) => n + 1
  })

const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ account: Schema.String }),
  model: ({ account }) => deposits(account),
  decide: (seen, { account }) => Effect.succeed([Deposited.make({ account, seen })]),
  retry: { times: 500, base: "1 millis", maxDelay: "2 millis" }
})

// the same query, another fold: the highest `seen` so far (a cache per command keeps the two apart)
const Audit = Command.make({
  name: "Audit",
  input: Schema.Struct({ account: Schema.String }),
  model: ({ account }) =>
    DecisionModel.make({
      query: Query.item({ types: [Deposited.type], tags: [`account:${account}`] }),
      initial: -1,
      events: [Deposited],
      evolve: (max, event) => Math.max(max, event.payload.seen)
    }),
  decide: (max, { account }) => Effect.succeed([Deposited.make({ account: `${account}-audit`, seen: max })])
})

const seenOf = (account: string) =>
  Effect.flatMap(
    Stream.runCollect(EventStore.read(Query.item({ tags: [`account:${account}`] }))),
    (events) => Effect.forEach(events, (e) => Effect.map(Deposited.decode(e), (d) => d.payload.seen))
  )

/** A store that counts the events its reads hand out. */
const counting = <E>(layer: Layer.Layer<EventStore.EventStore, E>, counter: { read: number }) =>
  Layer.effect(
    EventStore.EventStore,
    Effect.map(EventStore.EventStore, (store) =>
      EventStore.EventStore.of({
        ...store,
        read: (query, options) => Stream.tap(store.read(query, options), () => Effect.sync(() => counter.read++))
      }))
  ).pipe(Layer.provide(layer))

const cacheStats = Effect.flatMap(DecisionCache.DecisionCache, (cache) => cache.stats)

describe("DecisionCache.make", () => {
  it("rejects a maxEntries that is not a positive integer", () =>
    expect(Effect.runPromise(DecisionCache.make({ maxEntries: 0 }))).rejects.toThrow(/maxEntries/))
})

for (const backend of backends) {
  describe(`DecisionCache (${backend.name})`, () => {
    it.effect("a run re-reads only what is new: events read per command do not grow with the boundary", () => {
      const counter = { read: 0 }
      return Effect.gen(function* () {
        for (let i = 0; i < 30; i++) yield* Command.run(Deposit, { account: "a" })
        // without the cache: 0 + 1 + … + 29 = 435 events read; with it, each run reads its predecessor's event
        expect(counter.read).toBe(29)
        expect(yield* seenOf("a")).toEqual(Array.from({ length: 30 }, (_, i) => i))
        const stats = yield* cacheStats
        expect(stats.hits).toBe(29)
        expect(stats.misses).toBe(1)
      }).pipe(Effect.provide(Layer.mergeAll(counting(backend.layer(), counter), DecisionCache.layer())))
    })

    it.effect("without the cache the same runs re-read the whole boundary (what the cache removes)", () => {
      const counter = { read: 0 }
      return Effect.gen(function* () {
        for (let i = 0; i < 30; i++) yield* Command.run(Deposit, { account: "a" })
        expect(counter.read).toBe(435)
      }).pipe(Effect.provide(counting(backend.layer(), counter)))
    })

    it.effect("events appended by others after the cached position are folded in", () =>
      Effect.gen(function* () {
        yield* Command.run(Deposit, { account: "a" })
        // appended around the command: the next run must see it
        yield* EventStore.append([Deposited.make({ account: "a", seen: 1 })])
        yield* Command.run(Deposit, { account: "a" })
        expect(yield* seenOf("a")).toEqual([0, 1, 2])
      }).pipe(Effect.provide(Layer.mergeAll(backend.layer(), DecisionCache.layer()))))

    it.live("concurrent writers on one boundary: every decision saw every earlier deposit exactly once", () =>
      Effect.gen(function* () {
        const n = 40
        yield* Effect.forEach(Array.from({ length: n }), () => Command.run(Deposit, { account: "hot" }), {
          concurrency: 16,
          discard: true
        })
        const seen = yield* seenOf("hot")
        expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
        expect((yield* cacheStats).hits).toBeGreaterThan(0)
      }).pipe(Effect.provide(Layer.mergeAll(contended(backend.layer()), DecisionCache.layer()))))

    it.live("with Admission: a hot boundary's writers queue, none retries, and each reads only the previous deposit", () => {
      const counter = { read: 0 }
      return Effect.gen(function* () {
        const n = 30
        const results = yield* Effect.forEach(Array.from({ length: n }), () => Command.run(Deposit, { account: "hot" }), {
          concurrency: "unbounded"
        })
        expect(results.every((r) => r.attempts === 1)).toBe(true)
        expect(counter.read).toBe(n - 1)
        expect(yield* seenOf("hot")).toEqual(Array.from({ length: n }, (_, i) => i))
      }).pipe(Effect.provide(Layer.mergeAll(
        counting(contended(backend.layer()), counter),
        DecisionCache.layer(),
        Admission.layer()
      )))
    })

    it.live("concurrent writers on many boundaries with a cache smaller than them: bounded, and still exact", () =>
      Effect.gen(function* () {
        const accounts = ["a", "b", "c", "d", "e"]
        yield* Effect.forEach(
          Array.from({ length: 60 }, (_, i) => accounts[i % accounts.length]!),
          (account) => Command.run(Deposit, { account }),
          { concurrency: 12, discard: true }
        )
        for (const account of accounts) {
          const seen = yield* seenOf(account)
          expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i))
        }
        const cache = yield* DecisionCache.DecisionCache
        const store = yield* EventStore.EventStore
        expect(cache.size(store)).toBeLessThanOrEqual(2)
      }).pipe(Effect.provide(Layer.mergeAll(contended(backend.layer()), DecisionCache.layer({ maxEntries: 2 })))))

    it.effect("two commands on the same query keep their own states", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 3; i++) {
          yield* Command.run(Deposit, { account: "a" })
          yield* Command.run(Audit, { account: "a" })
        }
        // Audit saw the highest `seen` so far; Deposit counted deposits only
        expect(yield* seenOf("a")).toEqual([0, 1, 2])
        expect(yield* seenOf("a-audit")).toEqual([0, 1, 2])
      }).pipe(Effect.provide(Layer.mergeAll(backend.layer(), DecisionCache.layer()))))
  })
}

import { assert, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Schema, Stream } from "effect"
import { backends, contended } from "../../examples/backends.ts"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Admission, Command } from "fairway/Module"

const Deposited = Event.define("Deposited", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})

const balance = (account: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Deposited.type], tags: [`account:${account}`] }),
    initial: 0,
    events: [Deposited],
    evolve: (sum, event) => sum + event.payload.amount
  })

// every deposit records the balance it saw as its amount + 1: a lost update shows as a wrong total
const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ account: Schema.String }),
  model: ({ account }) => balance(account),
  decide: (_, { account }) => Effect.succeed([Deposited.make({ account, amount: 1 })]),
  retry: { times: 200, base: "1 millis", maxDelay: "2 millis" }
})

/** A command on `account` whose decision waits for `gate` (after signalling `entered`). */
const held = (gate: Deferred.Deferred<void>, entered: Deferred.Deferred<void>) =>
  Command.make({
    name: "Held",
    input: Schema.Struct({ account: Schema.String }),
    model: ({ account }) => balance(account),
    decide: (_, { account }) =>
      Deferred.succeed(entered, undefined).pipe(
        Effect.andThen(Deferred.await(gate)),
        Effect.as([Deposited.make({ account, amount: 1 })])
      )
  })

/** A run holding `account`'s boundary until `release`, and one queued behind it. */
const holdWithWaiter = (account: string) =>
  Effect.gen(function* () {
    const gate = yield* Deferred.make<void>()
    const entered = yield* Deferred.make<void>()
    const holder = yield* Effect.forkChild(Command.run(held(gate, entered), { account }), { startImmediately: true })
    yield* Deferred.await(entered)
    const waiting = yield* Effect.forkChild(Command.run(Deposit, { account }), { startImmediately: true })
    yield* Effect.yieldNow
    return { holder, waiting, release: Deferred.succeed(gate, undefined) }
  })

const eventsOf = (account: string) =>
  Effect.map(Stream.runCollect(EventStore.read(Query.item({ tags: [`account:${account}`] }))), (events) => events.length)

describe("Admission.keysOf", () => {
  it("takes every tag of every item, the types of a tag-less item, * for all", () => {
    expect(Admission.keysOf(Query.item({ types: ["A"], tags: ["t:1"] }))).toEqual(["tag:t:1"])
    expect(Admission.keysOf(Query.fromItems([{ tags: ["b", "a"] }, { types: ["X", "W"] }, { tags: ["a"] }])))
      .toEqual(["tag:a", "tag:b", "type:W", "type:X"])
    expect(Admission.keysOf(Query.all())).toEqual(["*"])
  })

  it("rejects a negative maxWaiting", () =>
    expect(Effect.runPromise(Admission.make({ maxWaiting: -1 }))).rejects.toThrow(/maxWaiting/))
})

for (const backend of backends) {
  const store = () => contended(backend.layer())
  describe(`Admission (${backend.name})`, () => {
    it.live("many writers on one hot boundary: no conflict, no retry, no lost update", () =>
      Effect.gen(function* () {
        const results = yield* Effect.forEach(
          Array.from({ length: 24 }),
          () => Command.run(Deposit, { account: "hot" }),
          { concurrency: "unbounded" }
        )
        expect(results.every((r) => r.attempts === 1)).toBe(true)
        expect(yield* eventsOf("hot")).toBe(24)
        const admission = yield* Admission.Admission
        const stats = yield* admission.stats
        expect(stats.admitted).toBe(24)
        expect(stats.queued).toBeGreaterThan(0)
        expect(stats.rejected).toBe(0)
      }).pipe(Effect.provide(Layer.mergeAll(store(), Admission.layer()))))

    it.live("without the layer the same writers conflict and retry (what the layer removes)", () =>
      Effect.gen(function* () {
        const results = yield* Effect.forEach(
          Array.from({ length: 24 }),
          () => Command.run(Deposit, { account: "hot" }),
          { concurrency: "unbounded" }
        )
        expect(results.some((r) => r.attempts > 1)).toBe(true)
        expect(yield* eventsOf("hot")).toBe(24)
      }).pipe(Effect.provide(store())))

    it.live("a boundary waiting does not hold up a disjoint one; an overlapping one waits its turn", () =>
      Effect.gen(function* () {
        const { holder, release, waiting } = yield* holdWithWaiter("x")
        // disjoint: runs to the end while x is held
        const other = yield* Command.run(Deposit, { account: "y" })
        expect(other.attempts).toBe(1)
        // overlapping: queued behind the holder, so it has not written
        yield* Effect.sleep("20 millis")
        expect(yield* eventsOf("x")).toBe(0)
        yield* release
        yield* Fiber.join(holder)
        const after = yield* Fiber.join(waiting)
        // it read after the holder's append: no conflict
        expect(after.attempts).toBe(1)
        expect(yield* eventsOf("x")).toBe(2)
      }).pipe(Effect.provide(Layer.mergeAll(store(), Admission.layer()))))

    it.live("a full boundary fails fast with BoundaryOverloaded naming it; other boundaries are unaffected", () =>
      Effect.gen(function* () {
        const { holder, release, waiting } = yield* holdWithWaiter("x")
        const rejected = yield* Effect.flip(Command.run(Deposit, { account: "x" }))
        assert(rejected._tag === "BoundaryOverloaded")
        assert(rejected instanceof Admission.BoundaryOverloaded)
        expect(rejected.boundary).toBe("tag:account:x")
        expect(rejected.command).toBe("Deposit")
        expect(rejected.maxWaiting).toBe(1)
        expect(rejected.retryAfterSeconds).toBeGreaterThanOrEqual(1)
        // another boundary still runs at once
        expect((yield* Command.run(Deposit, { account: "y" })).attempts).toBe(1)
        yield* release
        yield* Fiber.join(holder)
        yield* Fiber.join(waiting)
        // the rejected run wrote nothing: the holder's and the waiting one's deposits only
        expect(yield* eventsOf("x")).toBe(2)
        const stats = yield* Effect.flatMap(Admission.Admission, (a) => a.stats)
        expect(stats.rejected).toBe(1)
        // the line is free again
        expect((yield* Command.run(Deposit, { account: "x" })).attempts).toBe(1)
      }).pipe(Effect.provide(Layer.mergeAll(store(), Admission.layer({ maxWaiting: 1 })))))

    it.live("an interrupted waiter leaves the line, and the line serves the next", () =>
      Effect.gen(function* () {
        const { holder, release, waiting } = yield* holdWithWaiter("x")
        yield* Fiber.interrupt(waiting)
        // the interrupted one no longer counts: with maxWaiting 1, one more may wait
        const next = yield* Effect.forkChild(Command.run(Deposit, { account: "x" }), { startImmediately: true })
        yield* Effect.yieldNow
        yield* release
        yield* Fiber.join(holder)
        expect((yield* Fiber.join(next)).attempts).toBe(1)
        expect(yield* eventsOf("x")).toBe(2)
      }).pipe(Effect.provide(Layer.mergeAll(store(), Admission.layer({ maxWaiting: 1 })))))
  })
}

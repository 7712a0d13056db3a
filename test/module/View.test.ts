import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Metric, Option, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"

const Deposited = Event.define("Deposited", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})
const Withdrawn = Event.define("Withdrawn", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})
const Noise = Event.define("Noise", { payload: Schema.Struct({}), tags: () => [] })

const Balance = Schema.Struct({ balance: Schema.Number, events: Schema.Number })

const balances = (version = 1) =>
  View.make({
    name: "Balances",
    version,
    query: Query.item({ types: [Deposited.type, Withdrawn.type] }),
    events: [Deposited, Withdrawn],
    initial: { balance: 0, events: 0 },
    schema: Balance,
    batchSize: 3,
    key: (event) => event.payload.account,
    evolve: (state, event) => ({
      balance: state.balance + (event.type === "Deposited" ? 1 : -1) * event.payload.amount * version,
      events: state.events + 1
    })
  })

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 7)", Simulated.layer({ seed: 7, faults: true })],
  ["simulated FoundationDB, faults on (seed 42)", Simulated.layer({ seed: 42, faults: true })]
] as const

const deposit = (account: string, amount: number) => EventStore.append([Deposited.make({ account, amount })])

/** waits (real time, short sleeps) until the view has reached the head */
const awaitCaughtUp = (view: View.Any) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2000; i++) {
      const s = yield* View.status(view)
      if (s.caughtUp && Option.isSome(s.activeVersion) && s.activeVersion.value === view.version) return
      yield* Effect.sleep("2 millis")
    }
    return yield* Effect.die("view did not catch up")
  })

for (const [backend, Env] of backends) {
describe(`View (${backend})`, () => {
  it.effect("catches up, then get / list / status read the states", () =>
    Effect.gen(function* () {
      const view = balances()
      yield* deposit("a", 10)
      yield* deposit("b", 5)
      yield* EventStore.append([Withdrawn.make({ account: "a", amount: 3 }), Noise.make({})])
      assert.isTrue(Option.isNone(yield* View.get(view, "a")), "nothing served before the first catch-up")
      const result = yield* View.catchUp(view)
      expect(result.applied).toBe(3)
      expect(yield* View.get(view, "a")).toEqual(Option.some({ balance: 7, events: 2 }))
      expect(yield* View.get(view, "b")).toEqual(Option.some({ balance: 5, events: 1 }))
      expect(yield* View.get(view, "zzz")).toEqual(Option.none())
      expect((yield* View.list(view)).map((e) => e.key)).toEqual(["a", "b"])
      expect((yield* View.list(view, { after: "a" })).map((e) => e.key)).toEqual(["b"])
      const caught = yield* View.status(view)
      expect(caught.lag).toBe(0n)
      const lag = yield* Metric.value(Metric.withAttributes(View.metrics.lag, { view: "Balances", version: "1" }))
      expect(lag.value).toBe(0n)
      const applied = yield* Metric.value(Metric.withAttributes(View.metrics.eventsApplied, { view: "Balances", version: "1" }))
      expect(applied.count).toBe(3)
      expect(caught.caughtUp).toBe(true)
      // an event the view ignores still counts as lag until the view moves past it
      yield* EventStore.append([Noise.make({})])
      const behind = yield* View.status(view)
      expect(behind.lag > 0n).toBe(true)
      yield* View.catchUp(view)
      expect((yield* View.status(view)).lag).toBe(0n)
      expect(yield* View.get(view, "a")).toEqual(Option.some({ balance: 7, events: 2 }))
    }).pipe(Effect.provide(Env), Effect.provideService(Metric.MetricRegistry, new Map())))

  it.effect("applies each event exactly once when several runners race", () =>
    Effect.gen(function* () {
      const view = balances()
      for (let i = 0; i < 40; i++) yield* deposit(`acc${i % 4}`, 1)
      yield* Effect.all(Array.from({ length: 6 }, () => View.catchUp(view)), { concurrency: "unbounded" })
      for (let i = 0; i < 4; i++) {
        expect(yield* View.get(view, `acc${i}`)).toEqual(Option.some({ balance: 10, events: 10 }))
      }
    }).pipe(Effect.provide(Env)))

  it.live("follows live appends while running as a layer", () =>
    Effect.gen(function* () {
      const view = balances()
      yield* deposit("a", 1)
      yield* Effect.gen(function* () {
        yield* Layer.build(View.layer(view))
        yield* awaitCaughtUp(view)
        expect(yield* View.get(view, "a")).toEqual(Option.some({ balance: 1, events: 1 }))
        for (let i = 0; i < 5; i++) yield* deposit("a", 2)
        yield* awaitCaughtUp(view)
        expect(yield* View.get(view, "a")).toEqual(Option.some({ balance: 11, events: 6 }))
      }).pipe(Effect.scoped)
    }).pipe(Effect.provide(Env)))

  it.effect("a version bump rebuilds into a new keyspace, serving the old one until it caught up", () =>
    Effect.gen(function* () {
      const v1 = balances(1)
      const v2 = balances(2) // doubles every amount: a visibly different evolve
      yield* deposit("a", 10)
      yield* View.catchUp(v1)
      yield* deposit("a", 1)
      // v2 has not run: reads still come from v1 (which is behind, but serving)
      expect(yield* View.get(v2, "a")).toEqual(Option.some({ balance: 10, events: 1 }))
      expect((yield* View.status(v2)).activeVersion).toEqual(Option.some(1))
      yield* View.catchUp(v2)
      expect((yield* View.status(v2)).activeVersion).toEqual(Option.some(2))
      expect(yield* View.get(v2, "a")).toEqual(Option.some({ balance: 22, events: 2 }))
      const store = yield* ViewStore.ViewStore
      expect(yield* store.list("Balances", 1)).toEqual([])
      expect(yield* store.checkpoint("Balances", 1)).toEqual(Option.none())
      // the outdated definition can no longer write
      const error = yield* Effect.flip(View.catchUp(v1))
      expect(error._tag).toBe("ViewSuperseded")
    }).pipe(Effect.provide(Env)))

  it.effect("an invalid definition is a typed error", () =>
    Effect.gen(function* () {
      const bad = View.make({
        name: "",
        version: 1,
        query: Query.all(),
        events: [Deposited],
        initial: 0,
        key: () => "k",
        evolve: (n) => n + 1
      })
      expect((yield* Effect.flip(View.catchUp(bad)))._tag).toBe("InvalidView")
      const badQuery = View.make({
        name: "x",
        version: 1,
        query: Query.fromItems([{}]),
        events: [Deposited],
        initial: 0,
        key: () => "k",
        evolve: (n) => n + 1
      })
      expect((yield* Effect.flip(View.catchUp(badQuery)))._tag).toBe("InvalidView")
    }).pipe(Effect.provide(Env)))

  it.effect("a state that no longer decodes is a typed error", () =>
    Effect.gen(function* () {
      yield* deposit("a", 1)
      const asNumber = View.make({
        name: "Shape",
        version: 1,
        query: Query.item({ types: [Deposited.type] }),
        events: [Deposited],
        initial: 0,
        schema: Schema.Number,
        key: (e) => e.payload.account,
        evolve: (n, e) => n + e.payload.amount
      })
      yield* View.catchUp(asNumber)
      const asStruct = View.make({ ...asNumber, name: "Shape", version: 1, query: asNumber.query, events: [Deposited],
        initial: { n: 0 }, schema: Schema.Struct({ n: Schema.Number }), key: (e) => e.payload.account,
        evolve: (s, e) => ({ n: s.n + e.payload.amount }) })
      const error = yield* Effect.flip(View.get(asStruct, "a"))
      expect(error._tag).toBe("InvalidViewState")
    }).pipe(Effect.provide(Env)))
})
}

/**
 * Views and automations on the FoundationDB stores over the simulator, with
 * heavy fault injection from fixed seeds: the claims that depend on
 * FoundationDB transactions (exactly-once view updates, fenced automation
 * checkpoints, the key layout) are checked here, with the simulator's
 * counters proving the faults were actually hit.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schedule, Schema, Stream } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"
import * as Simulated from "fairway/Layer/Simulated"
import * as Automation from "fairway/Module/Automation"
import * as View from "fairway/Module/View"

const Deposited = Event.define("Deposited", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
  tags: (p) => [`account:${p.account}`]
})
const Receipt = Event.define("Receipt", {
  payload: Schema.Struct({ account: Schema.String }),
  tags: (p) => [`account:${p.account}`]
})

const balances = (version: number) =>
  View.make({
    name: "Balances",
    version,
    query: Query.item({ types: [Deposited.type] }),
    events: [Deposited],
    initial: 0,
    schema: Schema.Number,
    batchSize: 4,
    key: (e) => e.payload.account,
    evolve: (n, e) => n + e.payload.amount * version
  })

const heavy = { notCommitted: 0.2, commitUnknownResult: 0.3, delay: 0.5, maxDelayYields: 10 }

const unpackAll = Effect.map(
  Effect.flatMap(FdbSimulator.FdbSimulator, (sim) => sim.dump),
  (rows) => rows.map((r) => Tuple.unpack(r.key))
)

describe("views and automations on the simulated FoundationDB", () => {
  for (const seed of [1, 2, 3]) {
    it.effect(`a view applies each event exactly once under injected faults (seed ${seed})`, () =>
      Effect.gen(function* () {
        const sim = yield* FdbSimulator.FdbSimulator
        const view = balances(1)
        yield* sim.setFaults(false)
        for (let i = 0; i < 30; i++) yield* EventStore.append([Deposited.make({ account: `a${i % 3}`, amount: 1 })])
        yield* sim.setFaults(heavy)
        yield* sim.resetStats
        yield* Effect.all(Array.from({ length: 4 }, () => View.catchUp(view)), { concurrency: "unbounded" })
        const stats = yield* sim.stats
        expect(stats.unknownResultCommitted + stats.unknownResultNotCommitted).toBeGreaterThan(0)
        expect(stats.conflicts + stats.injectedNotCommitted).toBeGreaterThan(0)
        yield* sim.setFaults(false)
        for (let i = 0; i < 3; i++) expect(yield* View.get(view, `a${i}`)).toEqual(Option.some(10))
        expect((yield* View.status(view)).caughtUp).toBe(true)
      }).pipe(Effect.provide(Simulated.layer({ seed }))))
  }

  it.effect("views live in the documented keyspace; a version switch deletes the old one", () =>
    Effect.gen(function* () {
      yield* EventStore.append([Deposited.make({ account: "x", amount: 5 })])
      yield* View.catchUp(balances(1))
      const before = (yield* unpackAll).filter((k) => ["v", "vc", "va"].includes(String(k[2])))
      expect(before).toContainEqual(["fairway", "default", "v", "Balances", 1, "x"])
      expect(before).toContainEqual(["fairway", "default", "vc", "Balances", 1])
      expect(before).toContainEqual(["fairway", "default", "va", "Balances"])
      yield* View.catchUp(balances(2))
      const after = (yield* unpackAll).filter((k) => ["v", "vc", "va"].includes(String(k[2])))
      expect(after).toEqual([
        ["fairway", "default", "v", "Balances", 2, "x"],
        ["fairway", "default", "va", "Balances"],
        ["fairway", "default", "vc", "Balances", 2]
      ])
      expect(yield* View.get(balances(2), "x")).toEqual(Option.some(10))
    }).pipe(Effect.provide(Simulated.layer({ seed: 5 }))))

  it.live("an automation under injected faults handles every event, and its commands take effect once", () =>
    Effect.gen(function* () {
      const sim = yield* FdbSimulator.FdbSimulator
      const handled = new Map<string, number>()
      const receipts = Automation.make({
        name: "Receipts",
        query: Query.item({ types: [Deposited.type] }),
        events: [Deposited],
        retry: Schedule.spaced("1 millis"),
        maxAttempts: 50,
        leaseMillis: 2_000,
        handle: (e, trigger) =>
          Effect.gen(function* () {
            handled.set(e.payload.account, (handled.get(e.payload.account) ?? 0) + 1)
            yield* EventStore.append([Receipt.make({ account: e.payload.account })], { appendId: trigger.idempotencyKey })
          })
      })
      yield* sim.setFaults(false)
      for (let i = 0; i < 20; i++) yield* EventStore.append([Deposited.make({ account: `acc${i}`, amount: 1 })])
      yield* sim.setFaults(heavy)
      yield* sim.resetStats
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(receipts, { restart: Schedule.spaced("1 millis") }))
        for (let i = 0; i < 5000; i++) {
          const s = yield* Automation.status(receipts).pipe(Effect.option)
          if (Option.isSome(s) && s.value.caughtUp) break
          yield* Effect.sleep("2 millis")
        }
      }).pipe(Effect.scoped)
      const stats = yield* sim.stats
      expect(stats.unknownResultCommitted + stats.unknownResultNotCommitted).toBeGreaterThan(0)
      yield* sim.setFaults(false)
      expect((yield* Automation.status(receipts)).caughtUp).toBe(true)
      expect(yield* Automation.deadLetters(receipts)).toEqual([])
      const stored = yield* Stream.runCollect(EventStore.read(Query.item({ types: [Receipt.type] })))
      const accounts = stored.map((e) => new TextDecoder().decode(e.data))
      expect(accounts).toHaveLength(20) // one receipt per deposit, whatever the redeliveries
      expect(new Set(accounts).size).toBe(20)
      expect(handled.size).toBe(20)
    }).pipe(Effect.provide(Simulated.layer({ seed: 11 }))))
})

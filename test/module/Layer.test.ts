import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as FoundationDb from "fairway/Layer/FoundationDb"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as Registry from "fairway/Module/Registry"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"

const Noted = Event.define("Noted", { payload: Schema.Struct({ id: Schema.String }), tags: (p) => [`note:${p.id}`] })
const Notes = View.make({
  name: "Notes",
  version: 1,
  query: Query.item({ types: [Noted.type] }),
  events: [Noted],
  initial: 0,
  key: () => "all",
  evolve: (n) => n + 1
})

const usesAllStores = Effect.gen(function* () {
  yield* ViewStore.ViewStore
  yield* AutomationStore.AutomationStore
  yield* EventStore.append([Noted.make({ id: "1" })])
  yield* View.catchUp(Notes)
  return yield* View.get(Notes, "all")
})

describe("ready compositions", () => {
  it.effect("memory: the three stores", () =>
    Effect.gen(function* () {
      expect(yield* usesAllStores).toEqual(Option.some(1))
    }).pipe(Effect.provide(Memory.layer())))

  it.effect("simulator: the three stores on FoundationDB, and the simulator's control", () =>
    Effect.gen(function* () {
      expect(yield* usesAllStores).toEqual(Option.some(1))
      const sim = yield* FdbSimulator.FdbSimulator
      expect(sim.seed).toBe(9)
      expect((yield* sim.stats).commits).toBeGreaterThan(0)
    }).pipe(Effect.provide(Simulated.layer({ seed: 9 }))))

  it.live("with modules: the registry's views run on the composed stores", () =>
    Effect.gen(function* () {
      yield* EventStore.append([Noted.make({ id: "1" }), Noted.make({ id: "2" })])
      for (let i = 0; i < 2000 && !(yield* View.status(Notes)).caughtUp; i++) yield* Effect.sleep("2 millis")
      expect(yield* View.get(Notes, "all")).toEqual(Option.some(2))
    }).pipe(Effect.provide(Simulated.layer({ seed: 4, modules: Registry.make([Notes]) }))))

  it.effect("FoundationDB without the client library: a typed FdbUnavailable error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(FoundationDb.layer({ clusterFile: "/nonexistent/fdb.cluster" })))
      expect(error._tag).toBe("FdbUnavailable")
    }).pipe(Effect.scoped))
})

import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, Stream } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Automation from "fairway/Module/Automation"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as Registry from "fairway/Module/Registry"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"

const Pinged = Event.define("Pinged", { payload: Schema.Struct({ id: Schema.String }), tags: (p) => [`ping:${p.id}`] })
const Ponged = Event.define("Ponged", { payload: Schema.Struct({ id: Schema.String }), tags: (p) => [`ping:${p.id}`] })

const Pings = View.make({
  name: "Pings",
  version: 1,
  query: Query.item({ types: [Pinged.type, Ponged.type] }),
  events: [Pinged, Ponged],
  initial: { pings: 0, pongs: 0 },
  key: () => "all",
  evolve: (s, e) => (e.type === "Pinged" ? { ...s, pings: s.pings + 1 } : { ...s, pongs: s.pongs + 1 })
})
const Pong = Automation.make({
  name: "Pong",
  query: Query.item({ types: [Pinged.type] }),
  events: [Pinged],
  handle: (e, trigger) => Effect.asVoid(EventStore.append([Ponged.make({ id: e.payload.id })], { appendId: trigger.idempotencyKey }))
})

const Stores = Layer.mergeAll(EventStore.layerMemory, ViewStore.layerMemory, AutomationStore.layerMemory)

describe("Registry", () => {
  it("modules register themselves once; the registry lists them by kind", () => {
    Registry.clear()
    expect(Registry.register(Pings)).toBe(Pings)
    Registry.register(Pong)
    Registry.register(Pings)
    const registry = Registry.registered()
    expect(registry.modules).toEqual([Pings, Pong])
    expect(Registry.views(registry)).toEqual([Pings])
    expect(Registry.automations(registry)).toEqual([Pong])
    expect(Registry.kindOf(Pings)).toBe("view")
    expect(Registry.kindOf({})).toBeUndefined()
    expect(() => Registry.register({} as never)).toThrow(TypeError)
    Registry.clear()
  })

  it("fromExports collects modules from module namespaces, deterministically", () => {
    const registry = Registry.fromExports({ Pong: { Pong, helper: 1 } }, { Pings: { Pings } }, { other: "x" })
    expect(registry.modules).toEqual([Pong, Pings])
  })

  it.effect("two different modules with one name are a typed error", () =>
    Effect.gen(function* () {
      const clash = View.make({ ...Pings, name: "Pings", events: [Pinged], key: () => "x", evolve: (s) => s })
      const error = yield* Effect.flip(Registry.validate(Registry.make([Pings, clash])))
      expect(error._tag).toBe("DuplicateModule")
      const built = yield* Effect.flip(Layer.build(Registry.layer(Registry.make([Pings, clash]))).pipe(Effect.scoped))
      expect(built._tag).toBe("DuplicateModule")
    }).pipe(Effect.provide(Stores)))

  it.live("one call runs every registered view and automation", () =>
    Effect.gen(function* () {
      Registry.clear()
      Registry.register(Pings)
      Registry.register(Pong)
      yield* Effect.gen(function* () {
        yield* Layer.build(Registry.layer())
        for (const id of ["a", "b", "c"]) yield* EventStore.append([Pinged.make({ id })])
        for (let i = 0; i < 2000; i++) {
          const state = yield* View.get(Pings, "all")
          if (Option.isSome(state) && state.value.pongs === 3 && (yield* View.status(Pings)).caughtUp) break
          yield* Effect.sleep("2 millis")
        }
      }).pipe(Effect.scoped)
      Registry.clear()
      expect(yield* View.get(Pings, "all")).toEqual(Option.some({ pings: 3, pongs: 3 }))
      const pongs = yield* Stream.runCollect(EventStore.read(Query.item({ types: [Ponged.type] })))
      expect(pongs).toHaveLength(3)
    }).pipe(Effect.provide(Stores)))
})

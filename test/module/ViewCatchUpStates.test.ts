/**
 * A catch-up round keeps the states it wrote in memory (decoded, by the very
 * bytes it encoded them to) so that the next batch does not decode them
 * again. What it hands to `evolve` must still be exactly what decoding the
 * stored state gives: after a JSON round trip (NaN → null, -0 → 0), after a
 * commit that failed, and when the store holds bytes the round did not write.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schedule, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"

const Op = Event.define("Op", {
  payload: Schema.Struct({ key: Schema.String, op: Schema.Literals(["add", "nan", "minusZero", "describe", "huge"]) }),
  tags: () => []
})

/** A view without a schema (states stored with JSON.stringify): `describe` records how the state came back. */
const ops = (batchSize: number) =>
  View.make({
    name: "Ops",
    version: 1,
    query: Query.item({ types: [Op.type] }),
    events: [Op],
    initial: 0 as unknown,
    batchSize,
    maxAttempts: 1,
    retry: Schedule.recurs(0),
    key: (e) => e.payload.key,
    evolve: (state, e): unknown => {
      switch (e.payload.op) {
        case "add":
          return (state as number) + 1
        case "nan":
          return Number.NaN
        case "minusZero":
          return -0
        case "describe":
          return state === null ? "null" : Object.is(state, -0) ? "-0" : String(state)
        case "huge":
          return "x".repeat(ViewStore.limits.maxStateBytes + 1)
      }
    }
  })

const op = (key: string, kind: typeof Op.payload.Type["op"]) => EventStore.append([Op.make({ key, op: kind })])

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 21)", Simulated.layer({ seed: 21, faults: true })]
] as const

for (const [backend, Env] of backends) {
  describe(`View catch-up states (${backend})`, () => {
    it.effect("evolve sees a state as JSON gives it back, batch after batch (NaN as null, -0 as 0)", () =>
      Effect.gen(function* () {
        const view = ops(1) // one batch per event: each event reads what the previous batch wrote
        yield* op("n", "nan")
        yield* op("n", "describe")
        yield* op("z", "minusZero")
        yield* op("z", "describe")
        yield* op("c", "add")
        yield* op("c", "add")
        yield* op("c", "describe")
        const result = yield* View.catchUp(view)
        expect(result).toMatchObject({ applied: 7, parked: 0 })
        expect(yield* View.get(view, "n")).toEqual(Option.some("null"))
        expect(yield* View.get(view, "z")).toEqual(Option.some("0"))
        expect(yield* View.get(view, "c")).toEqual(Option.some("2"))
      }).pipe(Effect.provide(Env)))

    it.effect("after a commit that failed, the next try starts from the stored state", () =>
      Effect.gen(function* () {
        const view = ops(2)
        yield* op("k", "add")
        yield* op("k", "add") // batch 1: k = 2, written
        yield* op("k", "add")
        yield* op("big", "huge") // batch 2: k = 3 computed, but the commit is refused (a state over the limit)
        // then event by event: k = 2 + 1 once; the huge state is parked
        const result = yield* View.catchUp(view)
        expect(result).toMatchObject({ applied: 3, parked: 1 })
        expect(yield* View.get(view, "k")).toEqual(Option.some(3))
        expect(yield* View.get(view, "big")).toEqual(Option.none())
        expect((yield* View.deadLetters(view)).map((l) => l.error).join()).toContain("ViewStateTooLarge")
      }).pipe(Effect.provide(Env)))
  })
}

/**
 * A memory view store whose second commit reads, for key "k", bytes the
 * round did not write (as when another writer changed the state without
 * moving the checkpoint, as a dead-letter retry does).
 */
const storeWithForeignState = Layer.effect(
  ViewStore.ViewStore,
  Effect.gen(function* () {
    const inner = yield* ViewStore.makeMemory
    let commits = 0
    return ViewStore.ViewStore.of({
      ...inner,
      commit: (view, version, commit) =>
        Effect.suspend(() => {
          commits++
          if (commits !== 2) return inner.commit(view, version, commit)
          return inner.commit(view, version, {
            ...commit,
            update: (current) => {
              const foreign = new Map(current)
              if (foreign.has("k")) foreign.set("k", new TextEncoder().encode("100"))
              return commit.update(foreign)
            }
          })
        })
    })
  })
)

describe("View catch-up states (memory, a state written by someone else)", () => {
  it.effect("bytes the round did not write are decoded, not taken from what it wrote before", () =>
    Effect.gen(function* () {
      const view = ops(2)
      yield* op("k", "add")
      yield* op("k", "add") // batch 1: k = 2
      yield* op("k", "add")
      yield* op("k", "describe") // batch 2 reads k = 100 (not the 2 it wrote): 101
      const result = yield* View.catchUp(view)
      expect(result).toMatchObject({ applied: 4, parked: 0 })
      expect(yield* View.get(view, "k")).toEqual(Option.some("101"))
    }).pipe(Effect.provide(Layer.merge(EventStore.layerMemory, storeWithForeignState))))
})

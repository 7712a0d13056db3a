/**
 * A batch that outlasts one FoundationDB transaction (transaction_too_old,
 * 1007: the store's 5-second window) is split into single events; the view
 * never restarts on the same batch forever.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as View from "fairway/Module/View"
import * as ViewStore from "fairway/Module/ViewStore"

const Counted = Event.define("Counted", {
  payload: Schema.Struct({ key: Schema.String }),
  tags: (p) => [`key:${p.key}`]
})

const Counts = View.make({
  name: "Counts",
  version: 1,
  query: Query.item({ types: [Counted.type] }),
  events: [Counted],
  initial: 0,
  schema: Schema.Number,
  key: (e) => e.payload.key,
  evolve: (n) => n + 1
})

/** The memory view store, whose commits of more than one state take "too long", as a slow cluster's would. */
const slowForBatches = (counter: { tooOld: number }) =>
  Layer.effect(
    ViewStore.ViewStore,
    Effect.map(ViewStore.makeMemory, (store) =>
      ViewStore.ViewStore.of({
        ...store,
        commit: (view, version, commit) =>
          commit.keys.length > 1
            ? Effect.sync(() => counter.tooOld++).pipe(
              Effect.andThen(Effect.fail(
                new EventStore.StorageError({ reason: "transaction_too_old", cause: { code: 1007 } })
              ))
            )
            : store.commit(view, version, commit)
      }))
  )

describe("View: a batch too slow for one transaction", () => {
  it.effect("is applied event by event: every event applied once, nothing parked", () => {
    const counter = { tooOld: 0 }
    return Effect.gen(function* () {
      for (const key of ["a", "b", "c", "a", "b"]) yield* EventStore.append([Counted.make({ key })])
      const result = yield* View.catchUp(Counts)
      expect(result.parked).toBe(0)
      expect(counter.tooOld).toBeGreaterThan(0)
      expect(yield* View.get(Counts, "a")).toEqual(Option.some(2))
      expect(yield* View.get(Counts, "b")).toEqual(Option.some(2))
      expect(yield* View.get(Counts, "c")).toEqual(Option.some(1))
      expect(yield* View.deadLetters(Counts)).toEqual([])
    }).pipe(Effect.provide(Layer.mergeAll(EventStore.layerMemory, slowForBatches(counter))))
  })
})

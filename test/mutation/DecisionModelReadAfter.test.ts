/**
 * `DecisionModel.readAfter` (what the decision model cache reads on from):
 * only the events after the given position are read and folded onto the given
 * state, on a store read through its `Stream` as on one with a synchronous
 * read, and the condition's `after` is the last position read (or the given
 * one when nothing is new).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"

const data = new Uint8Array()
const query = Query.item({ types: ["Deposited"], tags: ["a"] })
const count = DecisionModel.makeRaw({ query, initial: 0, evolve: (n: number) => n + 1 })
const positions = DecisionModel.makeRaw({
  query,
  initial: [] as ReadonlyArray<bigint>,
  evolve: (seen: ReadonlyArray<bigint>, event) => [...seen, event.position]
})

describe("DecisionModel.readAfter", () => {
  for (const streamOnly of [false, true]) {
    it.effect(`reads and folds only what is after the position (${streamOnly ? "through the Stream" : "synchronous read"})`, () =>
      Effect.gen(function* () {
        const memory = yield* EventStore.makeMemory
        // a copy of the shape by spreading has no synchronous read: reads go through `read`
        const store = streamOnly ? { ...memory } : memory
        const first = yield* memory.append([{ type: "Deposited", tags: ["a"], data }])
        yield* memory.append([{ type: "Other", tags: ["a"], data }])
        const third = yield* memory.append([{ type: "Deposited", tags: ["a"], data }])

        const whole = yield* DecisionModel.readAfter(store, positions, positions.initial, undefined)
        expect(whole.state).toEqual([first, third])
        expect(whole.condition).toEqual({ failIfEventsMatch: query, after: third })

        const onward = yield* DecisionModel.readAfter(store, count, 10, first)
        expect(onward.state).toBe(11)
        expect(onward.position).toBe(third)
        expect(onward.condition.after).toBe(third)

        const nothingNew = yield* DecisionModel.readAfter(store, positions, [first], third)
        expect(nothingNew.state).toEqual([first])
        expect(nothingNew.position).toBe(third)
        expect(nothingNew.condition.after).toBe(third)
      }))
  }
})

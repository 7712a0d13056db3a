/**
 * Past the key bound of an append's conditions (`conditionScanLimit`), the
 * `ConditionTooBroad` names the condition whose checks read the most keys,
 * whatever its place among the conditions (pages of one key: every join reads
 * one key per range and round, so a 4-tag item reads twice as many as a 3-tag
 * one).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

describe("EventStoreFdb ConditionTooBroad", () => {
  it.effect("names the condition that read the most keys, first or last", () =>
    Effect.gen(function*() {
      const sim = FdbSimulator.make()
      const store = yield* EventStoreFdb.make({ pageSize: 1, conditionScanLimit: 30 }).pipe(
        Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
      )
      // every pair of {a, b, c} and of {p, q, r, s} is common; no event carries all the tags of either
      const pairs = [["a", "b"], ["a", "c"], ["b", "c"], ["p", "q"], ["p", "r"], ["q", "r"], ["p", "s"], ["q", "s"], ["r", "s"]]
      yield* store.append(Array.from({ length: 180 }, (_, i) => Event.make("E", pairs[i % 9]!)))
      const three = AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }))
      const four = AppendCondition.make(Query.item({ tags: ["p", "q", "r", "s"] }))
      const last = yield* Effect.flip(store.append([Event.make("N", [])], { conditions: [three, four] }))
      expect(last).toMatchObject({ _tag: "ConditionTooBroad", conditionIndex: 1 })
      const first = yield* Effect.flip(store.append([Event.make("N", [])], { conditions: [four, three] }))
      expect(first).toMatchObject({ _tag: "ConditionTooBroad", conditionIndex: 0 })
      expect(first.message).toContain(last.message.match(/(\d+) of them/)![0])
    }))
})

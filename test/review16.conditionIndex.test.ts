/**
 * Review of issue 11.3: `ConditionTooBroad.conditionIndex` names the
 * condition whose checks read the most keys when the append's shared bound
 * was reached, not the lowest index among the checks still running (on a
 * cluster the reads of the checks interleave: they are issued at once), and
 * its message does not say that condition alone read past the bound.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import type * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

/** The simulator, its range reads asynchronous as the client's are (concurrent reads interleave). */
const interleaving = (db: FdbDatabase.FdbDatabaseShape): FdbDatabase.FdbDatabaseShape => ({
  transact: (body, options) =>
    db.transact((tn) => body({ ...tn, getRange: (b, e, o) => Effect.andThen(Effect.yieldNow, tn.getRange(b, e, o)) }), options)
})

/** `n` events per tag pair of `tags`, interleaved, none carrying all three. */
const pairs = (tags: readonly [string, string, string], n: number) =>
  Array.from({ length: 3 * n }, (_, i) => {
    const k = i % 3
    return Event.make("E", k === 0 ? [tags[0], tags[1]] : k === 1 ? [tags[0], tags[2]] : [tags[1], tags[2]])
  })

describe("review 16: ConditionTooBroad names the broad condition", () => {
  it.effect("a narrow 3-tag condition (900 keys) beside a broad one (12,000 keys), bound 1,000: the broad one is named, the message true", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 7 })
      const store = yield* EventStoreFdb.make({ conditionScanLimit: 1_000, pageSize: 100 }).pipe(
        Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(interleaving(sim.database)))
      )
      yield* store.append(pairs(["a", "b", "c"], 300))
      yield* store.append(pairs(["d", "e", "f"], 2_000))
      const narrow = AppendCondition.make(Query.item({ tags: ["a", "b", "c"] }))
      // two joins of three ranges each: it reads twice as fast as the narrow one
      const broad = AppendCondition.make(Query.fromItems([{ tags: ["d", "e", "f"] }, { types: ["E"], tags: ["d", "e", "f"] }]))
      // alone, the narrow one is within the bound
      yield* store.append([Event.make("Ok", [])], { conditions: [narrow] })
      const error = yield* Effect.flip(store.append([Event.make("X", [])], { conditions: [narrow, broad] }))
      expect(error._tag).toBe("ConditionTooBroad")
      expect((error as EventStore.ConditionTooBroad).conditionIndex).toBe(1)
      // the message does not claim that the named condition alone read past the bound
      expect(error.message).toMatch(/conditions read more than 1000 index keys \(the conditionScanLimit of this store\), \d+ of them for this one/)
      const swapped = yield* Effect.flip(store.append([Event.make("X", [])], { conditions: [broad, narrow] }))
      expect((swapped as EventStore.ConditionTooBroad).conditionIndex).toBe(0)
    }), 60_000)
})

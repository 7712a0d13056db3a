/**
 * Review of issue 11.3: `conditionScanLimit` bounds the keys the joins of one
 * append read. The joins issue their page reads at once, each of `pageSize`
 * keys: before the fix an append whose conditions held many items of three
 * tags over common pairs read `ranges × pageSize` keys in its first round,
 * whatever the bound (here up to 90 ranges × 100 keys = 9,000 keys for a bound of
 * 1,000), so the bound did not keep the transaction short.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

/** Counts the keys the store's range reads return. */
const counting = (db: FdbDatabase.FdbDatabaseShape) => {
  const counts = { rangeKeys: 0 }
  const database: FdbDatabase.FdbDatabaseShape = {
    transact: (body, options) =>
      db.transact((tn) =>
        body({
          ...tn,
          getRange: (begin, end, o) =>
            Effect.tap(Effect.andThen(Effect.yieldNow, tn.getRange(begin, end, o)), (rows) =>
              Effect.sync(() => (counts.rangeKeys += rows.length)))
        }), options)
  }
  return { counts, database }
}

describe("review 16: the condition scan bound", () => {
  it.effect("many 3-tag items over common pairs: ConditionTooBroad after about conditionScanLimit keys, not ranges × pageSize", () =>
    Effect.gen(function* () {
      const sim = FdbSimulator.make({ seed: 9 })
      const { counts, database } = counting(sim.database)
      const store = yield* EventStoreFdb.make({ conditionScanLimit: 1_000, pageSize: 100 }).pipe(
        Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(database))
      )
      // 30 triples of tags, each pair of each triple on 100 events, no event with a whole triple
      for (let t = 0; t < 30; t++) {
        const [a, b, c] = [`a${t}`, `b${t}`, `c${t}`]
        yield* store.append(Array.from({ length: 300 }, (_, i) => Event.make("E", i % 3 === 0 ? [a, b] : i % 3 === 1 ? [a, c] : [b, c])))
      }
      // each item alone reads 300 keys: within the bound
      const one = AppendCondition.make(Query.item({ tags: ["a0", "b0", "c0"] }))
      counts.rangeKeys = 0
      yield* store.append([Event.make("Ok", [])], { conditions: [one] })
      expect(counts.rangeKeys).toBeLessThanOrEqual(1_000)
      const many = AppendCondition.make(Query.fromItems(Array.from({ length: 30 }, (_, t) => ({ tags: [`a${t}`, `b${t}`, `c${t}`] }))))
      counts.rangeKeys = 0
      const error = yield* Effect.flip(store.append([Event.make("X", [])], { conditions: [many] }))
      expect(error._tag).toBe("ConditionTooBroad")
      // the bound, plus at most one key for each of the 90 ranges whose read was in flight
      expect(counts.rangeKeys).toBeLessThanOrEqual(1_000 + 90 + 1)
    }), 120_000)
})

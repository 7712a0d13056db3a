/**
 * A database that counts what the store's transactions do — point reads, keys
 * returned by range reads, range reads in flight at once — around another one
 * (the simulator). For tests of how much a condition scan reads.
 */
import { Effect } from "effect"
import type * as FdbDatabase from "fairway/Fdb/FdbDatabase"

export const counting = (db: FdbDatabase.FdbDatabaseShape) => {
  const counts = { gets: 0, rangeKeys: 0, inFlight: 0, maxInFlight: 0 }
  const database: FdbDatabase.FdbDatabaseShape = {
    transact: (body, options) =>
      db.transact((tn) =>
        body({
          ...tn,
          get: (key, o) => Effect.andThen(Effect.sync(() => counts.gets++), tn.get(key, o)),
          getRange: (begin, end, o) =>
            Effect.suspend(() => {
              counts.inFlight++
              counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight)
              return tn.getRange(begin, end, o).pipe(
                Effect.tap((rows) => Effect.sync(() => (counts.rangeKeys += rows.length))),
                Effect.ensuring(Effect.sync(() => counts.inFlight--))
              )
            })
        }), options)
  }
  return { counts, database, reset: Effect.sync(() => Object.assign(counts, { gets: 0, rangeKeys: 0, maxInFlight: 0 })) }
}

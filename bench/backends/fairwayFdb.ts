/**
 * Fairway on FoundationDB, over the deterministic simulator
 * (`FdbDatabase.layerSimulated`, no injected faults), with the simulator's
 * counters (transaction conflicts, retries, commits) and a count of the keys
 * written per event by kind (log, type index, tag indexes).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Tuple from "fairway/Fdb/Tuple"
import * as ViewStoreFdb from "fairway/Fdb/ViewStoreFdb"
import type { Backend } from "./Backend.ts"
import * as Fairway from "./fairway.ts"
import * as View from "./view.ts"

/**
 * Keys of the store by section (the first tuple element after the prefix):
 * `e` log, `t` type index, `g` / `x` tag indexes, `h` head, `i` / `j` append markers.
 *
 * @since 0.1.0
 */
export const keysBySection = Effect.gen(function*() {
  const sim = yield* FdbSimulator.FdbSimulator
  const pairs = yield* sim.dump
  const out: Record<string, number> = {}
  for (const { key } of pairs) {
    const items = Tuple.unpack(key)
    const section = String(items[2] ?? "?")
    out[section] = (out[section] ?? 0) + 1
  }
  return out
})

/**
 * The FoundationDB backend (simulated).
 *
 * @since 0.1.0
 */
export const make = (): Backend =>
  Fairway.make({
    name: "Fairway FDB (sim)",
    layer: () =>
      Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer()).pipe(
        Layer.provideMerge(FdbDatabase.layerSimulated({ seed: 1 }))
      ),
    viewCatchUp: View.catchUp,
    counters: Effect.gen(function*() {
      const sim = yield* FdbSimulator.FdbSimulator
      const stats = yield* sim.stats
      return { conflicts: stats.conflicts, retries: stats.retries }
    }),
    keys: keysBySection,
    maxEvents: 100_000,
    maxEventsQuick: 10_000,
    measureHeap: false
  })

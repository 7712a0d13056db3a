/**
 * Fairway on the FoundationDB simulator: the same FoundationDB stores as in
 * production (`EventStoreFdb`, `ViewStoreFdb`, `AutomationStoreFdb`) over the
 * deterministic in-memory FoundationDB, with optional fault injection from a
 * seed. For tests that must hold under conflicts, `commit_unknown_result`
 * and delays; the same seed replays the same run.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as AutomationStoreFdb from "../Fdb/AutomationStoreFdb.ts"
import * as EventStoreFdb from "../Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../Fdb/FdbDatabase.ts"
import type * as FdbSimulator from "../Fdb/FdbSimulator.ts"
import * as ViewStoreFdb from "../Fdb/ViewStoreFdb.ts"
import type * as Registry from "../Module/Registry.ts"
import * as Memory from "./Memory.ts"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options extends Memory.ModulesOptions {
  /** The simulator's seed (default 1). */
  readonly seed?: number | undefined
  /** Faults to inject (`true`: the simulator's default mix; default: none). */
  readonly faults?: FdbSimulator.Faults | boolean | undefined
  /**
   * What operations cost in virtual time (`"realistic"`: published cluster latencies, so transactions
   * age and time out as on a cluster; default `"free"`). See `FdbSimulator.CostProfile`.
   */
  readonly costs?: FdbSimulator.CostProfile | "realistic" | "free" | undefined
  /** The store's prefix (default `("fairway", "default")`). */
  readonly prefix?: Uint8Array | string | undefined
  /** Keys per page of event reads. */
  readonly pageSize?: number | undefined
}

/**
 * The three stores on a fresh simulated FoundationDB, plus the simulator's
 * control service (statistics, switching faults on and off).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<Memory.Stores | FdbSimulator.FdbSimulator, Registry.DuplicateModule> => {
  const storeOptions = {
    ...(options?.prefix !== undefined ? { prefix: options.prefix } : {})
  }
  const database = FdbDatabase.layerSimulated({
    ...(options?.seed !== undefined ? { seed: options.seed } : {}),
    ...(options?.faults !== undefined ? { faults: options.faults } : {}),
    ...(options?.costs !== undefined ? { costs: options.costs } : {})
  })
  const stores = Layer.mergeAll(
    EventStoreFdb.layer({ ...storeOptions, ...(options?.pageSize !== undefined ? { pageSize: options.pageSize } : {}) }),
    ViewStoreFdb.layer(storeOptions),
    AutomationStoreFdb.layer(storeOptions)
  ).pipe(Layer.provideMerge(database))
  return Memory.withModules(stores, options) as Layer.Layer<
    Memory.Stores | FdbSimulator.FdbSimulator,
    Registry.DuplicateModule
  >
}

/**
 * Fairway on a FoundationDB cluster: the event store, the view store and
 * the automation store in one cluster, under one prefix, over the
 * `foundationdb` client binding (an optional dependency: when it or
 * `libfdb_c` is missing, building the layer fails with `FdbUnavailable`,
 * saying how to install the FoundationDB client).
 *
 * @example
 * ```ts
 * import { FoundationDb } from "fairway/Layer"
 *
 * const AppLayer = FoundationDb.layer({ clusterFile: "/etc/foundationdb/fdb.cluster" })
 * ```
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as AutomationStoreFdb from "../Fdb/AutomationStoreFdb.ts"
import * as EventStoreFdb from "../Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../Fdb/FdbDatabase.ts"
import type * as FdbError from "../Fdb/FdbError.ts"
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
  /** The cluster file (default: `FDB_CLUSTER_FILE`, then the client's default). */
  readonly clusterFile?: string | undefined
  /** The FoundationDB API version (default 710). */
  readonly apiVersion?: number | undefined
  /** The store's prefix (default `("fairway", "default")`). */
  readonly prefix?: Uint8Array | string | undefined
  /**
   * The event store's tuning: keys read per page, transaction retries and
   * timeout, the bound on the keys one append's conditions may read (see
   * `EventStoreFdb.Options`).
   */
  readonly eventStore?: Omit<EventStoreFdb.Options, "prefix"> | undefined
}

/**
 * The three stores on a FoundationDB cluster.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<Memory.Stores, FdbError.FdbUnavailable | Registry.DuplicateModule> => {
  const storeOptions = options?.prefix !== undefined ? { prefix: options.prefix } : {}
  const database = FdbDatabase.layer({
    ...(options?.clusterFile !== undefined ? { clusterFile: options.clusterFile } : {}),
    ...(options?.apiVersion !== undefined ? { apiVersion: options.apiVersion } : {})
  })
  const stores = Layer.mergeAll(
    EventStoreFdb.layer({ ...options?.eventStore, ...storeOptions }),
    ViewStoreFdb.layer(storeOptions),
    AutomationStoreFdb.layer(storeOptions)
  ).pipe(Layer.provide(database))
  return Memory.withModules(stores, options)
}

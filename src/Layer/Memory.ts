/**
 * Fairway in memory: the event store, the view store and the automation
 * store, all in memory. For examples, unit tests and `npm start`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Memory } from "fairway/Layer"
 * import { Registry } from "fairway/Module"
 *
 * // the stores, plus every registered view and automation running
 * program.pipe(Effect.provide(Memory.layer({ modules: Registry.registered() })))
 * ```
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as EventStore from "../Dcb/EventStore.ts"
import * as EventStoreFdb from "../Fdb/EventStoreFdb.ts"
import * as AutomationStore from "../Module/AutomationStore.ts"
import * as Registry from "../Module/Registry.ts"
import * as ViewStore from "../Module/ViewStore.ts"

/**
 * The services every composition provides.
 *
 * @category models
 * @since 0.1.0
 */
export type Stores = EventStore.EventStore | ViewStore.ViewStore | AutomationStore.AutomationStore

/**
 * Options of the compositions.
 *
 * @category models
 * @since 0.1.0
 */
export interface ModulesOptions {
  /** Also run these modules' views and automations (see `Registry.layer`). */
  readonly modules?: Registry.Registry | undefined
  /** Options of the modules' runs. */
  readonly modulesOptions?: Registry.LayerOptions | undefined
}

/**
 * Adds a registry's running modules on top of a stores layer, exposing the stores.
 *
 * @category combinators
 * @since 0.1.0
 */
export const withModules = <E, R>(
  stores: Layer.Layer<Stores, E, R>,
  options?: ModulesOptions
): Layer.Layer<Stores, E | Registry.DuplicateModule, R> =>
  options?.modules === undefined
    ? stores
    : Registry.layer(options.modules, options.modulesOptions).pipe(Layer.provideMerge(stores))

/**
 * The three stores in memory (fresh ones per build), optionally with modules.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: ModulesOptions): Layer.Layer<Stores, Registry.DuplicateModule> =>
  withModules(
    Layer.mergeAll(
      // FoundationDB's sizes too: a test on memory fails the way production would
      EventStore.layerMemoryWith({ checkAppend: EventStoreFdb.checkAppend() }),
      ViewStore.layerMemory,
      AutomationStore.layerMemory
    ),
    options
  )

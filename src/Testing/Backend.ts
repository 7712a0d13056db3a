/**
 * Where a test runs: the in-memory stores (the default) or FoundationDB over
 * the deterministic simulator.
 *
 * Every given/when/then of `fairway/Testing` builds a fresh backend for
 * each run, so tests never share state. Pick the simulator per test
 * (`{ backend: Backend.simulator({ seed: 7 }) }`) or for a whole run with the
 * environment variable `FAIRWAY_TEST_BACKEND=simulator` (optionally
 * `FAIRWAY_TEST_SEED=<n>`).
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as EventStore from "../Dcb/EventStore.ts"
import * as AutomationStoreFdb from "../Fdb/AutomationStoreFdb.ts"
import * as EventStoreFdb from "../Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../Fdb/FdbDatabase.ts"
import * as ViewStoreFdb from "../Fdb/ViewStoreFdb.ts"
import * as AutomationStore from "../Module/AutomationStore.ts"
import * as ViewStore from "../Module/ViewStore.ts"

/**
 * The services a backend provides.
 *
 * @category models
 * @since 0.1.0
 */
export type Services = EventStore.EventStore | ViewStore.ViewStore | AutomationStore.AutomationStore

/**
 * A backend: a name (shown in failures) and a layer building fresh stores.
 *
 * @category models
 * @since 0.1.0
 */
export interface Backend {
  readonly name: string
  readonly layer: Layer.Layer<Services>
}

/**
 * The in-memory stores, enforcing FoundationDB's limits (sizes of values,
 * keys and an append's transaction), so a test on memory fails the way
 * production would.
 *
 * @category backends
 * @since 0.1.0
 */
export const memory: Backend = {
  name: "memory",
  layer: Layer.mergeAll(
    EventStore.layerMemoryWith({ checkAppend: EventStoreFdb.checkAppend() }),
    ViewStore.layerMemory,
    AutomationStore.layerMemory
  )
}

/**
 * The FoundationDB stores over the simulator (faults off unless asked).
 *
 * @category backends
 * @since 0.1.0
 */
export const simulator = (options?: { readonly seed?: number | undefined; readonly faults?: boolean | undefined }): Backend => ({
  name: `simulator(seed ${options?.seed ?? 1}${options?.faults === true ? ", faults" : ""})`,
  layer: Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer(), AutomationStoreFdb.layer()).pipe(
    Layer.provide(FdbDatabase.layerSimulated({ seed: options?.seed ?? 1, faults: options?.faults ?? false }))
  )
})

/**
 * The default backend: {@link memory} (also `FAIRWAY_TEST_BACKEND=memory`),
 * or {@link simulator} when `FAIRWAY_TEST_BACKEND=simulator` (seed from
 * `FAIRWAY_TEST_SEED`, an integer). Any other value of either variable
 * throws a `TypeError` naming it: a typo never silently runs the tests on
 * another backend.
 *
 * @category backends
 * @since 0.1.0
 */
export const fromEnv = (): Backend => {
  const env: Record<string, string | undefined> = typeof process === "undefined" ? {} : process.env
  const name = env["FAIRWAY_TEST_BACKEND"]
  if (name === undefined || name === "" || name === "memory") return memory
  if (name !== "simulator") {
    throw new TypeError(`FAIRWAY_TEST_BACKEND must be "memory" or "simulator", got "${name}"`)
  }
  const seedText = env["FAIRWAY_TEST_SEED"] ?? "1"
  const seed = Number(seedText)
  if (seedText.trim() === "" || !Number.isSafeInteger(seed)) {
    throw new TypeError(`FAIRWAY_TEST_SEED must be an integer, got "${seedText}"`)
  }
  return simulator({ seed })
}

/**
 * Both backends, for a test that must hold on each (`describe.each`).
 *
 * @category backends
 * @since 0.1.0
 */
export const all: ReadonlyArray<Backend> = [memory, simulator()]

/**
 * `fairway dead-letters --view <name> | --automation <name>`: the events a
 * view or an automation parked (it could not apply or handle them after its
 * retries), one line each: position, event type, attempts, when, and why.
 * With `--json`, one JSON object per line.
 *
 * The stores are the app's (`--app`, or `fairway.app` in package.json: its
 * `layer` must provide the view and automation stores, as
 * `FoundationDb.layer` does), a FoundationDB cluster's (`--cluster-file`,
 * `--prefix`), or empty in-memory ones.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as AutomationStoreFdb from "../Fdb/AutomationStoreFdb.ts"
import * as FdbDatabase from "../Fdb/FdbDatabase.ts"
import * as ViewStoreFdb from "../Fdb/ViewStoreFdb.ts"
import * as AutomationStore from "../Module/AutomationStore.ts"
import * as ViewStore from "../Module/ViewStore.ts"
import * as Events from "./Events.ts"

/**
 * What to list.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** A view's name: its parked events. */
  readonly view?: string | undefined
  /** The view's version (default: its active version). */
  readonly version?: number | undefined
  /** An automation's name: its parked events. */
  readonly automation?: string | undefined
  /** One JSON object per line. */
  readonly json: boolean
}

/**
 * A dead letter of a view or an automation, as listed.
 *
 * @category models
 * @since 0.1.0
 */
export interface Listed {
  readonly position: SequencePosition.SequencePosition
  readonly eventType: string
  readonly attempts: number
  readonly failedAt: number
  readonly error: string
}

/**
 * Neither or both of `--view` and `--automation`, or a view that has no
 * version yet.
 *
 * @category errors
 * @since 0.1.0
 */
export class DeadLettersUsage extends Error {
  readonly _tag = "DeadLettersUsage"
}

/**
 * The parked events asked for.
 *
 * @category listing
 * @since 0.1.0
 */
export const collect = (
  options: Omit<Options, "json">
): Effect.Effect<
  ReadonlyArray<Listed>,
  DeadLettersUsage | ViewStore.StorageError,
  ViewStore.ViewStore | AutomationStore.AutomationStore
> =>
  Effect.gen(function*() {
    if ((options.view === undefined) === (options.automation === undefined)) {
      return yield* Effect.fail(new DeadLettersUsage("pass exactly one of --view <name> and --automation <name>"))
    }
    if (options.automation !== undefined) {
      const automations = yield* AutomationStore.AutomationStore
      return yield* automations.deadLetters(options.automation)
    }
    const views = yield* ViewStore.ViewStore
    const name = options.view!
    const version = options.version ?? Option.getOrUndefined(yield* views.activeVersion(name))
    if (version === undefined) {
      return yield* Effect.fail(new DeadLettersUsage(`view ${name} has no active version (pass --version <n>)`))
    }
    return yield* views.deadLetters(name, version)
  })

/**
 * One line of the listing.
 *
 * @category formatting
 * @since 0.1.0
 */
export const format = (letter: Listed, json: boolean): string =>
  json
    ? JSON.stringify({
      position: SequencePosition.format(letter.position),
      eventType: letter.eventType,
      attempts: letter.attempts,
      failedAt: new Date(letter.failedAt).toISOString(),
      error: letter.error
    })
    : `${SequencePosition.format(letter.position)}\t${letter.eventType}\t${letter.attempts} attempts\t` +
      `${new Date(letter.failedAt).toISOString()}\t${letter.error.replace(/\s+/g, " ")}`

/**
 * Prints the parked events asked for (a line on stderr when there are none).
 *
 * @category listing
 * @since 0.1.0
 */
export const list = (
  options: Options
): Effect.Effect<
  void,
  DeadLettersUsage | ViewStore.StorageError,
  ViewStore.ViewStore | AutomationStore.AutomationStore
> =>
  Effect.gen(function*() {
    const letters = yield* collect(options)
    if (letters.length === 0) return yield* Console.error("no dead letters")
    for (const letter of letters) yield* Console.log(format(letter, options.json))
  })

/**
 * The view and automation stores the command reads (see the module
 * documentation).
 *
 * @category layers
 * @since 0.1.0
 */
export const storesLayer = (options: {
  readonly app: Option.Option<string>
  readonly clusterFile: Option.Option<string>
  readonly prefix: Option.Option<string>
}): Layer.Layer<ViewStore.ViewStore | AutomationStore.AutomationStore, unknown> => {
  if (Option.isSome(options.clusterFile)) {
    const storeOptions = Option.isSome(options.prefix) ? { prefix: options.prefix.value } : undefined
    return Layer.mergeAll(ViewStoreFdb.layer(storeOptions), AutomationStoreFdb.layer(storeOptions)).pipe(
      Layer.provide(FdbDatabase.layer({ clusterFile: options.clusterFile.value }))
    )
  }
  const app = Option.getOrUndefined(options.app) ?? Events.appFromPackageJson(process.cwd())
  if (app !== undefined) {
    return Events.layerApp(app) as unknown as Layer.Layer<ViewStore.ViewStore | AutomationStore.AutomationStore, unknown>
  }
  return Layer.mergeAll(ViewStore.layerMemory, AutomationStore.layerMemory).pipe(Layer.tap(() =>
    Console.error("(empty in-memory stores: pass --app <module> or --cluster-file <path> for your own)")
  ))
}

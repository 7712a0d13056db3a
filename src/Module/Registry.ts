/**
 * The module registry: commands, views and automations, composed into one
 * Layer.
 *
 * Each module file registers itself ({@link register}, typically
 * `export const MyView = Registry.register(View.make({ ... }))`), and the
 * app's generated modules index imports every module file (see the
 * `fairway generate` CLI), so adding a module never edits a shared
 * hand-written list. {@link layer} then composes every registered view and
 * automation into one Layer that runs them for as long as the app's scope is
 * open. Commands need nothing running; they are registered so tools can list
 * and find them by name.
 *
 * A {@link Registry} value can also be built explicitly ({@link make}) when a
 * program (or a test) wants its own set of modules instead of the global one.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as EventStore from "../Dcb/EventStore.ts"
import * as Automation from "./Automation.ts"
import type * as AutomationStore from "./AutomationStore.ts"
import * as Command from "./Command.ts"
import * as View from "./View.ts"
import type * as ViewStore from "./ViewStore.ts"

/**
 * A module: a command, a view or an automation.
 *
 * @category models
 * @since 0.1.0
 */
export type Module = Command.Any | View.Any | Automation.Any

/**
 * What kind of module a value is.
 *
 * @category models
 * @since 0.1.0
 */
export type Kind = "command" | "view" | "automation"

/**
 * A set of modules, in registration order.
 *
 * @category models
 * @since 0.1.0
 */
export interface Registry {
  readonly modules: ReadonlyArray<Module>
}

/**
 * Two different modules of the same kind share a name (their keyspaces would
 * collide).
 *
 * @category errors
 * @since 0.1.0
 */
export class DuplicateModule extends Schema.TaggedError<DuplicateModule>()("DuplicateModule", {
  kind: Schema.String,
  name: Schema.String
}) {
  override get message(): string {
    return `two different ${this.kind}s are named ${this.name}`
  }
}

/**
 * The kind of a module, or `undefined` for a value that is not one.
 *
 * @category guards
 * @since 0.1.0
 */
export const kindOf = (u: unknown): Kind | undefined => {
  if (View.isView(u)) return "view"
  if (Automation.isAutomation(u)) return "automation"
  if (typeof u === "object" && u !== null && (u as Record<string, unknown>)[Command.TypeId] === Command.TypeId) {
    return "command"
  }
  return undefined
}

/**
 * Whether a value is a module.
 *
 * @category guards
 * @since 0.1.0
 */
export const isModule = (u: unknown): u is Module => kindOf(u) !== undefined

/**
 * A registry of the given modules (each module object once).
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (modules: Iterable<Module> = []): Registry => ({ modules: [...new Set(modules)] })

/**
 * A registry with more modules.
 *
 * @category combinators
 * @since 0.1.0
 */
export const add = (registry: Registry, ...modules: ReadonlyArray<Module>): Registry =>
  make([...registry.modules, ...modules])

/**
 * Collects the modules found among the exports of module files (for example
 * `Registry.fromExports(await import("./modules/index.ts"))` or the
 * namespaces a generated index re-exports). Non-module exports are ignored.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromExports = (...namespaces: ReadonlyArray<Readonly<Record<string, unknown>>>): Registry => {
  const found: Array<Module> = []
  const visit = (value: unknown, depth: number) => {
    if (isModule(value)) found.push(value)
    else if (depth < 2 && typeof value === "object" && value !== null) {
      for (const key of Object.keys(value).sort()) visit((value as Record<string, unknown>)[key], depth + 1)
    }
  }
  for (const namespace of namespaces) visit(namespace, 0)
  return make(found)
}

const global: Array<Module> = []

/**
 * Registers a module in the global registry and returns it, so a module
 * file can write `export const X = Registry.register(View.make({ ... }))`.
 * Registering the same object twice is a no-op.
 *
 * @category registration
 * @since 0.1.0
 */
export const register = <M extends Module>(module: M): M => {
  if (!isModule(module)) throw new TypeError("Registry.register: not a command, view or automation")
  if (!global.includes(module)) global.push(module)
  return module
}

/**
 * The global registry: every module registered so far.
 *
 * @category registration
 * @since 0.1.0
 */
export const registered = (): Registry => make(global)

/**
 * Forgets every registered module (for tests).
 *
 * @category registration
 * @since 0.1.0
 */
export const clear = (): void => {
  global.length = 0
}

/**
 * The registry's views.
 *
 * @category accessors
 * @since 0.1.0
 */
export const views = (registry: Registry): ReadonlyArray<View.Any> => registry.modules.filter(View.isView)

/**
 * The registry's automations.
 *
 * @category accessors
 * @since 0.1.0
 */
export const automations = (registry: Registry): ReadonlyArray<Automation.Any> =>
  registry.modules.filter(Automation.isAutomation)

/**
 * The registry's commands.
 *
 * @category accessors
 * @since 0.1.0
 */
export const commands = (registry: Registry): ReadonlyArray<Command.Any> =>
  registry.modules.filter((m): m is Command.Any => kindOf(m) === "command")

/**
 * Checks that no two different modules of one kind share a name.
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (registry: Registry): Effect.Effect<Registry, DuplicateModule> => {
  const seen = new Map<string, Module>()
  for (const module of registry.modules) {
    const kind = kindOf(module)!
    const id = `${kind}:${module.name}`
    const other = seen.get(id)
    if (other !== undefined && other !== module) return Effect.fail(new DuplicateModule({ kind, name: module.name }))
    seen.set(id, module)
  }
  return Effect.succeed(registry)
}

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LayerOptions {
  /** Options for each view's run. */
  readonly view?: View.LayerOptions | undefined
  /** Options for each automation's run (an explicit `owner` applies to all). */
  readonly automation?: Automation.RunOptions | undefined
}

/**
 * One Layer running every view and automation of a registry (the global one
 * by default) for as long as its scope is open. Fails with
 * {@link DuplicateModule} when two different modules of one kind share a
 * name. Automations whose handlers need more services than the stores get
 * them from the context the layer is provided with.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  registry: Registry = registered(),
  options?: LayerOptions
): Layer.Layer<never, DuplicateModule, EventStore.EventStore | ViewStore.ViewStore | AutomationStore.AutomationStore> =>
  Layer.unwrap(
    Effect.map(validate(registry), (valid) => {
      const layers: Array<Layer.Layer<never, never, any>> = [
        ...views(valid).map((view) => View.layer(view, options?.view)),
        ...automations(valid).map((automation) => Automation.layer(automation, options?.automation))
      ]
      return layers.length === 0 ? Layer.empty : Layer.mergeAll(...(layers as [Layer.Layer<never>, ...Array<Layer.Layer<never>>]))
    })
  ) as Layer.Layer<never, DuplicateModule, EventStore.EventStore | ViewStore.ViewStore | AutomationStore.AutomationStore>

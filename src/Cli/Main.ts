/**
 * The `fairway` command line (built with `effect/cli`):
 *
 * - `fairway generate command|view|automation <Name> [--dir src/modules]`:
 *   writes a module file and its test, and regenerates the modules index;
 *   `fairway generate index` only regenerates the index.
 * - `fairway events read|tail|stats [--type T]… [--tag t]…`: the event log of
 *   the app's store (`--app <module>`, or `"fairway": { "app": … }` in the
 *   current directory's package.json: a module exporting `layer`), of a
 *   FoundationDB cluster (`--cluster-file <path>`, `--prefix <name>`), or of
 *   the in-memory demo store (the default, said on stderr).
 * - `fairway dead-letters --view <name> [--version n] | --automation <name>`:
 *   the events a view or an automation parked after its retries.
 * - `fairway studio [--port 4000] [--store memory|simulator|fdb]`: serves
 *   Fairway Studio on 127.0.0.1 (see `src/Studio/Cli.ts`).
 *
 * A user error (a module that exists, a bad name, a bad flag value, a
 * missing FoundationDB client…) prints one line on stderr and exits with
 * code 1; `--verbose` also prints its cause.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stdio from "effect/Stdio"
import { Argument, CliError, Command, Flag, GlobalFlag } from "effect/cli"
import type * as EventStore from "../Dcb/EventStore.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as EventStoreFdb from "../Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../Fdb/FdbDatabase.ts"
import * as DeadLetters from "./DeadLetters.ts"
import * as Events from "./Events.ts"
import * as Generate from "./Generate.ts"
import * as StudioCli from "../Studio/Cli.ts"

/**
 * The CLI's version.
 *
 * @category constants
 * @since 0.1.0
 */
export const version = "0.1.0"

// -- errors -------------------------------------------------------------------

/**
 * `--verbose`: on an error, also print its cause (the underlying error and
 * where it happened).
 *
 * @category flags
 * @since 0.1.0
 */
export const Verbose = GlobalFlag.Setting("verbose")({
  flag: Flag.Boolean("verbose").pipe(
    Flag.withDescription("On an error, also print its cause"),
    Flag.withDefault(false)
  )
})

/**
 * The one line a failure prints: the error's message (tagged errors carry
 * theirs), or its tag.
 *
 * @category errors
 * @since 0.1.0
 */
export const describeError = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const e = error as { readonly message?: unknown; readonly _tag?: unknown }
    if (typeof e.message === "string" && e.message !== "") return e.message.split("\n")[0]!
    if (typeof e._tag === "string") return e._tag
  }
  return String(error)
}

/**
 * Reports a failed run as a user sees it: `fairway: <message>` on stderr, the
 * cause too with `verbose`, then fails with the same error, marked so that
 * the runtime does not log it again (exit code 1). Errors of the command line itself (an unknown flag, a
 * bad value…) are already shown by `effect/cli` with the help; a defect says
 * it is one.
 *
 * @category errors
 * @since 0.1.0
 */
export const reportErrors = (verbose: boolean) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.catchCause(effect, (cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
    const failure = Cause.findErrorOption(cause)
    if (Option.isSome(failure) && CliError.isCliError(failure.value)) return Effect.failCause(cause)
    const line = Option.isSome(failure)
      ? describeError(failure.value)
      : `unexpected error: ${describeError(Cause.squash(cause))}`
    return Effect.gen(function*() {
      yield* Console.error(`fairway: ${line}${verbose ? "" : " (--verbose for the cause)"}`)
      if (verbose) yield* Console.error(Cause.pretty(cause))
      // reported: the runtime only sets the exit code (as effect/cli does for errors it shows)
      const squashed = Cause.squash(cause)
      if (typeof squashed === "object" && squashed !== null) Object.assign(squashed, { [Runtime.errorReported]: false })
      return yield* Effect.failCause(cause)
    })
  })

// -- generate -----------------------------------------------------------------

const dir = Flag.String("dir").pipe(
  Flag.withDescription("The modules directory (its index.ts is regenerated)"),
  Flag.withDefault("src/modules")
)
const importFrom = Flag.String("import-from").pipe(
  Flag.withDescription("Where generated code imports Fairway from: a package name, or a path to Fairway's src"),
  Flag.withDefault("fairway")
)

const testDir = Flag.String("test-dir").pipe(
  Flag.withDescription("Where the module's test goes (default: beside the module)"),
  Flag.optional
)

const generateKind = (kind: Generate.Kind) =>
  Command.make(kind, {
    name: Argument.String("Name").pipe(Argument.withDescription(`The ${kind}'s name, in PascalCase`)),
    dir,
    importFrom,
    testDir
  }, ({ dir, importFrom, name, testDir }) =>
    Effect.gen(function* () {
      const written = yield* Generate.generate(kind, name, {
        dir,
        importFrom,
        ...(Option.isSome(testDir) ? { testDir: testDir.value } : {})
      })
      yield* Console.log(`created ${written.module}`)
      yield* Console.log(`created ${written.test}`)
      yield* Console.log(`updated ${written.index}`)
    })).pipe(Command.withDescription(`Write a new ${kind} module, its test, and the modules index`))

const generateIndex = Command.make("index", { dir, importFrom }, ({ dir, importFrom }) =>
  Effect.flatMap(Generate.writeIndex({ dir, importFrom }), (file) => Console.log(`updated ${file}`))).pipe(
    Command.withDescription("Regenerate the modules index from the directory listing")
  )

/**
 * `fairway generate …`.
 *
 * @category commands
 * @since 0.1.0
 */
export const generate = Command.make("generate").pipe(
  Command.withDescription("Generate modules (one file each) and the modules index"),
  Command.withSubcommands([generateKind("command"), generateKind("view"), generateKind("automation"), generateIndex])
)

// -- events -------------------------------------------------------------------

const storeFlags = {
  app: Flag.String("app").pipe(
    Flag.withDescription(
      "The app's module: it exports `layer`, its store (default: package.json's fairway.app, if any)"
    ),
    Flag.optional
  ),
  clusterFile: Flag.String("cluster-file").pipe(
    Flag.withDescription("A FoundationDB cluster file (default: the app's store, else the in-memory demo store)"),
    Flag.optional
  ),
  prefix: Flag.String("prefix").pipe(Flag.withDescription("The store's prefix name on FoundationDB"), Flag.optional)
}
const filterFlags = {
  types: Flag.String("type").pipe(Flag.withDescription("Only events of this type (repeatable)"), Flag.atLeast(0)),
  tags: Flag.String("tag").pipe(Flag.withDescription("Only events with this tag (repeatable, AND'ed)"), Flag.atLeast(0)),
  json: Flag.Boolean("json").pipe(Flag.withDescription("One JSON object per line"), Flag.withDefault(false))
}
const position = (name: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withDescription(description),
    Flag.withSchema(SequencePosition.SequencePosition),
    Flag.optional
  )

/**
 * The event store the `events` commands run on: the store of a FoundationDB
 * cluster (`clusterFile`), the app's (`app`, else `fairway.app` in the
 * package.json of the current directory), or the demo store (said on stderr).
 *
 * @category layers
 * @since 0.1.0
 */
export const storeLayer = (options: {
  readonly app?: Option.Option<string> | undefined
  readonly clusterFile: Option.Option<string>
  readonly prefix: Option.Option<string>
}): Layer.Layer<EventStore.EventStore, unknown> => {
  if (Option.isSome(options.clusterFile)) {
    return EventStoreFdb.layer(Option.isSome(options.prefix) ? { prefix: options.prefix.value } : undefined).pipe(
      Layer.provide(FdbDatabase.layer({ clusterFile: options.clusterFile.value }))
    )
  }
  const app = Option.getOrUndefined(options.app ?? Option.none()) ?? Events.appFromPackageJson(process.cwd())
  if (app !== undefined) return Events.layerApp(app)
  return Events.layerDemo.pipe(Layer.tap(() =>
    Console.error("(the demo store: pass --app <module> or --cluster-file <path> for your own)")
  ))
}

const filterOf = (input: { readonly types: ReadonlyArray<string>; readonly tags: ReadonlyArray<string> }) => ({
  types: input.types,
  tags: input.tags
})

const read = Command.make("read", {
  ...storeFlags,
  ...filterFlags,
  after: position("after", "Only events after this position"),
  before: position("before", "Only events before this position (with --backwards --limit n: the page before it)"),
  limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many events"), Flag.optional),
  backwards: Flag.Boolean("backwards").pipe(Flag.withDescription("Newest first"), Flag.withDefault(false))
}, (input) =>
  Events.read({
    ...filterOf(input),
    after: Option.getOrUndefined(input.after),
    before: Option.getOrUndefined(input.before),
    limit: Option.getOrUndefined(input.limit),
    backwards: input.backwards,
    json: input.json
  })).pipe(Command.withDescription("Print the events of the log"), Command.provide((input) => storeLayer(input)))

const tail = Command.make("tail", {
  ...storeFlags,
  ...filterFlags,
  after: position("after", "Start after this position (default: the head, only new events)"),
  count: Flag.Int("count").pipe(Flag.withDescription("Stop after this many events"), Flag.optional)
}, (input) =>
  Events.tail({
    ...filterOf(input),
    after: Option.getOrUndefined(input.after),
    count: Option.getOrUndefined(input.count),
    json: input.json
  })).pipe(Command.withDescription("Follow the log: print events as they are appended"), Command.provide((input) => storeLayer(input)))

const stats = Command.make("stats", { ...storeFlags, ...filterFlags }, (input) =>
  Events.stats({ ...filterOf(input), json: input.json })).pipe(
    Command.withDescription("Count events by type and by tag key"),
    Command.provide((input) => storeLayer(input))
  )

/**
 * `fairway events …`.
 *
 * @category commands
 * @since 0.1.0
 */
export const events = Command.make("events").pipe(
  Command.withDescription("Look at a store's event log"),
  Command.withSubcommands([read, tail, stats])
)

/**
 * `fairway dead-letters --view <name> [--version n] | --automation <name>`:
 * the events a view or an automation parked (see `DeadLetters`).
 *
 * @category commands
 * @since 0.1.0
 */
export const deadLetters = Command.make("dead-letters", {
  app: storeFlags.app,
  clusterFile: storeFlags.clusterFile,
  prefix: storeFlags.prefix,
  view: Flag.String("view").pipe(Flag.withDescription("A view's name"), Flag.optional),
  version: Flag.Int("version").pipe(Flag.withDescription("The view's version (default: the active one)"), Flag.optional),
  automation: Flag.String("automation").pipe(Flag.withDescription("An automation's name"), Flag.optional),
  json: filterFlags.json
}, (input) =>
  DeadLetters.list({
    view: Option.getOrUndefined(input.view),
    version: Option.getOrUndefined(input.version),
    automation: Option.getOrUndefined(input.automation),
    json: input.json
  })).pipe(
    Command.withDescription("List the events a view or an automation parked after its retries"),
    Command.provide((input) => DeadLetters.storesLayer(input))
  )

/**
 * The `fairway` root command.
 *
 * @category commands
 * @since 0.1.0
 */
export const fairway = Command.make("fairway").pipe(
  Command.withDescription("Fairway: event sourcing with Dynamic Consistency Boundaries"),
  Command.withGlobalFlags([Verbose]),
  Command.withSubcommands([generate, events, deadLetters, StudioCli.command])
)

/**
 * Runs the CLI on arguments (without the `node` and script prefix). A user
 * error is reported as one line on stderr (see {@link reportErrors}) and
 * fails the run.
 *
 * @category running
 * @since 0.1.0
 */
export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(fairway, { version })(args).pipe(reportErrors(args.includes("--verbose")))

/**
 * Runs the CLI on the process's arguments (as `bin/fairway.ts` does).
 *
 * @category running
 * @since 0.1.0
 */
export const main = Effect.flatMap(Stdio.Stdio.use((stdio) => stdio.args), run)

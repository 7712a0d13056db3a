/**
 * The `fairway` command line (built with `effect/cli`):
 *
 * - `fairway generate command|view|automation <Name> [--dir src/modules]`:
 *   writes a module file and its test, and regenerates the modules index;
 *   `fairway generate index` only regenerates the index.
 * - `fairway events read|tail|stats [--type T]… [--tag t]…`: the event log of
 *   the in-memory demo store (default) or of a FoundationDB cluster
 *   (`--cluster-file <path>`, `--prefix <name>`).
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import type * as EventStore from "../Dcb/EventStore.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as EventStoreFdb from "../Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../Fdb/FdbDatabase.ts"
import * as Events from "./Events.ts"
import * as Generate from "./Generate.ts"

/**
 * The CLI's version.
 *
 * @category constants
 * @since 0.1.0
 */
export const version = "0.1.0"

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
  clusterFile: Flag.String("cluster-file").pipe(
    Flag.withDescription("A FoundationDB cluster file (default: the in-memory demo store)"),
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
 * The event store the `events` commands run on: the demo store, or the
 * store of a FoundationDB cluster.
 *
 * @category layers
 * @since 0.1.0
 */
export const storeLayer = (options: {
  readonly clusterFile: Option.Option<string>
  readonly prefix: Option.Option<string>
}): Layer.Layer<EventStore.EventStore, unknown> =>
  Option.isNone(options.clusterFile)
    ? Events.layerDemo
    : EventStoreFdb.layer(Option.isSome(options.prefix) ? { prefix: options.prefix.value } : undefined).pipe(
      Layer.provide(FdbDatabase.layer({ clusterFile: options.clusterFile.value }))
    )

const filterOf = (input: { readonly types: ReadonlyArray<string>; readonly tags: ReadonlyArray<string> }) => ({
  types: input.types,
  tags: input.tags
})

const read = Command.make("read", {
  ...storeFlags,
  ...filterFlags,
  after: position("after", "Only events after this position"),
  limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many events"), Flag.optional),
  backwards: Flag.Boolean("backwards").pipe(Flag.withDescription("Newest first"), Flag.withDefault(false))
}, (input) =>
  Events.read({
    ...filterOf(input),
    after: Option.getOrUndefined(input.after),
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
 * The `fairway` root command.
 *
 * @category commands
 * @since 0.1.0
 */
export const fairway = Command.make("fairway").pipe(
  Command.withDescription("Fairway: event sourcing with Dynamic Consistency Boundaries"),
  Command.withSubcommands([generate, events])
)

/**
 * Runs the CLI on arguments (without the `node` and script prefix).
 *
 * @category running
 * @since 0.1.0
 */
export const run = Command.runWith(fairway, { version })

/**
 * Runs the CLI on the process's arguments (as `bin/fairway.ts` does).
 *
 * @category running
 * @since 0.1.0
 */
export const main = Command.run(fairway, { version })

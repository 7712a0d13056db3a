/**
 * `npm run realworld -- [--store memory|simulator|fdb] [--seed 1] [--cluster-file <path>] [--port 3000] [--quiet]`:
 * serves the Conduit API (RealWorld) on the chosen store, built on
 * `effect/cli` (`--help` lists the flags).
 *
 * - `--store`: `memory` (default), `simulator` (the FoundationDB simulator,
 *   deterministic from `--seed`), or `fdb` (a FoundationDB cluster: `--cluster-file`,
 *   else `FDB_CLUSTER_FILE`, else the default cluster file). A cluster file
 *   without `--store` means `fdb`.
 * - `--port` (default 3000; also `PORT`).
 * - The JWT secret comes from `REALWORLD_JWT_SECRET` (at least 32 bytes); it
 *   is required with `--store fdb`, where the server refuses to start without it.
 * - `--quiet` drops the per-request log lines (warnings and errors only).
 *
 * A bad flag, or a server that cannot start, is one line on stderr and exit
 * code 1, without a stack trace.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Config, Console, Effect, Layer, Option, References } from "effect"
import { CliOutput, Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import { serve, type StoreKind, storesOf } from "./server.ts"

const store = Flag.Literals("store", ["memory", "simulator", "fdb"] as const).pipe(
  Flag.withDescription("Where the data lives: memory, the FoundationDB simulator, or a FoundationDB cluster"),
  Flag.optional
)
const seed = Flag.Int("seed").pipe(
  Flag.withDescription("The simulator's seed (with --store simulator)"),
  Flag.withDefault(1)
)
const clusterFile = Flag.String("cluster-file").pipe(
  Flag.withDescription("The FoundationDB cluster file (with --store fdb; else FDB_CLUSTER_FILE, else the default)"),
  Flag.optional
)
const port = Flag.Int("port").pipe(
  Flag.withDescription("The port to listen on (also PORT; 0: any free port)"),
  Flag.withFallbackConfig(Config.Int("PORT")),
  Flag.withDefault(3000)
)
const quiet = Flag.Boolean("quiet").pipe(
  Flag.withDescription("Only warnings and errors in the log (no line per request)"),
  Flag.withDefault(false)
)

/**
 * A reason the server does not start: printed as one line.
 *
 * @category errors
 * @since 0.1.0
 */
class StartError extends Error {
  override readonly name = "StartError"
}

const messageOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" && error.message !== "") {
    return error.message
  }
  if (typeof error === "object" && error !== null && "_tag" in error) return String(error._tag)
  return String(error)
}

/**
 * The `realworld` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "realworld",
  { store, seed, clusterFile, port, quiet },
  (flags) =>
    Effect.gen(function*() {
      // FDB_CLUSTER_FILE alone (no --store) still means FoundationDB, as before the flags existed
      const envClusterFile = yield* Config.option(Config.String("FDB_CLUSTER_FILE"))
      const kind: StoreKind = Option.getOrElse(
        flags.store,
        () => (Option.isSome(flags.clusterFile) || Option.isSome(envClusterFile) ? "fdb" : "memory")
      )
      if (kind !== "fdb" && Option.isSome(flags.clusterFile)) {
        return yield* Effect.fail(new StartError(`--cluster-file needs --store fdb (got --store ${kind})`))
      }
      if (!Number.isInteger(flags.port) || flags.port < 0 || flags.port > 65535) {
        return yield* Effect.fail(new StartError(`--port must be between 0 and 65535 (got ${flags.port})`))
      }
      const stores = storesOf(kind, {
        seed: flags.seed,
        clusterFile: Option.getOrUndefined(Option.orElse(flags.clusterFile, () => envClusterFile))
      })
      const announce = Layer.effectDiscard(Effect.gen(function*() {
        const address = yield* HttpServer.addressFormattedWith(Effect.succeed)
        yield* Console.log(`Conduit (RealWorld) API on ${address}/api — store: ${stores.description}`)
      }))
      return yield* announce.pipe(
        Layer.provideMerge(serve(stores.layer, { port: flags.port, shared: stores.shared })),
        Layer.provideMerge(flags.quiet ? Layer.succeed(References.MinimumLogLevel, "Warn") : Layer.empty),
        Layer.launch,
        Effect.mapError((e) => new StartError(messageOf(e)))
      )
    })
).pipe(Command.withDescription("The Conduit (RealWorld) backend on Fairway"))

// a bad invocation is one line (the help stays behind --help)
const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(`realworld: ${event.errors.map(messageOf).join("; ")} (see --help)`)
      : CliOutput.defaultPresenter.present(event)
})

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  Command.run(command, { version: "0.1.0", renderErrors: true }).pipe(
    Effect.catch((error) =>
      Effect.flatMap(
        // parse errors were presented already; anything else is one line here
        error instanceof StartError ? Console.error(`realworld: ${error.message}`) : Effect.void,
        () => Effect.sync(() => (process.exitCode = 1))
      )
    ),
    Effect.provide([NodeServices.layer, presenter]),
    NodeRuntime.runMain
  )
}

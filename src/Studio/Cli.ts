/**
 * `fairway studio`: serves Fairway Studio on 127.0.0.1.
 *
 * - `--store memory` (default) or `--store simulator`: a fresh store with
 *   the {@link Demo} app running and seeded (conflicting commands, a dead
 *   letter, a lagging view).
 * - `--store fdb [--cluster-file <path>]`: a FoundationDB cluster's store
 *   (the log and the boundary records of the apps that record them).
 * - `--port` (default 4000; 0 picks a free one), `--actions` (enables retry
 *   and discard with a random token printed at start).
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Command, Flag } from "effect/cli"
import * as HttpServer from "effect/http/HttpServer"
import { randomBytes } from "node:crypto"
import * as FoundationDb from "../Layer/FoundationDb.ts"
import * as Memory from "../Layer/Memory.ts"
import * as Simulated from "../Layer/Simulated.ts"
import * as Registry from "../Module/Registry.ts"
import * as Boundaries from "./Boundaries.ts"
import * as Demo from "./Demo.ts"
import * as Studio from "./Studio.ts"

/**
 * Where the Studio's store lives.
 *
 * @category models
 * @since 0.1.0
 */
export type StoreKind = "memory" | "simulator" | "fdb"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly store: StoreKind
  readonly port: number
  readonly clusterFile?: string | undefined
  /** Enables the actions with this token. */
  readonly token?: string | undefined
  /** Called with the page's URL once the server listens. */
  readonly onListen?: ((url: string) => Effect.Effect<void>) | undefined
}

/**
 * The Studio could not listen on its port (another program holds it, most
 * often): its message names the address and the way out.
 *
 * @category errors
 * @since 0.1.0
 */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  address: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Fairway Studio cannot listen on ${this.address}: ${this.reason}; choose another port with --port (0 picks a free one)`
  }
}

const listenReason = (cause: unknown): string => {
  const error = cause as { readonly code?: unknown; readonly message?: unknown } | undefined
  if (error?.code === "EADDRINUSE") return "the port is in use"
  if (error?.code === "EACCES") return "permission denied"
  return typeof error?.message === "string" && error.message !== "" ? error.message : "the server did not start"
}

/**
 * The whole Studio app: the stores, the boundary recorder, the demo (on the
 * memory and simulator stores) and the server. Exposes the stores and the
 * boundary log (for tests that drive the app while a browser looks at it).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options) => {
  const demo = options.store !== "fdb"
  const stores = options.store === "memory"
    ? Memory.layer()
    : options.store === "simulator"
    ? Simulated.layer()
    : FoundationDb.layer(options.clusterFile !== undefined ? { clusterFile: options.clusterFile } : undefined)
  const recorded = Boundaries.layer().pipe(Layer.provideMerge(stores))
  const app = demo ? Demo.layer.pipe(Layer.provideMerge(recorded)) : recorded
  const listening = Layer.effectDiscard(
    HttpServer.addressFormattedWith((address) => options.onListen === undefined ? Effect.void : options.onListen(`${address}/`))
  )
  const served = listening.pipe(
    Layer.provideMerge(Studio.serve({
      port: options.port,
      host: "127.0.0.1",
      modules: demo ? Demo.modules : Registry.registered(),
      events: demo ? Demo.events : [],
      secretMetadata: demo ? Demo.secretMetadata : [],
      ...(options.token !== undefined ? { actions: { token: options.token } } : {})
    })),
    Layer.provideMerge(app)
  )
  return served.pipe(Layer.catchTag("ServeError", (error) =>
    Layer.effectContext<Layer.Success<typeof served>, ListenFailed, never>(
      Effect.fail(new ListenFailed({ address: `127.0.0.1:${options.port}`, reason: listenReason(error.cause) }))
    )))
}

/**
 * `fairway studio`.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("studio", {
  port: Flag.Int("port").pipe(Flag.withDescription("The port (0: any free port)"), Flag.withDefault(4000)),
  store: Flag.Literals("store", ["memory", "simulator", "fdb"]).pipe(
    Flag.withDescription("memory or simulator: a demo store; fdb: a FoundationDB cluster"),
    Flag.withDefault("memory" as const)
  ),
  clusterFile: Flag.String("cluster-file").pipe(Flag.withDescription("The FoundationDB cluster file (with --store fdb)"), Flag.optional),
  actions: Flag.Boolean("actions").pipe(
    Flag.withDescription("Enable retrying and discarding dead letters, with a token printed at start"),
    Flag.withDefault(false)
  )
}, (input) =>
  Effect.gen(function* () {
    const token = input.actions ? randomBytes(18).toString("base64url") : undefined
    return yield* Layer.launch(layer({
      store: input.store,
      port: input.port,
      clusterFile: Option.getOrUndefined(input.clusterFile),
      token,
      onListen: (url) =>
        Effect.andThen(
          Console.log(`Fairway Studio (${input.store} store) on ${url}`),
          token === undefined ? Console.log("read-only (--actions enables retry and discard)") : Console.log(`actions token: ${token}`)
        )
    }))
  })).pipe(Command.withDescription("Serve Fairway Studio: the log, command boundaries and conflicts, views, automations"))

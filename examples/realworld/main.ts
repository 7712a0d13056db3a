/**
 * `npm run realworld [-- --port 3000] [-- --cluster-file /etc/foundationdb/fdb.cluster] [-- --quiet]`:
 * serves the Conduit API on the in-memory store, or on FoundationDB when a
 * cluster file is given (flag, or `FDB_CLUSTER_FILE`). The port also comes
 * from `PORT`; the JWT secret from `REALWORLD_JWT_SECRET`. `--quiet` drops
 * the per-request log lines (warnings and errors only).
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, References } from "effect"
import { HttpServer } from "effect/http"
import { clusterStores, memoryStores, serve } from "./server.ts"

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i === -1) return undefined
  const arg = args[i]!
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[i + 1]
}

const port = Number(flag("port") ?? process.env["PORT"] ?? "3000")
const clusterFile = flag("cluster-file") ?? process.env["FDB_CLUSTER_FILE"]
const stores = clusterFile === undefined ? memoryStores : clusterStores(clusterFile)

const announce = Layer.effectDiscard(Effect.gen(function*() {
  const address = yield* HttpServer.addressFormattedWith(Effect.succeed)
  yield* Console.log(
    `Conduit (RealWorld) API on ${address}/api — store: ${clusterFile === undefined ? "in memory" : `FoundationDB (${clusterFile})`}`
  )
}))

const quiet = args.includes("--quiet")

announce.pipe(
  Layer.provideMerge(serve(stores, { port })),
  Layer.provideMerge(quiet ? Layer.succeed(References.MinimumLogLevel, "Warn") : Layer.empty),
  Layer.launch,
  NodeRuntime.runMain
)

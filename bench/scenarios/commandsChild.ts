/**
 * Scenario 3's paired measurements, one backend and one store per process (so
 * that each measures with its own heap and its own compiled code: no other
 * backend's garbage or type feedback skews it): `node --expose-gc
 * bench/scenarios/commandsChild.ts <backend> <preload> <commands> <clock>
 * <writers,…>` loads `preload` unrelated events, then runs `commands`
 * commands on small disjoint boundaries (1,024 accounts), once to warm up and
 * once measured, for each
 * way the backend has (its raw store; Fairway: `Command.run` inside one
 * Effect program, and one `runPromise` per command) at each writer count, and
 * prints `{ "<way>/<writers>": commands per second }`.
 *
 * @since 0.1.0
 */
import * as Backends from "../backends/index.ts"
import type { CommandPlan, Store } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { gc, settle, stopwatch } from "../harness.ts"

const [name, preloadArg, commandsArg, clock, writersArg] = process.argv.slice(2)
const preload = Number(preloadArg)
const total = Number(commandsArg)
const backend = (await Backends.all()).find((b) => b.name === name)
if (backend === undefined || !Number.isSafeInteger(preload) || !Number.isSafeInteger(total)) {
  console.error(`usage: node --expose-gc commandsChild.ts <backend> <preload> <commands> [cpu|wall] [writers,…] (backend ${name} not found?)`)
  process.exit(2)
}
const settings = { quick: false, budgetMs: 60_000, clock: clock === "wall" ? "wall" as const : "cpu" as const }
const ACCOUNTS = 1024

/** The ways a command is run, by name. */
const ways: ReadonlyArray<readonly [string, (store: Store, plan: CommandPlan) => Promise<{ readonly commands: number }>]> = [
  ["raw", (store, plan) => store.commands(plan)],
  ["Command.run", (store, plan) => store.moduleCommands!(plan, { caller: "effect" })],
  ["Command.run, runPromise each", (store, plan) => store.moduleCommands!(plan, { caller: "promise" })]
]

// the large store is loaded once (each measurement on accounts of its own); without one, each measurement gets a
// fresh store, as in the rest of the scenario (a stream store's append can cost more with every stream it holds)
const large = preload > 0 ? await backend.open() : undefined
if (large !== undefined) await large.load(Datasets.readDataset(preload))
const storeFor = async (): Promise<Store> => large ?? await backend.open()
const done = async (store: Store) => {
  if (store !== large) await store.close()
}
const planOf = (writers: number, prefix: string, commands: number): CommandPlan => {
  const perAccount = Math.floor(ACCOUNTS / writers)
  return {
    writers,
    perWriter: Math.ceil(commands / writers),
    tagOf: (w, i) => `${prefix}:${w + writers * (i % perAccount)}`,
    maxAttempts: 100,
    deadline: performance.now() + settings.budgetMs
  }
}
const writerCounts = (writersArg ?? "1,64").split(",").map(Number)
// a warm-up round (every way at every writer count, not measured, on accounts of its own), then the measured
// round: a short warm-up left a peer's first configuration measured at half its warm rate
const rates: Record<string, number> = {}
for (const measured of [false, true]) {
  for (const [way, run] of ways) {
    for (const writers of writerCounts) {
      const store = await storeFor()
      if (way === "raw" || store.moduleCommands !== undefined) {
        gc()
        await settle()
        const elapsed = stopwatch(settings)
        const result = await run(store, planOf(writers, `${measured ? "" : "warm."}${way}.${writers}`, total))
        if (measured) rates[`${way}/${writers}`] = result.commands / elapsed()
      }
      await done(store)
    }
  }
}
await large?.close()
console.log(JSON.stringify(rates))

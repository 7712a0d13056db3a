/**
 * Scenario 3's store-size measurement, one store per process (so that each
 * measures with its own heap: the large store's garbage-collection cost
 * counts): `node --expose-gc bench/scenarios/storeSizeChild.ts <backend>
 * <preload> <commands> <clock>` loads `preload` unrelated events, warms up, then
 * runs `commands` commands on small disjoint boundaries (1,024 accounts) for
 * each way (the raw store, `Command.run` inside one Effect program, one
 * `runPromise` per command) at 1 and 64 writers, and prints
 * `{ "<way>/<writers>": commands per second }`.
 *
 * @since 0.1.0
 */
import * as Backends from "../backends/index.ts"
import type { CommandPlan, Store } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { gc, settle, stopwatch } from "../harness.ts"

const [name, preloadArg, commandsArg, clock] = process.argv.slice(2)
const preload = Number(preloadArg)
const total = Number(commandsArg)
const backend = (await Backends.all()).find((b) => b.name === name)
if (backend === undefined || !Number.isSafeInteger(preload) || !Number.isSafeInteger(total)) {
  console.error(`usage: node --expose-gc storeSizeChild.ts <backend> <preload> <commands> [cpu|wall] (backend ${name} not found?)`)
  process.exit(2)
}
const settings = { quick: false, budgetMs: 60_000, clock: clock === "wall" ? "wall" as const : "cpu" as const }
const ACCOUNTS = 1024

/** The ways a command is run, by name. */
export const ways: ReadonlyArray<readonly [string, (store: Store, plan: CommandPlan) => Promise<{ readonly commands: number }>]> = [
  ["raw", (store, plan) => store.commands(plan)],
  ["Command.run", (store, plan) => store.moduleCommands!(plan, { caller: "effect" })],
  ["Command.run, runPromise each", (store, plan) => store.moduleCommands!(plan, { caller: "promise" })]
]

const store = await backend.open()
if (preload > 0) await store.load(Datasets.readDataset(preload))
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
// warm-up: every way, on accounts of its own
for (const [way, run] of ways) {
  if (way !== "raw" && store.moduleCommands === undefined) continue
  await run(store, planOf(8, `warm.${way}`, 4096))
}
const rates: Record<string, number> = {}
for (const [way, run] of ways) {
  if (way !== "raw" && store.moduleCommands === undefined) continue
  for (const writers of [1, 64]) {
    gc()
    await settle()
    const elapsed = stopwatch(settings)
    const result = await run(store, planOf(writers, `${way}.${writers}`, total))
    rates[`${way}/${writers}`] = result.commands / elapsed()
  }
}
await store.close()
console.log(JSON.stringify(rates))

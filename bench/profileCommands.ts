/**
 * `node --conditions=fairway-source bench/profileCommands.ts [commands] [writers] [rounds] [only]`:
 * scenario 3's commands on small disjoint boundaries (empty stores, 1,024
 * accounts), run by Emmett, by Fairway's raw store (read + conditional
 * append), and through `Command.run` (inside one Effect program, one
 * `runPromise` per command, and inside one Effect program with a tracer installed), in alternating rounds on fresh stores (the
 * machine's load drifts less between neighbours than between runs). Prints
 * each one's main-thread CPU time per command (mean over the rounds after the
 * first, a warm-up) and its ratio to Emmett's (throughput: higher is better).
 * `only` (a name prefix: `Emmett`, `raw`, `Command.run (effect)`…) runs just
 * those, for `node --cpu-prof`. `WARMUP=320` makes the first round that many
 * commands (the benchmark's old warm-up), `FDB=1` first runs the same code on
 * the FoundationDB store over the simulator (as the benchmark's process does).
 * Throughput is per CPU second of the main thread, as in the benchmark.
 *
 * @since 0.1.0
 */
import type { Backend, CommandPlan, ModuleOptions, Store } from "./backends/Backend.ts"
import * as Emmett from "./backends/emmett.ts"
import * as Fairway from "./backends/fairway.ts"
import * as FairwayFdb from "./backends/fairwayFdb.ts"
import * as EventStore from "fairway/Dcb/EventStore"
import { threadCpu } from "./harness.ts"

const n = Number(process.argv[2] ?? 4096)
const writers = Number(process.argv[3] ?? 1)
const rounds = Number(process.argv[4] ?? 6)
/** Runs only the ways whose name starts with this (`Emmett`, `raw`, `Command.run (effect)`…): for `--cpu-prof`. */
const only = process.argv[5]
const ACCOUNTS = 1024

const fairway = Fairway.make({ name: "Fairway memory", layer: () => EventStore.layerMemory })
const emmett = Emmett.make()

/** Commands in the first round (the warm-up), `n` unless `WARMUP` says (the benchmark warms up with 320). */
const warmup = Number(process.env.WARMUP ?? n)
let commandsNow = n

const plan = (): CommandPlan => {
  const perAccount = Math.floor(ACCOUNTS / writers)
  return {
    writers,
    perWriter: Math.ceil(commandsNow / writers),
    tagOf: (w, i) => `account:${w + writers * (i % perAccount)}`,
    maxAttempts: 100,
    deadline: performance.now() + 60_000
  }
}

const ways: ReadonlyArray<readonly [string, Backend, (store: Store) => Promise<{ readonly commands: number }>]> = [
  ["Emmett", emmett, (store) => store.commands(plan())],
  ["raw store", fairway, (store) => store.commands(plan())],
  ["Command.run (effect)", fairway, (store) => store.moduleCommands!(plan(), { caller: "effect" } satisfies ModuleOptions)],
  ["Command.run (promise)", fairway, (store) => store.moduleCommands!(plan(), { caller: "promise" } satisfies ModuleOptions)],
  ["Command.run (traced)", fairway, (store) => store.moduleCommands!(plan(), { caller: "effect", traced: true } satisfies ModuleOptions)]
]

// `FDB=1`: first run the same code on the FoundationDB store over the simulator, as the benchmark does (its
// shared call sites then see two kinds of store)
if (process.env.FDB === "1") {
  const store = await FairwayFdb.make().open()
  const p = { ...plan(), writers: 8, perWriter: 40, tagOf: (w: number, i: number) => `account:${w + 8 * (i % 4)}` }
  await store.commands(p)
  for (const caller of ["effect", "promise"] as const) await store.moduleCommands!(p, { caller })
  await store.close()
}

const sums = new Map<string, number>()
for (let round = 0; round < rounds; round++) {
  commandsNow = round === 0 ? warmup : n
  for (const [name, backend, run] of ways) {
    if (only !== undefined && !name.startsWith(only)) continue
    const store = await backend.open()
    const c0 = threadCpu()
    const { commands } = await run(store)
    const c = threadCpu(c0)
    await store.close()
    if (process.env.VERBOSE) console.log(`round ${round} ${name}: ${((c.user + c.system) / commands).toFixed(2)} µs`)
    if (round > 0) sums.set(name, (sums.get(name) ?? 0) + (c.user + c.system) / commands)
  }
}
const emmettUs = (sums.get("Emmett") ?? NaN) / (rounds - 1)
console.log(`${n} commands, ${writers} writer(s), ${rounds - 1} rounds after a warm-up; CPU µs per command (÷ Emmett, throughput):`)
for (const [name, sum] of sums) {
  const us = sum / (rounds - 1)
  console.log(`  ${name.padEnd(24)} ${us.toFixed(2).padStart(7)}  ${(emmettUs / us).toFixed(2)}×`)
}

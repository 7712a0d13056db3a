/**
 * `npm run bench [-- --quick] [-- --only 1 --only 3] [-- --clock wall] [-- --out file.json]`
 * (`-- --help` for the flags, parsed with `effect/cli`): every scenario on
 * every backend in one run, a table per scenario and a summary on stdout, and
 * `bench/results.json` (scenario, backend, metric, figure, unit, ratio). A
 * partial run (`--quick` or `--only`) writes `bench/results.partial.json`
 * instead, so that it never overwrites the full results.
 * Ratios are Fairway ÷ peer (for events/s, higher is better; for µs and
 * bytes, lower is better).
 *
 * Restarts itself with `--expose-gc` when needed (scenario 6 measures heap
 * after full collections).
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Runtime } from "effect"
import { Command, Flag } from "effect/cli"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Backends from "./backends/index.ts"
import { Report, type Settings, summary } from "./harness.ts"
import * as Appends from "./scenarios/appends.ts"
import * as Commands from "./scenarios/commands.ts"
import * as Heap from "./scenarios/heap.ts"
import * as Reads from "./scenarios/reads.ts"
import * as Views from "./scenarios/views.ts"
import * as Realworld from "./realworld.ts"
import * as RealworldScale from "./realworldScale.ts"
import * as Admission from "./scenarios/admission.ts"
import * as FdbModeled from "./scenarios/fdbModeled.ts"

const self = fileURLToPath(import.meta.url)

if ((globalThis as { gc?: unknown }).gc === undefined && !process.execArgv.includes("--expose-gc")) {
  const child = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, self, ...process.argv.slice(2)], {
    stdio: "inherit"
  })
  process.exit(child.status ?? 1)
}

interface Options {
  readonly quick: boolean
  readonly only: ReadonlyArray<string>
  readonly clock: "cpu" | "wall"
  readonly out: string | undefined
}

type Scenario = (r: Report, b: Awaited<ReturnType<typeof Backends.all>>, s: Settings) => Promise<void>

const allScenarios: Array<[string, Scenario]> = [
  ["1", Appends.singleAppends],
  ["2", Appends.batchAppends],
  ["3", Commands.commands],
  ["4", Reads.reads],
  ["5", Views.views],
  ["6", Heap.heap],
  ["7", Realworld.realworld],
  ["8", Admission.admission],
  ["9", RealworldScale.realworldScale],
  ["10", FdbModeled.fdbModeled]
]

const run = async (options: Options) => {
  const quick = options.quick
  const only = options.only.length === 0 ? undefined : options.only.flatMap((o) => o.split(",")).map((o) => o.trim())
  const clock = options.clock
  const settings: Settings = { quick, budgetMs: quick ? 250 : 2000, clock }

  const backends = await Backends.all()
  const report = new Report(backends)
  const started = new Date()
  console.log(
    `# Fairway benchmark, ${quick ? "quick" : "full"} run, ${started.toISOString()}\n` +
      `Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${os.platform()} ${os.arch()}\n` +
      `Ratio columns: Fairway ÷ peer (↑ higher is better, ↓ lower is better). ` +
      `Throughput divides by ${clock === "cpu" ? "the main thread's CPU time (user + system; --clock=wall for wall time)" : "wall time"}; ` +
      `read latencies are wall time.`
  )

  for (const [id, run] of allScenarios) {
    if (only !== undefined && !only.includes(id)) continue
    const t0 = Date.now()
    await run(report, backends, settings)
    console.log(`(scenario ${id}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  }

  console.log(`\n## Summary (${started.toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores)`)
  console.log(summary(report))

  const seconds = (Date.now() - started.getTime()) / 1000
  console.log(`\n${quick ? "quick" : "full"} run: ${seconds.toFixed(1)} s`)
  // a partial run never overwrites the full results
  const partial = quick || only !== undefined
  const out = options.out ?? path.join(path.dirname(self), partial ? "results.partial.json" : "results.json")
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        date: started.toISOString(),
        mode: quick ? "quick" : "full",
        ...(only !== undefined ? { only } : {}),
        clock,
        node: process.version,
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        seconds,
        notes: report.notes,
        results: report.rows
      },
      null,
      2
    ) + "\n"
  )
  console.log(`wrote ${path.relative(process.cwd(), out)}`)
}

const bench = Command.make("bench", {
  quick: Flag.Boolean("quick").pipe(
    Flag.withDescription("A run under a minute (smaller data sets, shorter budgets)"),
    Flag.withDefault(false)
  ),
  only: Flag.String("only").pipe(
    Flag.withDescription("Only this scenario, by number (repeatable, or comma-separated: --only 1,3)"),
    Flag.atLeast(0)
  ),
  clock: Flag.Literals("clock", ["cpu", "wall"]).pipe(
    Flag.withDescription("Throughput per second of main-thread CPU time (default) or of wall time"),
    Flag.withDefault("cpu" as const)
  ),
  out: Flag.String("out").pipe(
    Flag.withDescription("Where the results go (default: bench/results.json; bench/results.partial.json for --quick or --only)"),
    Flag.optional
  )
}, (flags) => {
  const unknown = flags.only.flatMap((o) => o.split(",")).map((o) => o.trim())
    .filter((id) => !allScenarios.some(([known]) => known === id))
  if (unknown.length > 0) {
    const message = `bench: unknown scenario ${unknown.join(", ")} (the scenarios are ${allScenarios.map(([id]) => id).join(", ")})`
    // one line, and no stack: the runtime only sets the exit code
    return Effect.andThen(Console.error(message), Effect.fail(Object.assign(new Error(message), { [Runtime.errorReported]: false })))
  }
  return Effect.promise(() =>
    run({ quick: flags.quick, only: flags.only, clock: flags.clock, out: flags.out._tag === "Some" ? flags.out.value : undefined })
  )
}).pipe(Command.withDescription("Fairway's benchmarks, side by side with the peer stores"))

Command.run(bench, { version: "0.1.0" }).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)

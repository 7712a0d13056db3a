/**
 * `npm run bench [-- --quick] [-- --only=1,3] [-- --clock=wall] [-- --out=file.json]`:
 * every scenario on every backend in one run, a table per scenario and a
 * summary on stdout, and `bench/results.json` (scenario, backend, metric,
 * figure, unit, ratio).
 * Ratios are Fairway ÷ peer (for events/s, higher is better; for µs and
 * bytes, lower is better).
 *
 * Restarts itself with `--expose-gc` when needed (scenario 6 measures heap
 * after full collections).
 *
 * @since 0.1.0
 */
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

const self = fileURLToPath(import.meta.url)

if ((globalThis as { gc?: unknown }).gc === undefined && !process.execArgv.includes("--expose-gc")) {
  const child = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, self, ...process.argv.slice(2)], {
    stdio: "inherit"
  })
  process.exit(child.status ?? 1)
}

const args = process.argv.slice(2)
const quick = args.includes("--quick")
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",")
const clock = args.includes("--clock=wall") ? "wall" : "cpu"
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

const scenarios: Array<[string, (r: Report, b: typeof backends, s: Settings) => Promise<void>]> = [
  ["1", Appends.singleAppends],
  ["2", Appends.batchAppends],
  ["3", Commands.commands],
  ["4", Reads.reads],
  ["5", Views.views],
  ["6", Heap.heap],
  ["7", Realworld.realworld]
]
for (const [id, run] of scenarios) {
  if (only !== undefined && !only.includes(id)) continue
  const t0 = Date.now()
  await run(report, backends, settings)
  console.log(`(scenario ${id}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
}

console.log(`\n## Summary (${started.toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores)`)
console.log(summary(report))

const seconds = (Date.now() - started.getTime()) / 1000
console.log(`\n${quick ? "quick" : "full"} run: ${seconds.toFixed(1)} s`)
const out = args.find((a) => a.startsWith("--out="))?.slice("--out=".length) ?? path.join(path.dirname(self), "results.json")
fs.writeFileSync(
  out,
  JSON.stringify(
    {
      date: started.toISOString(),
      mode: quick ? "quick" : "full",
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

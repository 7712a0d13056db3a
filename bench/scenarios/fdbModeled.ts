/**
 * Scenario 10: modeled FoundationDB figures. Commands (read a boundary, then
 * append one event under the append condition of that read) by 1, 8, 64 and
 * 256 concurrent clients on disjoint boundaries, on the FoundationDB event
 * store over the simulator with its realistic cost profile
 * (`FdbSimulator.realisticCosts`: FoundationDB's published latencies; see
 * `docs/fdb-layout.md`, "Cost model"). Every figure is **modeled**, not
 * measured on a cluster:
 *
 * - a command's latency is the virtual time of its transactions (reads,
 *   commit, retries and backoff), metered per command (`FdbSimulator.Meter`);
 * - the clients run concurrently in the simulator (conflicts and retries are
 *   real simulator outcomes); the run's modeled duration is the longest
 *   client's total, so throughput = commands ÷ that duration;
 * - a cluster has a finite write capacity: FoundationDB's benchmarking page
 *   reports 46,000 key writes/s for one process on one core (100 clients,
 *   10 keys per transaction). When the offered load exceeds that capacity
 *   (mutations per command × commands/s), throughput is capped there and
 *   latencies grow by the same factor (Little's law: the clients queue).
 *
 * Beside them, the published figures of Orisun, another DCB event store on
 * FoundationDB (186 → 5,578 events/s at 1 → 256 clients, p99 16.8 ms at one
 * client; its own hardware and cluster): context, not a same-machine ratio.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import type { Backend } from "../backends/Backend.ts"
import { type Report, type Settings, table } from "../harness.ts"

/**
 * Key writes per second of the smallest cluster (one process, one core), from
 * FoundationDB's benchmarking page ("Single-core Write Test #3": 46,000
 * writes/s).
 *
 * @since 0.1.0
 */
export const clusterKeyWritesPerSecond = 46_000

/** Orisun's published figures (events/s; one event per append, as our commands). */
const orisun: Record<number, { readonly throughput?: number; readonly p99?: number }> = {
  1: { throughput: 186, p99: 16.8 },
  256: { throughput: 5_578 }
}

const MODELED = "Fairway FDB (modeled)"
const ORISUN = "Orisun on FDB (published)"

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

interface Run {
  readonly clients: number
  readonly commands: number
  readonly throughput: number
  readonly capped: boolean
  readonly p50: number
  readonly p99: number
  readonly mutationsPerCommand: number
  readonly conflicts: number
  readonly retries: number
}

/** One run of `clients` clients doing `perClient` commands each, on a fresh simulated cluster. */
const run = (clients: number, perClient: number): Effect.Effect<Run, unknown> =>
  Effect.gen(function*() {
    const sim = FdbSimulator.make({ seed: clients, costs: "realistic" })
    const store = yield* EventStoreFdb.make().pipe(
      Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
    )
    const data = new TextEncoder().encode(JSON.stringify({ amount: 10 }))
    for (let i = 0; i < clients; i++) {
      yield* store.append([{ type: "AccountOpened", tags: [`account:${i}`], data }])
    }
    yield* sim.control.resetStats
    const command = (i: number) =>
      Effect.gen(function*() {
        const query = Query.item({ tags: [`account:${i}`] })
        const history = yield* Stream.runCollect(store.read(query))
        const last = Array.from(history).at(-1)?.position
        yield* store.append([{ type: "Deposited", tags: [`account:${i}`], data }], {
          condition: { failIfEventsMatch: query, ...(last !== undefined ? { after: last } : {}) }
        })
      })
    const latencies: Array<number> = []
    const totals: Array<number> = []
    yield* Effect.forEach(
      Array.from({ length: clients }, (_, i) => i),
      (i) =>
        Effect.gen(function*() {
          let total = 0
          for (let c = 0; c < perClient; c++) {
            let millis = 0
            yield* command(i).pipe(Effect.provideService(FdbSimulator.Meter, { add: (m) => void (millis += m) }))
            latencies.push(millis)
            total += millis
          }
          totals.push(total)
        }),
      { concurrency: "unbounded", discard: true }
    )
    const stats = yield* sim.control.stats
    const commands = clients * perClient
    const makespan = Math.max(...totals) / 1000
    const offered = commands / makespan
    const mutationsPerCommand = stats.mutations / commands
    const capacity = clusterKeyWritesPerSecond / mutationsPerCommand
    const throughput = Math.min(offered, capacity)
    const stretch = offered / throughput // ≥ 1: how much the clients queue at a saturated cluster
    const sorted = latencies.map((l) => l * stretch).sort((a, b) => a - b)
    return {
      clients,
      commands,
      throughput,
      capped: offered > capacity,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mutationsPerCommand,
      conflicts: stats.conflicts,
      retries: stats.retries
    }
  })

/**
 * Scenario 10.
 *
 * @since 0.1.0
 */
export const fdbModeled = async (report: Report, _backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "10. modeled FoundationDB (cost model), commands on disjoint boundaries"
  report.registerFairway(MODELED)
  const budget = settings.quick ? 600 : 2_400
  const runs: Array<Run> = []
  for (const clients of [1, 8, 64, 256]) {
    const perClient = Math.max(4, Math.floor(budget / clients))
    runs.push(await Effect.runPromise(run(clients, perClient)))
  }
  for (const r of runs) {
    const at = `@${r.clients} client${r.clients === 1 ? "" : "s"}`
    const note = `modeled; ${r.commands} commands, ${r.mutationsPerCommand.toFixed(1)} mutations/command, ` +
      `${r.conflicts} conflicts, ${r.retries} retries${r.capped ? `; capped at ${clusterKeyWritesPerSecond} key writes/s` : ""}`
    report.add({ scenario, backend: MODELED, metric: `${at} throughput`, figure: r.throughput, unit: "commands/s", better: "higher", note })
    report.add({ scenario, backend: MODELED, metric: `${at} p50`, figure: r.p50, unit: "ms", better: "lower", note })
    report.add({ scenario, backend: MODELED, metric: `${at} p99`, figure: r.p99, unit: "ms", better: "lower", note })
    const published = orisun[r.clients]
    if (published?.throughput !== undefined) {
      report.add({
        scenario,
        backend: ORISUN,
        metric: `${at} throughput`,
        figure: published.throughput,
        unit: "events/s",
        better: "higher",
        note: "published (one event per append)"
      })
    }
    if (published?.p99 !== undefined) {
      report.add({ scenario, backend: ORISUN, metric: `${at} p99`, figure: published.p99, unit: "ms", better: "lower", note: "published" })
    }
  }
  report.computeRatios(scenario)
  console.log(`\n## ${scenario}`)
  console.log(
    table(
      ["clients", "commands/s (modeled)", "p50 ms", "p99 ms", "Orisun events/s (published)", "Orisun p99 ms", "conflicts", "note"],
      runs.map((r) => [
        String(r.clients),
        r.throughput.toFixed(0),
        r.p50.toFixed(2),
        r.p99.toFixed(2),
        orisun[r.clients]?.throughput?.toString() ?? "",
        orisun[r.clients]?.p99?.toString() ?? "",
        String(r.conflicts),
        r.capped ? `capped at the cluster's ${clusterKeyWritesPerSecond} key writes/s` : ""
      ])
    )
  )
  report.note(
    "scenario 10 figures are modeled by the simulator's realistic cost profile (FoundationDB's published latencies, " +
      "46,000 key writes/s per single-core cluster), not measured on a cluster; Orisun's are its published figures"
  )
}

/**
 * Scenario 8: admission control per consistency boundary, on the
 * FoundationDB code path over the simulator. 64 writers run commands on one
 * hot tag while 64 others run commands on disjoint tags (one tag each),
 * first without admission (every hot writer races: transaction conflicts,
 * `AppendConditionFailed`, retries, give-ups with `CommandConflict`), then
 * with `Admission.layer` (the hot writers queue on their boundary); and, as
 * the reference, the disjoint writers alone. Per group: successful
 * commands/s (wall time from the start to the group's last command, both
 * groups running at once), p50 / p99 latency, condition failures, retries
 * and give-ups; and the simulator's transaction conflicts for the whole run.
 * The simulator has no network latency: a transaction's reads and commit
 * interleave with the others' at scheduler yields, so wall times are CPU
 * contention, not I/O.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Metric from "effect/Metric"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import * as Admission from "fairway/Module/Admission"
import * as Command from "fairway/Module/Command"
import type { Backend } from "../backends/Backend.ts"
import * as Fairway from "../backends/fairway.ts"
import { median, quantile, type Report, type Settings, settle } from "../harness.ts"

const WRITERS = 64

const Hot = Fairway.depositCommand("DepositHot")
const Disjoint = Fairway.depositCommand("DepositDisjoint")

interface Group {
  commands: number
  successes: number
  gaveUp: number
  /** Failures other than `CommandConflict` (none expected), and the first of them. */
  errors: number
  firstError?: string
  retries: number
  /** When the group's last command ended (`performance.now()`). */
  end: number
  readonly latencies: Array<number>
}

const group = (): Group => ({ commands: 0, successes: 0, gaveUp: 0, errors: 0, retries: 0, end: 0, latencies: [] })

const conflictsOf = (command: string) =>
  Effect.map(Metric.value(Metric.withAttributes(Command.metrics.conflicts, { command })), (s) => s.count)

/** One run of both groups, with or without admission; `perWriter` commands per writer or until `deadline`. */
const runOnce = async (withAdmission: boolean, hotWriters: number, perWriter: number, budgetMs: number) => {
  const base = Layer.mergeAll(EventStoreFdb.layer()).pipe(Layer.provideMerge(FdbDatabase.layerSimulated({ seed: 1 })))
  // (without admission, an empty layer in its place: both runs build the same shape)
  const layer = Layer.merge(base, withAdmission ? Admission.layer({ maxWaiting: 1024 }) : Layer.empty)
  const runtime = ManagedRuntime.make(Layer.provideMerge(layer, Layer.succeed(Metric.MetricRegistry, new Map())))
  const hot = group()
  const disjoint = group()
  const writer = (command: typeof Hot, tagOf: (i: number) => string, g: Group, deadline: number) =>
    Effect.gen(function*() {
      for (let i = 0; i < perWriter; i++) {
        if (performance.now() > deadline) return
        const t0 = performance.now()
        const exit = yield* Effect.exit(Command.run(command, { tag: tagOf(i) }))
        g.end = performance.now()
        g.latencies.push(g.end - t0)
        g.commands++
        if (exit._tag === "Success") {
          g.successes++
          g.retries += exit.value.attempts - 1
        } else if (exit.cause.reasons.some((r) => r._tag === "Fail" && (r.error as { _tag?: string })._tag === "CommandConflict")) {
          g.gaveUp++
        } else {
          g.errors++
          g.firstError ??= String(exit.cause).slice(0, 300)
        }
      }
    })
  await settle()
  const t0 = performance.now()
  const deadline = t0 + budgetMs
  const counters = await runtime.runPromise(Effect.gen(function*() {
    const writers = [
      ...Array.from({ length: hotWriters }, () => writer(Hot, () => "account:hot", hot, deadline)),
      ...Array.from({ length: WRITERS }, (_, w) => writer(Disjoint, (i) => `account:d${w}-${i % 4}`, disjoint, deadline))
    ]
    yield* Effect.all(writers, { concurrency: "unbounded", discard: true })
    const sim = yield* FdbSimulator.FdbSimulator
    const stats = yield* sim.stats
    return {
      txConflicts: stats.conflicts,
      txRetries: stats.retries,
      hotConflicts: yield* conflictsOf("DepositHot"),
      disjointConflicts: yield* conflictsOf("DepositDisjoint"),
      admission: yield* Effect.serviceOption(Admission.Admission).pipe(
        Effect.flatMap((a) => a._tag === "Some" ? Effect.map(a.value.stats, (s) => s as Admission.Stats | undefined) : Effect.succeed(undefined))
      )
    }
  }))
  await runtime.dispose()
  // each group's throughput over its own time: from the start to its last command's end
  const secondsOf = (g: Group) => (g.end - t0) / 1000
  return { hot, disjoint, secondsOf, counters }
}

type Config = "without" | "with" | "alone"

const backendOf: Record<Config, string> = {
  without: "Fairway FDB (sim)",
  with: "Fairway FDB (sim) · Admission",
  alone: "Fairway FDB (sim), disjoint group alone"
}

/** The rounds of one configuration, pooled: latencies and counters over all rounds, throughput per round. */
interface Pooled {
  readonly hot: Group
  readonly disjoint: Group
  readonly hotRates: Array<number>
  readonly disjointRates: Array<number>
  hotConflicts: number
  disjointConflicts: number
  txConflicts: number
  txRetries: number
  queued: number
  admitted: number
}

const pooled = (): Pooled => ({
  hot: group(),
  disjoint: group(),
  hotRates: [],
  disjointRates: [],
  hotConflicts: 0,
  disjointConflicts: 0,
  txConflicts: 0,
  txRetries: 0,
  queued: 0,
  admitted: 0
})

const pool = (into: Group, g: Group) => {
  into.commands += g.commands
  into.successes += g.successes
  into.gaveUp += g.gaveUp
  into.errors += g.errors
  if (into.firstError === undefined && g.firstError !== undefined) into.firstError = g.firstError
  into.retries += g.retries
  for (const l of g.latencies) into.latencies.push(l)
}

/**
 * Scenario 8. A full run makes three rounds, each running the three
 * configurations (without admission, with it, the disjoint group alone) in a
 * rotated order, so that a noisy neighbour or the heap's growth does not fall
 * on one configuration only: throughput is the median of the rounds,
 * latencies are quantiles over every command of every round, counters are
 * totals.
 *
 * @since 0.1.0
 */
export const admission = async (report: Report, _backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "8. admission control, FDB (sim): 64 writers on one hot tag + 64 on disjoint tags"
  const perWriter = settings.quick ? 12 : 40
  const budgetMs = settings.quick ? 4000 : 15_000
  const rounds = settings.quick ? 1 : 3
  // warm-up (JIT)
  await runOnce(false, WRITERS, 2, budgetMs)
  await runOnce(true, WRITERS, 2, budgetMs)
  const configs: ReadonlyArray<Config> = ["without", "with", "alone"]
  const results = { without: pooled(), with: pooled(), alone: pooled() }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < configs.length; k++) {
      const config = configs[(k + round) % configs.length]!
      const r = await runOnce(config === "with", config === "alone" ? 0 : WRITERS, perWriter, budgetMs)
      const into = results[config]
      pool(into.hot, r.hot)
      pool(into.disjoint, r.disjoint)
      if (r.hot.successes > 0) into.hotRates.push(r.hot.successes / r.secondsOf(r.hot))
      into.disjointRates.push(r.disjoint.successes / r.secondsOf(r.disjoint))
      into.hotConflicts += r.counters.hotConflicts
      into.disjointConflicts += r.counters.disjointConflicts
      into.txConflicts += r.counters.txConflicts
      into.txRetries += r.counters.txRetries
      into.queued += r.counters.admission?.queued ?? 0
      into.admitted += r.counters.admission?.admitted ?? 0
    }
  }
  const over = rounds === 1 ? "" : ` (over ${rounds} rounds)`
  for (const config of configs) {
    const backend = backendOf[config]
    report.registerFairway(backend)
    const p = results[config]
    const groups = config === "alone"
      ? [["disjoint", p.disjoint, p.disjointConflicts, p.disjointRates] as const]
      : [["hot", p.hot, p.hotConflicts, p.hotRates] as const, ["disjoint", p.disjoint, p.disjointConflicts, p.disjointRates] as const]
    for (const [name, g, conflicts, rates] of groups) {
      if (g.errors > 0) report.note(`${backend}, ${name} group: ${g.errors} runs failed, first: ${g.firstError}`)
      const note = `${g.successes} ok, ${conflicts} condition failures, ${g.retries} retries, ${g.gaveUp} gave up` +
        ` (CommandConflict); run: ${p.txConflicts} transaction conflicts, ${p.txRetries} transaction retries` +
        (config === "with" ? `; admission: ${p.queued} of ${p.admitted} queued` : "") + over
      report.add({
        scenario,
        backend,
        metric: `${name} group, successful commands/s`,
        figure: median(rates),
        unit: "commands/s (wall)",
        better: "higher",
        note
      })
      report.add({ scenario, backend, metric: `${name} group, p50 latency`, figure: quantile(g.latencies, 0.5), unit: "ms", better: "lower" })
      report.add({ scenario, backend, metric: `${name} group, p99 latency`, figure: quantile(g.latencies, 0.99), unit: "ms", better: "lower" })
      if (config !== "alone") {
        report.add({
          scenario,
          backend,
          metric: `${name} group, condition failures / retries / give-ups`,
          figure: conflicts,
          unit: "conflicts",
          better: "lower",
          note: `${g.retries} retries, ${g.gaveUp} gave up${over}`
        })
      }
    }
    if (config !== "alone") {
      report.add({
        scenario,
        backend,
        metric: "transaction conflicts (whole run)",
        figure: p.txConflicts,
        unit: "conflicts",
        better: "lower",
        note: over.trim()
      })
    }
  }
  report.print(scenario)
}

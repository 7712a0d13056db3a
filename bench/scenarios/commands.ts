/**
 * Scenario 3: commands (read a decision model, then a conditional append)
 * at concurrency 1, 8 and 64, on disjoint tags and on one shared tag; one
 * shared tag already holding 2,000 events (a hot boundary with history); and
 * disjoint tags with 100k and 1M unrelated events already stored; and the
 * 1M-event store against an empty one in paired processes (`pairedStoreSize`).
 *
 * Fairway runs the workload four more ways on top of its raw store:
 * `Command.run` inside one Effect program, `Command.run` with one
 * `runPromise` per command (as a promise-based caller would),
 * `Command.run` with the `DecisionCache`, and `Command.run` with a tracer
 * installed (on the empty store).
 *
 * @since 0.1.0
 */
import {
  type Backend,
  type BenchEvent,
  COMMAND_EVENT_TYPE,
  maxEvents,
  type ModuleOptions,
  payload
} from "../backends/Backend.ts"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Datasets from "../datasets.ts"
import { gc, median, type Report, type Settings, settle, stopwatch } from "../harness.ts"

const ACCOUNTS = 1024

interface Config {
  readonly writers: number
  readonly shared: boolean
  /** Unrelated events stored before the run. */
  readonly preload: number
  /** Events already on the shared tag before the run. */
  readonly history: number
  readonly total: number
  /** Also run the workload through `Command.run`. */
  readonly module: boolean
}

const configs = (quick: boolean): Array<Config> => [
  ...[1, 8, 64].map((writers) => ({ writers, shared: false, preload: 0, history: 0, total: quick ? 4096 : 16_384, module: true })),
  ...[1, 8, 64].map((writers) => ({ writers, shared: true, preload: 0, history: 0, total: quick ? 1024 : 4096, module: true })),
  { writers: 8, shared: true, preload: 0, history: 2000, total: quick ? 1024 : 4096, module: true },
  { writers: 1, shared: false, preload: 100_000, history: 0, total: quick ? 2048 : 8192, module: true },
  ...(quick ? [1] : [1, 64]).map((writers) => ({
    writers,
    shared: false,
    preload: 1_000_000,
    history: 0,
    total: quick ? 2048 : 8192,
    module: true
  }))
]

/** The ways `Command.run` is driven, and the row name of each. */
const variants: ReadonlyArray<readonly [string, ModuleOptions]> = [
  ["Command.run", { caller: "effect" }],
  ["Command.run, runPromise each", { caller: "promise" }],
  ["Command.run + DecisionCache", { caller: "effect", cache: true }],
  ["Command.run, tracer installed", { caller: "effect", traced: true }]
]

/** The module variants a backend runs for a configuration (the simulator: the plain one, at 8 writers, in quick mode). */
const variantsFor = (backend: Backend, config: Config, quick: boolean) =>
  backend.name.includes("FDB")
    ? (quick && (config.writers !== 8 || config.preload > 0 || config.history > 0) ? [] : variants.slice(0, 1))
    // with a tracer: on the empty store only
    : variants.filter(([, options]) => options.traced !== true || (config.preload === 0 && config.history === 0))

const historyOf = (n: number): Array<BenchEvent> =>
  Array.from({ length: n }, (_, i) => ({
    type: COMMAND_EVENT_TYPE,
    tags: ["account:shared"],
    data: payload(i),
    stream: "account:shared"
  }))

/**
 * Scenario 3.
 *
 * @since 0.1.0
 */
export const commands = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "3. commands (read + conditional append)"
  // warm-up (JIT), right before each backend's own measurements of each configuration: 2,048 commands on
  // small boundaries like the measured ones, raw and through each way of running Command.run (a slow
  // backend stops after half a second at most). Each backend's first measured sample then runs optimised
  // code rather than paying its tier-up (a few hundred commands left Fairway's ~1.4x slower than warm,
  // Emmett's ~1.1x: `WARMUP=320 node bench/profileCommands.ts 4096 1 2` against the default), and none is
  // measured on code last optimised for another backend (Fairway memory shares its code with the
  // FoundationDB backend in this one process) while the others were warmed long before.
  const warm = async (backend: Backend) => {
    const store = await backend.open()
    const plan = {
      writers: 8,
      perWriter: 256,
      tagOf: (w: number, i: number) => `account:${w + 8 * (i % 64)}`,
      maxAttempts: 100,
      deadline: performance.now() + Math.min(settings.budgetMs, 500)
    }
    await store.commands(plan)
    for (const [, options] of variants) {
      await store.moduleCommands?.({ ...plan, deadline: performance.now() + Math.min(settings.budgetMs, 500) }, options)
        .catch((error: unknown) => report.note(`warm-up of Command.run failed on ${backend.name}: ${String(error).slice(0, 300)}`))
    }
    await store.close()
  }
  for (const config of configs(settings.quick)) {
    const { history, preload, shared, writers } = config
    const perWriter = Math.ceil(config.total / writers)
    const perAccount = Math.floor(ACCOUNTS / writers)
    const metric = `${writers} writer${writers > 1 ? "s" : ""}, ${shared ? "one shared tag" : "disjoint tags"}` +
      (history > 0 ? ` already holding ${history} events` : "") +
      (preload > 0 ? `, ${preload >= 1e6 ? `${preload / 1e6}M` : `${preload / 1000}k`} events stored` : "")
    const prepare = async (store: Awaited<ReturnType<Backend["open"]>>) => {
      if (preload > 0) await store.load(Datasets.readDataset(preload))
      if (history > 0) await store.load([historyOf(history)])
    }
    for (const backend of backends) {
      if (maxEvents(backend, settings.quick) < preload) continue
      await warm(backend)
      const store = await backend.open()
      await prepare(store)
      const before = store.counters ? await store.counters() : undefined
      gc()
      await settle()
      const elapsed = stopwatch(settings)
      const result = await store.commands({
        writers,
        perWriter,
        // disjoint: writer w owns the accounts ≡ w (mod writers); shared: one tag for all
        tagOf: shared ? () => "account:shared" : (w, i) => `account:${w + writers * (i % perAccount)}`,
        maxAttempts: 100,
        deadline: performance.now() + settings.budgetMs
      })
      const seconds = elapsed()
      const after = store.counters ? await store.counters() : undefined
      await store.close()
      const counters = before !== undefined && after !== undefined
        ? Object.keys(after).map((k) => `${k} ${(after[k]! - (before[k] ?? 0))}`).join(", ")
        : undefined
      report.add({
        scenario,
        backend: backend.name,
        metric,
        figure: result.commands / seconds,
        unit: "commands/s",
        better: "higher",
        note: `${result.successes} ok, ${result.conditionFailures} condition failures, ${result.retries} retries` +
          (result.gaveUp > 0 ? `, ${result.gaveUp} gave up` : "") + (counters ? `; ${counters}` : "")
      })
      if (store.moduleCommands === undefined || !config.module) continue
      for (const [variant, options] of variantsFor(backend, config, settings.quick)) {
        // the same workload through Command.run, on a fresh store
        const fresh = await backend.open()
        await prepare(fresh)
        gc()
        await settle()
        const elapsedModule = stopwatch(settings)
        const viaModule = await fresh.moduleCommands!({
          writers,
          perWriter,
          tagOf: shared ? () => "account:shared" : (w, i) => `account:${w + writers * (i % perAccount)}`,
          maxAttempts: 100,
          deadline: performance.now() + settings.budgetMs
        }, options).catch((error: unknown) => {
          report.note(`${variant} failed on ${backend.name}: ${String(error).slice(0, 300)}`)
          return undefined
        })
        const secondsModule = elapsedModule()
        await fresh.close()
        if (viaModule !== undefined) {
          const name = `${backend.name} · ${variant}`
          report.registerFairway(name)
          report.add({
            scenario,
            backend: name,
            metric,
            figure: viaModule.commands / secondsModule,
            unit: "commands/s",
            better: "higher",
            note: `${viaModule.successes} ok` + (viaModule.gaveUp > 0 ? `, ${viaModule.gaveUp} gave up (CommandConflict)` : "") +
              "; retries inside Command.run (jittered backoff) not counted"
          })
        }
      }
    }
  }
  await pairedStoreSize(report, backends, settings, scenario)
  await pairedPeers(report, backends, settings, scenario)
  report.print(scenario)
}

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "commandsChild.ts")

/** The young generation's semi-space in the processes of paired measurements, in MB. */
const semiSpaceMb = 16

/** Runs `commandsChild.ts` once: commands per second by `<way>/<writers>`, or the child's error. */
const measureChild = (backend: Backend, preload: number, commands: number, settings: Settings, writers: ReadonlyArray<number>) =>
  new Promise<Record<string, number> | string>((resolve) => {
    execFile(
      process.execPath,
      // the same young generation in both (V8 grows it while the large store loads, which alone makes that
      // process's commands faster): the ratio is the store's cost, not the heap sizing's history
      [
        "--expose-gc",
        `--min-semi-space-size=${semiSpaceMb}`,
        `--max-semi-space-size=${semiSpaceMb}`,
        "--conditions=fairway-source",
        child,
        backend.name,
        String(preload),
        String(commands),
        settings.clock,
        writers.join(",")
      ],
      { encoding: "utf8", maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout.trim().split("\n").pop() ?? ""))
        } catch {
          resolve(`${String(error ?? "")} ${stderr.slice(0, 500)}`)
        }
      }
    )
  })

/** One side of a paired measurement: a backend, and the unrelated events its store holds. */
interface Side {
  readonly backend: Backend
  readonly preload: number
}

/**
 * Runs the two sides' processes alternately (`pairs` times, which goes first alternating, one process at a
 * time) and gives, per `<way>/<writers>` of the first side, the ratio of each pair (`ratio` of the two sides'
 * rates, or `undefined` to skip the key); `undefined` when a process failed (noted in the report).
 */
const pairedRatios = async (
  report: Report,
  settings: Settings,
  sides: readonly [Side, Side],
  writers: ReadonlyArray<number>,
  pairs: number,
  commands: number,
  ratio: (first: Record<string, number>, second: Record<string, number>, key: string) => number | undefined
): Promise<Map<string, Array<number>> | undefined> => {
  const ratios = new Map<string, Array<number>>()
  for (let pair = 0; pair < pairs; pair++) {
    const rates: Array<Record<string, number>> = []
    for (const i of pair % 2 === 0 ? [0, 1] : [1, 0]) {
      const result = await measureChild(sides[i]!.backend, sides[i]!.preload, commands, settings, writers)
      if (typeof result === "string") {
        report.note(`paired run of ${sides[i]!.backend.name} failed: ${result}`)
        return undefined
      }
      rates[i] = result
    }
    for (const key of Object.keys(rates[0]!)) {
      const r = ratio(rates[0]!, rates[1]!, key)
      if (r !== undefined) ratios.set(key, [...(ratios.get(key) ?? []), r])
    }
  }
  return ratios
}

/** One row per `<way>/<writers>` of a paired measurement: the median of its pairs' ratios. */
const addPairedRows = (
  report: Report,
  scenario: string,
  backend: Backend,
  ratios: ReadonlyMap<string, ReadonlyArray<number>>,
  metric: string,
  commands: number
) => {
  for (const [key, list] of ratios) {
    const [way, writers] = key.split("/") as [string, string]
    const name = way === "raw" ? backend.name : `${backend.name} · ${way}`
    report.registerFairway(name)
    report.add({
      scenario,
      backend: name,
      metric: `${writers} writer${writers === "1" ? "" : "s"}, disjoint tags: ${metric}, paired processes`,
      figure: median(list),
      unit: "× throughput",
      better: "higher",
      note: `median of ${list.length} pairs of processes (semi-space ${semiSpaceMb} MB in both), ${commands} commands each ` +
        `(${[...list].sort((a, b) => a - b).map((r) => r.toFixed(2)).join(", ")})`
    })
  }
}

/**
 * The cost of a large store, measured side by side: the same commands on a
 * store holding 1,000,000 unrelated events and on an empty one, each in a
 * process of its own (its own heap: the large store's garbage-collection
 * cost counts), the two kinds of process alternating, one at a time; raw and
 * through `Command.run`, at 1 and 64 writers. The figure is the median over
 * the pairs of the large store's throughput ÷ the empty store's (1 = no
 * cost). Measured minutes apart, as the configurations above are, the two
 * rates differ by as much as the machine's load drifts.
 */
const pairedStoreSize = async (
  report: Report,
  backends: ReadonlyArray<Backend>,
  settings: Settings,
  scenario: string
) => {
  const preload = 1_000_000
  const commands = settings.quick ? 8192 : 16_384
  for (const backend of backends) {
    if (backend.kind !== "fairway" || maxEvents(backend, settings.quick) < preload) continue
    const ratios = await pairedRatios(
      report,
      settings,
      [{ backend, preload: 0 }, { backend, preload }],
      [1, 64],
      settings.quick ? 2 : 5,
      commands,
      (empty, large, key) => large[key]! / empty[key]!
    )
    if (ratios === undefined) return
    addPairedRows(report, scenario, backend, ratios, "1M events stored ÷ empty store", commands)
  }
}

/**
 * Fairway against the peers marked `paired` (Emmett), side by side: each
 * backend in a process of its own (the same young generation, its own heap
 * and compiled code: in one process, a backend measured after another runs
 * up to 2x slower than alone, by how much depending on the order), the
 * processes alternating, one at a time; empty stores, small disjoint
 * boundaries, 1, 8 and 64 writers. The figure is the median over the pairs
 * of Fairway's throughput ÷ the peer's.
 */
const pairedPeers = async (
  report: Report,
  backends: ReadonlyArray<Backend>,
  settings: Settings,
  scenario: string
) => {
  const commands = settings.quick ? 8192 : 16_384
  const fairway = backends.filter((b) => b.kind === "fairway" && maxEvents(b, settings.quick) >= 1_000_000)
  for (const peer of backends.filter((b) => b.paired === true)) {
    for (const backend of fairway) {
      const ratios = await pairedRatios(
        report,
        settings,
        [{ backend, preload: 0 }, { backend: peer, preload: 0 }],
        [1, 8, 64],
        settings.quick ? 2 : 5,
        commands,
        // every way of Fairway's against the peer's raw store, at the same writer count
        (ours, theirs, key) => {
          const peerRate = theirs[`raw/${key.split("/")[1]}`]
          return peerRate === undefined ? undefined : ours[key]! / peerRate
        }
      )
      if (ratios === undefined) return
      addPairedRows(report, scenario, backend, ratios, `÷ ${peer.name}`, commands)
    }
  }
}

/**
 * Scenario 3: commands (read a decision model, then a conditional append)
 * at concurrency 1, 8 and 64, on disjoint tags and on one shared tag; and
 * one writer on disjoint tags with 100k unrelated events already stored.
 *
 * @since 0.1.0
 */
import { type Backend, maxEvents } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { gc, type Report, type Settings, settle, stopwatch } from "../harness.ts"

const ACCOUNTS = 1024

// `module`: also run the workload through `Command.run` (quick mode: two configurations only)
const configs = (quick: boolean) => [
  ...[1, 8, 64].map((writers) => ({
    writers,
    shared: false,
    preload: 0,
    total: quick ? 4096 : 16_384,
    module: !quick || writers === 8
  })),
  ...[1, 8, 64].map((writers) => ({
    writers,
    shared: true,
    preload: 0,
    total: quick ? 1024 : 4096,
    module: !quick || writers === 8
  })),
  { writers: 1, shared: false, preload: 100_000, total: quick ? 2048 : 8192, module: !quick }
]

/**
 * Scenario 3.
 *
 * @since 0.1.0
 */
export const commands = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "3. commands (read + conditional append)"
  // warm-up (JIT): a few hundred commands per backend, and through Command.run
  for (const backend of backends) {
    const store = await backend.open()
    const plan = {
      writers: 8,
      perWriter: 40,
      tagOf: (w: number, i: number) => `account:${w + 8 * (i % 4)}`,
      maxAttempts: 100,
      deadline: performance.now() + settings.budgetMs
    }
    await store.commands(plan)
    if (store.moduleCommands !== undefined) await store.moduleCommands(plan).catch(() => undefined)
    await store.close()
  }
  for (const config of configs(settings.quick)) {
    const { preload, shared, writers } = config
    const perWriter = Math.ceil(config.total / writers)
    const perAccount = Math.floor(ACCOUNTS / writers)
    const metric = `${writers} writer${writers > 1 ? "s" : ""}, ${shared ? "one shared tag" : "disjoint tags"}` +
      (preload > 0 ? `, ${preload / 1000}k events stored` : "")
    for (const backend of backends) {
      if (maxEvents(backend, settings.quick) < preload) continue
      const store = await backend.open()
      if (preload > 0) await store.load(Datasets.readDataset(preload))
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
      if (store.moduleCommands !== undefined && config.module) {
        // the same workload through Command.run, on a fresh store
        const fresh = await backend.open()
        if (preload > 0) await fresh.load(Datasets.readDataset(preload))
        gc()
        await settle()
        const elapsedModule = stopwatch(settings)
        const viaModule = await fresh.moduleCommands!({
          writers,
          perWriter,
          tagOf: shared ? () => "account:shared" : (w, i) => `account:${w + writers * (i % perAccount)}`,
          maxAttempts: 100,
          deadline: performance.now() + settings.budgetMs
        }).catch((error: unknown) => {
          report.note(`Command.run failed on ${backend.name}: ${String(error).slice(0, 300)}`)
          return undefined
        })
        const secondsModule = elapsedModule()
        await fresh.close()
        if (viaModule !== undefined) {
          const name = `${backend.name} · Command.run`
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
  report.print(scenario)
}

/**
 * Scenario 4: with N events over 1,000 tags, read one tag holding 1,000
 * events and one type holding the same 1,000 events (p50, p99), for N = 10k,
 * 100k and 1M: the cost must not grow with unrelated events. Reported: the
 * mean CPU time per read (steady under a shared machine's load), and the
 * p50 and p99 of each read's wall time.
 *
 * @since 0.1.0
 */
import { type Backend, maxEvents } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { formatNumber, gc, quantile, type Report, type Settings, settle, threadCpu } from "../harness.ts"

/**
 * Scenario 4.
 *
 * @since 0.1.0
 */
export const reads = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "4. reads: one tag / one type holding 1,000 events"
  // as many reads as fit in the budget (at least one): enough CPU time to measure even for 2 µs reads
  const reps = 1_000_000
  for (const size of [10_000, 100_000, 1_000_000]) {
    for (const backend of backends) {
      if (maxEvents(backend, settings.quick) < size) continue
      const store = await backend.open()
      await store.load(Datasets.readDataset(size))
      for (const query of [{ _tag: "Tag", tag: Datasets.PROBE_TAG }, { _tag: "Type", type: Datasets.PROBE_TYPE }] as const) {
        await store.read(query, 20, performance.now() + settings.budgetMs) // warm-up
        gc()
      await settle()
        const cpu0 = threadCpu()
        const result = await store.read(query, reps, performance.now() + (settings.quick ? settings.budgetMs / 2 : settings.budgetMs))
        const cpu = threadCpu(cpu0)
        if (result === undefined) continue
        const what = query._tag === "Tag" ? "tag" : "type"
        report.add({
          scenario,
          backend: backend.name,
          metric: `read one ${what}, ${formatNumber(size)} stored, mean CPU`,
          figure: (cpu.user + cpu.system) / result.samples.length,
          unit: "µs",
          better: "lower",
          note: `${result.count} events, ${result.samples.length} reads (main-thread CPU time / reads)`
        })
        for (const [q, name] of [[0.5, "p50"], [0.99, "p99"]] as const) {
          report.add({
            scenario,
            backend: backend.name,
            metric: `read one ${what}, ${formatNumber(size)} stored, ${name}`,
            figure: quantile(result.samples, q) * 1000,
            unit: "µs",
            better: "lower",
            note: `${result.count} events, ${result.samples.length} reads`
          })
        }
      }
      await store.close()
    }
  }
  report.print(scenario)
}

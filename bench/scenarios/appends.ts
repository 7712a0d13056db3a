/**
 * Scenarios 1 and 2: sequential single-event appends, and appends of
 * batches of 100 events (events/s).
 *
 * @since 0.1.0
 */
import type { Backend } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { gc, keysNote, type Report, type Settings, settle, stopwatch } from "../harness.ts"

/**
 * Scenario 1.
 *
 * @since 0.1.0
 */
export const singleAppends = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "1. single appends, sequential"
  const events = Datasets.deposits(settings.quick ? 50_000 : 200_000)
  for (const backend of backends) {
    // warm-up (JIT) on a store of its own, then a fresh store
    const warm = await backend.open()
    await warm.appendEach(events.slice(0, 20_000), performance.now() + settings.budgetMs / 2)
    await warm.close()
    const store = await backend.open()
    const keys = store.keys ? await store.keys() : undefined
    gc()
    await settle()
    const elapsed = stopwatch(settings)
    const n = await store.appendEach(events, performance.now() + settings.budgetMs)
    const seconds = elapsed()
    const keysAfter = store.keys ? await store.keys() : undefined
    await store.close()
    report.add({
      scenario,
      backend: backend.name,
      metric: "appends",
      figure: n / seconds,
      unit: "events/s",
      better: "higher",
      note: `${n} events` + (keys && keysAfter ? `; ${keysNote(keys, keysAfter, n)}` : "")
    })
  }
  report.print(scenario)
}

/**
 * Scenario 2.
 *
 * @since 0.1.0
 */
export const batchAppends = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "2. batch appends of 100 events"
  const batches = Datasets.batches(settings.quick ? 200_000 : 1_000_000, 100)
  for (const backend of backends) {
    const warm = await backend.open()
    await warm.appendBatches(batches.slice(0, 200), performance.now() + settings.budgetMs / 2)
    await warm.close()
    const store = await backend.open()
    gc()
    await settle()
    const elapsed = stopwatch(settings)
    const n = await store.appendBatches(batches, performance.now() + settings.budgetMs)
    const seconds = elapsed()
    await store.close()
    report.add({
      scenario,
      backend: backend.name,
      metric: "batch appends",
      figure: n / seconds,
      unit: "events/s",
      better: "higher",
      note: `${n} events`
    })
  }
  report.print(scenario)
}

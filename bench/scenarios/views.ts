/**
 * Scenario 5: view catch-up (events/s). A store of N deposits over 1,000
 * accounts; a view keeping each account's balance catches up from nothing.
 * Fairway runs `View.catchUp` (decode, fold, commit states with the
 * checkpoint, in batches of 1,000); the peers and the reference, which have
 * no view module, run the projection users would write (read the type,
 * decode, fold into a Map). Each backend is warmed up right before its
 * measurement.
 *
 * @since 0.1.0
 */
import { type Backend, maxEvents } from "../backends/Backend.ts"
import * as Datasets from "../datasets.ts"
import { formatNumber, gc, type Report, type Settings, settle, stopwatch } from "../harness.ts"

/**
 * Scenario 5.
 *
 * @since 0.1.0
 */
export const views = async (report: Report, backends: ReadonlyArray<Backend>, settings: Settings) => {
  const scenario = "5. view catch-up"
  const size = settings.quick ? 20_000 : 100_000
  for (const backend of backends) {
    const n = Math.min(size, maxEvents(backend, settings.quick))
    // warm-up, right before each backend's measurement (as in scenario 3): two catch-ups of 20,000 events on a
    // store of their own, so that the measured catch-up runs optimised code rather than paying its tier-up (a
    // first catch-up of Fairway's view ran at ~0.7x its rate from the third on: `bench/profileView.ts`)
    for (let round = 0; round < 2; round++) {
      const warm = await backend.open()
      if (warm.viewCatchUp !== undefined) {
        await warm.load(Datasets.depositBatches(Math.min(20_000, n)))
        await warm.viewCatchUp().catch(() => undefined)
      }
      await warm.close()
    }
    const store = await backend.open()
    if (store.viewCatchUp === undefined) {
      await store.close()
      continue
    }
    await store.load(Datasets.depositBatches(n))
    gc()
    await settle()
    const elapsed = stopwatch(settings)
    const applied = await store.viewCatchUp().catch((error: unknown) => {
      report.note(`view catch-up failed on ${backend.name}: ${String(error).slice(0, 300)}`)
      return undefined
    })
    const seconds = elapsed()
    await store.close()
    if (applied === undefined) continue
    report.add({
      scenario,
      backend: backend.name,
      metric: "catch-up",
      figure: applied / seconds,
      unit: "events/s",
      better: "higher",
      note: `${applied} of ${formatNumber(n)} events applied`
    })
  }
  report.print(scenario)
}

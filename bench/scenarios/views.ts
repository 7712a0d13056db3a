/**
 * Scenario 5: view catch-up (events/s), once `src/Module/View.ts` exists.
 *
 * @since 0.1.0
 */
import type { Backend } from "../backends/Backend.ts"
import type { Report, Settings } from "../harness.ts"

/**
 * Scenario 5.
 *
 * @since 0.1.0
 */
export const views = async (report: Report, _backends: ReadonlyArray<Backend>, _settings: Settings) => {
  report.note("scenario 5 (view catch-up) not run: src/Module/View.ts does not exist yet")
}

/**
 * The vitest configuration Stryker uses (`npm run mutation`): the project's
 * configuration, restricted to the tests of the folder under mutation so that
 * a run stays well under an hour on a small machine — for `src/Dcb`
 * (`FAIRWAY_MUTATION=dcb`, set by stryker.dcb.config.mjs) the top-level tests
 * (the memory store and its conformance run) and test/mutation; for `src/Fdb`
 * (`FAIRWAY_MUTATION=fdb`, set by stryker.fdb.config.mjs) test/mutation and
 * the FoundationDB layer's tests (its conformance run included) but for the
 * slowest sweeps and the module stores' suites (`slow`, `modules`: run by
 * `npm test`; every simulator mutant would otherwise run them all). Test
 * files are named in capitals (scratch files such as `tmp1.test.ts` are left
 * out). The HTTP, CLI, module and example tests are left to `npm test`.
 *
 * `isolate: false`: Stryker switches mutants on and off at run time, so the
 * modules need not be imported afresh for every mutant (half the time).
 */
import * as Fs from "node:fs"
import { BaseSequencer, type TestSpecification } from "vitest/node"
import { defineConfig } from "vitest/config"
import base from "./vitest.config.ts"

/**
 * Smallest test files first: Stryker stops a mutant's run at the first failing
 * test, and the small, focused files (test/mutation, the unit tests) fail
 * soonest. (vitest's default puts the slowest files first.)
 */
class SmallFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const size = (file: TestSpecification) => {
      try {
        return Fs.statSync(file.moduleId).size
      } catch {
        return Number.MAX_SAFE_INTEGER
      }
    }
    return [...files].sort((a, b) => size(a) - size(b))
  }
}

// (test/fdb/LoneSurrogate.test.ts checks the core's rule on lone surrogates, on memory as on FoundationDB)
const core = ["test/[A-Z]*.test.ts", "test/mutation/[A-Z]*.test.ts", "test/fdb/LoneSurrogate.test.ts"]
const fdb = ["test/mutation/[A-Z]*.test.ts", "test/fdb/[A-Z]*.test.ts"]
// the simulator's own rules (`FAIRWAY_MUTATION=sim`, set by stryker.sim.config.mjs): its tests, and the store's
// conformance run over it (a reference model), not every suite that happens to run on it
const sim = [
  "test/mutation/FdbSimulator*.test.ts",
  "test/mutation/FdbOptions.test.ts",
  "test/fdb/FdbSimulator*.test.ts",
  "test/fdb/review11.test.ts",
  "test/fdb/EventStoreFdb.conformance.test.ts"
]
// the view and automation stores' suites (not mutated; they cover the simulator through the modules)
const modules = ["test/fdb/Modules.realistic.test.ts", "test/fdb/ViewAutomationStores.limits.test.ts"]
// sweeps over hundreds of seeds or tens of thousands of events: a minute per surviving mutant on two cores
const slow = [
  "test/fdb/EventStoreFdb.outcome.test.ts",
  "test/fdb/EventStoreFdbConditions.test.ts",
  "test/fdb/EventStoreFdb.test.ts",
  "test/fdb/TicketBooking.simulation.test.ts"
]

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    isolate: false,
    sequence: { ...base.test?.sequence, sequencer: SmallFirst },
    include: process.env.FAIRWAY_MUTATION === "dcb"
      ? core
      : process.env.FAIRWAY_MUTATION === "fdb"
      ? fdb
      : process.env.FAIRWAY_MUTATION === "sim"
      ? sim
      : [...core, ...fdb],
    exclude: [
      ...(base.test?.exclude ?? ["**/node_modules/**"]),
      ...slow,
      ...(process.env.FAIRWAY_MUTATION === "fdb" ? modules : [])
    ]
  }
})

// @ts-check
/**
 * What the two mutation-testing configurations share (stryker.dcb.config.mjs,
 * stryker.fdb.config.mjs): the vitest runner over vitest.mutation.config.ts,
 * per-test coverage, incremental runs, a sandbox of only what the tests need,
 * reports under reports/mutation/<folder> (ignored by git).
 */

/**
 * @param {string} folder the report folder (`dcb`, `fdb`)
 * @param {Array<string>} mutate the files to mutate
 * @returns {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export const config = (folder, mutate) => {
  // FAIRWAY_MUTATION_REPORT=<name>: a scratch run of one's own (its own report, incremental file and sandbox),
  // e.g. `FAIRWAY_MUTATION_REPORT=sim-reads npm run mutation:fdb -- --mutate src/Fdb/FdbSimulator.ts:1-700`
  const report = process.env.FAIRWAY_MUTATION_REPORT ?? folder
  return configFor(report, mutate)
}

/**
 * @param {string} folder
 * @param {Array<string>} mutate
 * @returns {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
const configFor = (folder, mutate) => ({
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  // no type checker: on this machine it costs three times the tests. A mutant that would not compile is
  // run (and counted) like any other, which makes the score stricter, not looser.
  coverageAnalysis: "perTest",
  // a static mutant (module-level code: schema and error definitions, constants) needs the whole suite per
  // mutant, which would take hours here; they are reported as "Ignored". Check them file by file with
  // `npx stryker run <config> --ignoreStatic false --mutate <file>:<lines>`.
  ignoreStatic: true,
  mutate,
  concurrency: 2,
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: `reports/mutation/${folder}/stryker-incremental.json`,
  tempDirName: `reports/mutation/.stryker-tmp-${folder}`,
  // the sandbox holds only what the tests need (a copy of the whole checkout would catch other people's scratch files)
  ignorePatterns: [
    "/*",
    "!/src",
    "!/test",
    "!/examples",
    "!/package.json",
    "!/tsconfig.json",
    "!/vitest.config.ts",
    "!/vitest.mutation.config.ts",
    // only the sources and tests a run uses (others may write scratch files elsewhere meanwhile)
    "/test/*",
    "!/test/[A-Z]*.test.ts",
    "!/test/conformance",
    "!/test/mutation",
    "!/test/fdb",
    // (patterns here ignore case) scratch files
    "tmp*",
    "*[sS]cratch*",
    ".dbg",
    "/examples/*",
    "!/examples/backends.ts"
  ],
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: `reports/mutation/${folder}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${folder}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 90, low: 80, break: null }
})

// @ts-check
/**
 * Mutation testing of the FoundationDB layer (store, key layout, tuple
 * encoding, simulator) (`src/Fdb`):
 * `npm run mutation:fdb`. Not part of CI (it takes tens of minutes on two
 * cores); the report lands in reports/mutation/fdb (ignored by git) and the
 * score is recorded in the README.
 *
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  // no type checker: on this machine it costs three times the tests. A mutant that would not compile is
  // run (and counted) like any other, which makes the score stricter, not looser.
  coverageAnalysis: "perTest",
  // a static mutant (module-level code: schema and error definitions, constants) needs the whole suite per
  // mutant, which would take hours here; they are reported as "Ignored". Check them file by file with
  // `npx stryker run <config> --ignoreStatic false --mutate <file>:<lines>`.
  ignoreStatic: true,
  // the store, its key layout and the tuple encoding (FdbDatabase's binding adapter needs libfdb_c; the
  // view and automation stores have their own tests). The simulator (~1,100 mutants, covered by every
  // FoundationDB test) takes well over an hour here on its own:
  // `npm run mutation:fdb -- --mutate src/Fdb/FdbSimulator.ts`.
  mutate: ["src/Fdb/EventStoreFdb.ts", "src/Fdb/KeyLayout.ts", "src/Fdb/Tuple.ts"],
  concurrency: 2,
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: "reports/mutation/fdb/stryker-incremental.json",
  tempDirName: "reports/mutation/.stryker-tmp-fdb",
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
  htmlReporter: { fileName: "reports/mutation/fdb/index.html" },
  jsonReporter: { fileName: "reports/mutation/fdb/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 90, low: 80, break: null }
}

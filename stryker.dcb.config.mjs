// @ts-check
/**
 * Mutation testing of the storage-agnostic core (`src/Dcb`):
 * `npm run mutation:dcb`. Not part of CI (it takes tens of minutes on two
 * cores); the report lands in reports/mutation/dcb (ignored by git) and the
 * score is recorded in the README.
 */

// the test runners inherit it: vitest.mutation.config.ts then runs the core's tests only
process.env.FAIRWAY_MUTATION = "dcb"

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
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
  mutate: ["src/Dcb/**/*.ts", "!src/Dcb/index.ts"],
  concurrency: 2,
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: "reports/mutation/dcb/stryker-incremental.json",
  tempDirName: "reports/mutation/.stryker-tmp-dcb",
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
  htmlReporter: { fileName: "reports/mutation/dcb/index.html" },
  jsonReporter: { fileName: "reports/mutation/dcb/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 90, low: 80, break: null }
}

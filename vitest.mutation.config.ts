/**
 * The vitest configuration Stryker uses (`npm run mutation`): the project's
 * configuration, restricted to the tests of the folder under mutation so that
 * a run stays well under an hour on a small machine — for `src/Dcb`
 * (`FAIRWAY_MUTATION=dcb`, set by stryker.dcb.config.mjs) the top-level tests
 * (the memory store and its conformance run) and test/mutation; for `src/Fdb`
 * also the FoundationDB layer's tests (its conformance runs included). Test
 * files are named in capitals (scratch files such as `tmp1.test.ts` are left
 * out). The HTTP, CLI, module and example tests are left to `npm test`.
 *
 * `isolate: false`: Stryker switches mutants on and off at run time, so the
 * modules need not be imported afresh for every mutant (half the time).
 */
import { defineConfig } from "vitest/config"
import base from "./vitest.config.ts"

const core = ["test/[A-Z]*.test.ts", "test/mutation/[A-Z]*.test.ts"]
const fdb = ["test/fdb/[A-Z]*.test.ts"]

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    isolate: false,
    include: process.env.FAIRWAY_MUTATION === "dcb" ? core : [...core, ...fdb]
  }
})

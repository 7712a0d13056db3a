// @ts-check
/**
 * Mutation testing of the storage-agnostic core (`src/Dcb`):
 * `npm run mutation:dcb`. Not part of CI (it takes tens of minutes on two
 * cores); the report lands in reports/mutation/dcb (ignored by git) and the
 * score is recorded in the README.
 */
import { config } from "./stryker.base.mjs"

// the test runners inherit it: vitest.mutation.config.ts then runs the core's tests only
process.env.FAIRWAY_MUTATION = "dcb"

export default config("dcb", ["src/Dcb/**/*.ts", "!src/Dcb/index.ts"])

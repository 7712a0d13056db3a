// @ts-check
/**
 * Mutation testing of the FoundationDB simulator (`src/Fdb/FdbSimulator.ts`),
 * which every FoundationDB claim of the store rests on: `npm run mutation:sim`.
 * Its mutants run against the simulator's own tests and the store's
 * conformance run over it (`FAIRWAY_MUTATION=sim` in vitest.mutation.config.ts),
 * not against every suite that happens to run on it: a surviving mutant
 * would otherwise run all of them. Not part of CI; the report lands in
 * reports/mutation/sim (ignored by git) and the score is recorded in the
 * README.
 */
import { config } from "./stryker.base.mjs"

// the test runners inherit it
process.env.FAIRWAY_MUTATION = "sim"

export default config("sim", ["src/Fdb/FdbSimulator.ts"])

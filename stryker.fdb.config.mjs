// @ts-check
/**
 * Mutation testing of the FoundationDB layer (store, key layout, tuple
 * encoding; the simulator has its own run, stryker.sim.config.mjs) (`src/Fdb`): `npm run mutation:fdb`. Not part of CI
 * (about half an hour on two cores); the report lands in
 * reports/mutation/fdb (ignored by git) and the score is recorded in the
 * README.
 */
import { config } from "./stryker.base.mjs"

// the store (with its internal condition scans and its transaction-size accounting), its errors, its key
// layout and the tuple encoding (the simulator: stryker.sim.config.mjs). Left out: FdbDatabase (the
// binding adapter: its retry loop runs against a scripted binding in test/fdb, the rest needs libfdb_c) and the
// view and automation stores (module storage, tested with the modules).
// the test runners inherit it: vitest.mutation.config.ts then runs test/mutation and test/fdb (lean)
process.env.FAIRWAY_MUTATION = "fdb"

export default config("fdb", [
  "src/Fdb/EventStoreFdb.ts",
  "src/Fdb/internal/conditions.ts",
  "src/Fdb/TransactionSize.ts",
  "src/Fdb/FdbError.ts",
  "src/Fdb/KeyLayout.ts",
  "src/Fdb/Tuple.ts"
])

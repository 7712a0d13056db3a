// @ts-check
/**
 * Mutation testing of the FoundationDB layer (store, key layout, tuple
 * encoding, simulator) (`src/Fdb`): `npm run mutation:fdb`. Not part of CI
 * (it takes tens of minutes on two cores); the report lands in
 * reports/mutation/fdb (ignored by git) and the score is recorded in the
 * README.
 */
import { config } from "./stryker.base.mjs"

// the store, its key layout and the tuple encoding (FdbDatabase's binding adapter needs libfdb_c; the
// view and automation stores have their own tests). The simulator (~1,100 mutants, covered by every
// FoundationDB test) takes well over an hour here on its own:
// `npm run mutation:fdb -- --mutate src/Fdb/FdbSimulator.ts`.
export default config("fdb", ["src/Fdb/EventStoreFdb.ts", "src/Fdb/KeyLayout.ts", "src/Fdb/Tuple.ts"])

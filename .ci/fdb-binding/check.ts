/**
 * Compile-time check, run by `.ci/fdb-binding-types` against the published
 * typings of `foundationdb@2.0.1` (the package cannot be installed where
 * `libfdb_c` is missing, its typings can be read): the module as
 * `FdbDatabase.loadBinding` receives it is an `FdbDatabase.Binding`, and its
 * databases and transactions are the ones the adapter drives. Plain
 * assignments: no cast at the boundary.
 */
import * as fdb from "foundationdb"
import type * as FdbDatabase from "../../src/Fdb/FdbDatabase.ts"

export const binding: FdbDatabase.Binding = fdb

declare const opened: ReturnType<typeof fdb.open>
export const database: FdbDatabase.BindingDatabase = opened
export const transaction: FdbDatabase.BindingTransaction = opened.rawCreateTransaction({ timeout: 1, retry_limit: 1 })

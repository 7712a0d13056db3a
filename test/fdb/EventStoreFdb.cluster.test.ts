/**
 * The DCB conformance suite against a real FoundationDB cluster. Runs only
 * when `FDB_CLUSTER_FILE` points at a cluster file (and the `foundationdb`
 * package and the FoundationDB client library are installed); otherwise it is
 * skipped, with a test saying so. Each test uses its own prefix,
 * `("fairway-test", <random>)`, cleared when the test ends.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as Tuple from "fairway/Fdb/Tuple"
import { conformance } from "../conformance/EventStoreConformance.ts"

const clusterFile = process.env["FDB_CLUSTER_FILE"]

/** A store under a fresh prefix, cleared on release. */
const storeOnCluster = () => {
  const prefix = Tuple.pack(["fairway-test", `${Date.now()}-${Math.random().toString(36).slice(2)}`])
  const cleanup = Layer.effectDiscard(
    Effect.gen(function* () {
      const db = yield* FdbDatabase.FdbDatabase
      yield* Effect.addFinalizer(() =>
        db.transact((tn) => tn.clearRange(...Tuple.range(prefix))).pipe(Effect.ignore)
      )
    })
  )
  return Layer.merge(EventStoreFdb.layer({ prefix, pageSize: 100 }), cleanup).pipe(
    Layer.provide(FdbDatabase.layer({ clusterFile }))
  )
}

describe.skipIf(clusterFile === undefined)("FoundationDB cluster (FDB_CLUSTER_FILE is set)", () => {
  conformance("fdb cluster", storeOnCluster, { concurrency: 8, propertyRuns: 20 })
})

describe.skipIf(clusterFile !== undefined)("FoundationDB cluster (FDB_CLUSTER_FILE is not set)", () => {
  it.skip("skipped: set FDB_CLUSTER_FILE to a cluster file to run the conformance suite against a real FoundationDB cluster", () => {})

  it.effect("without the FoundationDB client, the live layer fails with FdbUnavailable saying how to install it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.provide(Effect.service(FdbDatabase.FdbDatabase), FdbDatabase.layer()))
      expect(error._tag).toBe("FdbUnavailable")
      expect(error.message).toContain("npm install foundationdb")
      expect(error.message).toContain("FDB_CLUSTER_FILE")
    }))
})

/**
 * The DCB conformance suite on the FoundationDB store over the simulator:
 * faults off, with the realistic cost profile, then faults on (injected
 * conflicts, unknown commit results and delays) from fixed seeds. A small page
 * size makes every read page.
 */
import { Layer } from "effect"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"
import { conformance } from "../conformance/EventStoreConformance.ts"

conformance("fdb simulator", () => EventStoreFdb.layer({ pageSize: 7 }).pipe(Layer.provide(FdbDatabase.layerSimulated())))

// the realistic cost profile: every transaction of the suite ages on virtual time as on a cluster
conformance(
  "fdb simulator, realistic costs",
  () => EventStoreFdb.layer({ pageSize: 7 }).pipe(Layer.provide(FdbDatabase.layerSimulated({ costs: "realistic" })))
)

for (const seed of [11, 12]) {
  conformance(
    `fdb simulator with faults, seed ${seed}`,
    () =>
      EventStoreFdb.layer({ pageSize: 5 }).pipe(
        Layer.provide(FdbDatabase.layerSimulated({ seed, faults: FdbSimulator.defaultFaults }))
      ),
    { propertyRuns: 25 }
  )
}

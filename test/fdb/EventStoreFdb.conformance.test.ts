/**
 * The DCB conformance suite on the FoundationDB store over the simulator:
 * faults off, then faults on (injected conflicts, unknown commit results and
 * delays) from fixed seeds. A small page size makes every read page.
 */
import { Layer } from "effect"
import * as EventStoreFdb from "../../src/Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../../src/Fdb/FdbDatabase.ts"
import * as FdbSimulator from "../../src/Fdb/FdbSimulator.ts"
import { conformance } from "../conformance/EventStoreConformance.ts"

conformance("fdb simulator", () => EventStoreFdb.layer({ pageSize: 7 }).pipe(Layer.provide(FdbDatabase.layerSimulated())))

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

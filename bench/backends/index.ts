/**
 * The backends of a run, Fairway's first. Adding a backend is one entry here.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as EventStore from "fairway/Dcb/EventStore"
import * as ViewStore from "fairway/Module/ViewStore"
import { TYPES } from "../datasets.ts"
import * as ArrayMap from "./arrayMap.ts"
import type { Backend } from "./Backend.ts"
import * as DcbEs from "./dcbEs.ts"
import * as Emmett from "./emmett.ts"
import * as Fairway from "./fairway.ts"
import * as FairwayFdb from "./fairwayFdb.ts"
import * as View from "./view.ts"

/**
 * All backends: Fairway on memory and on FoundationDB (simulated), the peers,
 * and the in-process reference.
 *
 * @since 0.1.0
 */
export const all = async (): Promise<Array<Backend>> => [
  Fairway.make({
    name: "Fairway memory",
    layer: () => Layer.mergeAll(EventStore.layerMemory, ViewStore.layerMemory),
    viewCatchUp: View.catchUp
  }),
  FairwayFdb.make(),
  DcbEs.make(TYPES),
  Emmett.make(),
  ArrayMap.make()
]

/**
 * The backends of a run, Fairway's first. Adding a backend is one entry here.
 *
 * @since 0.1.0
 */
import * as EventStore from "../../src/Dcb/EventStore.ts"
import { TYPES } from "../datasets.ts"
import * as ArrayMap from "./arrayMap.ts"
import type { Backend } from "./Backend.ts"
import * as DcbEs from "./dcbEs.ts"
import * as Emmett from "./emmett.ts"
import * as Fairway from "./fairway.ts"
import * as FairwayFdb from "./fairwayFdb.ts"

/**
 * All backends: Fairway on memory and on FoundationDB (simulated), the peers,
 * and the in-process reference.
 *
 * @since 0.1.0
 */
export const all = async (): Promise<Array<Backend>> => [
  Fairway.make({ name: "Fairway memory", layer: () => EventStore.layerMemory }),
  FairwayFdb.make(),
  DcbEs.make(TYPES),
  Emmett.make(),
  ArrayMap.make()
]

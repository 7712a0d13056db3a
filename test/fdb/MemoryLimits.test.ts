/**
 * The memory stores that examples and tests use (`Memory.layer`, the test
 * kit's memory backend) refuse an append exactly when FoundationDB would,
 * for its size: a unit test on memory fails the way production would.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Simulated from "fairway/Layer/Simulated"
import * as Memory from "fairway/Layer/Memory"
import * as Backend from "fairway/Testing/Backend"

// 16 tags (the most an event may carry) of 40 characters: 274 index keys per event, most of them ~100 bytes
const tags = Array.from({ length: 16 }, (_, i) => `customer-region-${String(i).padStart(2, "0")}-abcdefghijklmnopqrstu`)
const batch = (n: number) => Array.from({ length: n }, () => ({ type: "Tagged", tags, data: new Uint8Array(16) }))

const outcome = (n: number) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(EventStore.append(batch(n)))
    const stored = yield* Stream.runCount(EventStore.read(Query.all()))
    return { tag: exit._tag === "Failure" ? "InvalidAppend" : "Success", stored }
  })

const backends: ReadonlyArray<readonly [string, Layer.Layer<EventStore.EventStore, any>]> = [
  ["Memory.layer", Memory.layer()],
  ["the test kit's memory backend", Backend.memory.layer],
  ["FoundationDB (simulator)", Simulated.layer({ seed: 3 })]
]

describe("an append too large for FoundationDB's transaction", () => {
  for (const [name, layer] of backends) {
    it.effect(`${name}: 200 such events commit, 400 are InvalidAppend with nothing written`, () =>
      Effect.gen(function* () {
        expect(yield* outcome(400)).toEqual({ tag: "InvalidAppend", stored: 0 })
        expect(yield* outcome(200)).toEqual({ tag: "Success", stored: 200 })
      }).pipe(Effect.provide(layer)))
  }
})

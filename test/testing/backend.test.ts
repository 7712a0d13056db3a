import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as EventStore from "fairway/Dcb/EventStore"
import { Backend, Diff } from "fairway/Testing"

describe("Backend", () => {
  it("memory by default, the simulator when FAIRWAY_TEST_BACKEND=simulator", () => {
    const saved = { backend: process.env["FAIRWAY_TEST_BACKEND"], seed: process.env["FAIRWAY_TEST_SEED"] }
    try {
      delete process.env["FAIRWAY_TEST_BACKEND"]
      expect(Backend.fromEnv().name).toBe("memory")
      process.env["FAIRWAY_TEST_BACKEND"] = "simulator"
      process.env["FAIRWAY_TEST_SEED"] = "7"
      expect(Backend.fromEnv().name).toBe("simulator(seed 7)")
    } finally {
      if (saved.backend === undefined) delete process.env["FAIRWAY_TEST_BACKEND"]
      else process.env["FAIRWAY_TEST_BACKEND"] = saved.backend
      if (saved.seed === undefined) delete process.env["FAIRWAY_TEST_SEED"]
      else process.env["FAIRWAY_TEST_SEED"] = saved.seed
    }
  })

  it.effect("the simulator backend is EventStoreFdb over the simulator, fresh per build", () =>
    Effect.gen(function*() {
      const backend = Backend.simulator({ seed: 3 })
      const written = yield* EventStore.append([{ type: "T", tags: ["a:1"], data: new Uint8Array() }]).pipe(
        Effect.andThen(EventStore.head),
        Effect.provide(backend.layer)
      )
      expect(Option.isSome(written)).toBe(true)
      const fresh = yield* EventStore.head.pipe(Effect.provide(backend.layer))
      expect(Option.isNone(fresh)).toBe(true)
    }))
})

describe("Diff", () => {
  it("renders keys sorted, bigints and bytes readably, and marks changed lines", () => {
    expect(Diff.render({ b: 1n, a: new Uint8Array(3) })).toBe("{\n  \"a\": \"<3 bytes>\",\n  \"b\": \"1n\"\n}")
    const diff = Diff.diff({ a: 1, b: 2 }, { a: 1, b: 3 })
    expect(diff.split("\n")).toEqual(["  {", "    \"a\": 1,", "-   \"b\": 2", "+   \"b\": 3", "  }"])
    expect(Diff.equals({ x: [1, { y: 2, z: 3 }] }, { x: [1, { z: 3, y: 2 }] })).toBe(true)
  })
})

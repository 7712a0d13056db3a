/**
 * Review of issue 18's `Command.run` restructuring and compiled payload
 * decoder (commit 0b951ab). No defect was found; these pin two behaviours the
 * existing tests leave open, so that a later change to either fast path
 * cannot drift from the Schema / the previous `Command.run` unnoticed:
 * - the compiled decoder on payload keys that name `Object.prototype`
 *   members (present, absent, nested) and on seeded random plain structs;
 * - a run interrupted while it holds its limiter slot and its boundary:
 *   both are released, the next run on the boundary is admitted and runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Schema } from "effect"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Admission, Command } from "fairway/Module"
import * as PayloadDecoder from "../src/Dcb/internal/payloadDecoder.ts"

const schemaDecode = (schema: Schema.Top, json: unknown) =>
  Schema.decodeUnknownExit(Schema.toCodecJson(schema) as unknown as Schema.Codec<unknown, unknown>)(json)

/** The compiled decoder's answer agrees with the Schema's: a decline, or the Schema's value (keys in its order, -0 kept). */
const agrees = (schema: Schema.Top, json: unknown) => {
  const fast = PayloadDecoder.compile(schema)!(json)
  if (fast === undefined) return
  const exit = schemaDecode(schema, json)
  expect(Exit.isSuccess(exit)).toBe(true)
  const value = (exit as Exit.Success<object>).value
  const show = (v: unknown) => JSON.stringify(v, (_, x) => Object.is(x, -0) ? "-0" : x)
  expect(show(fast)).toBe(show(value))
  expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(value))
}

describe("review 18: compiled payload decoder", () => {
  it("keys named like Object.prototype members: an absent one is declined (never read off the prototype)", () => {
    const Proto = Schema.Struct({
      constructor: Schema.String,
      toString: Schema.Number,
      inner: Schema.Struct({ hasOwnProperty: Schema.Boolean, valueOf: Schema.String })
    })
    const fast = PayloadDecoder.compile(Proto)!
    expect(fast).toBeTypeOf("function")
    const full = JSON.parse(`{"constructor":"c","toString":1,"inner":{"hasOwnProperty":true,"valueOf":"v"},"x":0}`)
    expect(fast(full)).toStrictEqual({ constructor: "c", toString: 1, inner: { hasOwnProperty: true, valueOf: "v" } })
    for (
      const text of [
        `{"toString":1,"inner":{"hasOwnProperty":true,"valueOf":"v"}}`,
        `{"constructor":"c","inner":{"hasOwnProperty":true,"valueOf":"v"}}`,
        `{"constructor":"c","toString":1,"inner":{"valueOf":"v"}}`,
        `{"constructor":"c","toString":1,"inner":{"hasOwnProperty":true}}`
      ]
    ) {
      const json = JSON.parse(text)
      expect(fast(json)).toBeUndefined()
      expect(Exit.isFailure(schemaDecode(Proto, json))).toBe(true)
    }
    for (const json of [full, JSON.parse(`{"__proto__":{"constructor":"p"},"constructor":"c","toString":-0,"inner":{"hasOwnProperty":false,"valueOf":""}}`)]) {
      agrees(Proto, json)
    }
  })

  it("agrees with the Schema on seeded random plain structs and inputs", () => {
    let seed = 18
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!
    const names = ["a", "b", "0", "10", "constructor", "toString", "valueOf", "length"]
    type Shape = "s" | "n" | "b" | { readonly [k: string]: Shape }
    const leaf = (): [Schema.Top, Shape] => pick([[Schema.String, "s"], [Schema.Number, "n"], [Schema.Boolean, "b"]] as const)
    const struct = (depth: number): [Schema.Top, Shape] => {
      const fields: Record<string, Schema.Top> = {}
      const shape: Record<string, Shape> = {}
      const n = 1 + Math.floor(random() * 3)
      for (let i = 0; i < n; i++) {
        const [schema, s] = depth < 2 && random() < 0.3 ? struct(depth + 1) : leaf()
        const name = pick(names)
        fields[name] = schema
        shape[name] = s
      }
      return [Schema.Struct(fields as Schema.Struct.Fields), shape]
    }
    const value = (shape: Shape): unknown => {
      if (random() < 0.1) return pick([null, "1", 1, true, [], {}, -0, "NaN"])
      if (shape === "s") return pick(["", "x", "\ud800"])
      if (shape === "n") return pick([0, -0, 1.5, 2 ** 60, 1e300])
      if (shape === "b") return pick([true, false])
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(shape)) if (random() > 0.1) out[k] = value(shape[k]!)
      if (random() < 0.3) out[pick(names)] = value(pick(["s", "n", "b"] as const))
      return out
    }
    let decoded = 0
    for (let i = 0; i < 300; i++) {
      const [schema, shape] = struct(0)
      const fast = PayloadDecoder.compile(schema)!
      expect(fast).toBeTypeOf("function")
      for (let j = 0; j < 20; j++) {
        // through JSON, as a stored payload reaches the decoder (-0 written as text)
        const json = JSON.parse(JSON.stringify(value(shape), (_, x) => Object.is(x, -0) ? "__minus0__" : x).replace(/"__minus0__"/g, "-0"))
        if (fast(json) !== undefined) decoded++
        agrees(schema, json)
      }
    }
    // the fast path did run (a decoder that always declines would agree vacuously)
    expect(decoded).toBeGreaterThan(1000)
  })
})

describe("review 18: Command.run interrupted while holding its slot and its boundary", () => {
  it.live("releases the limiter slot and the boundary: the next run on the boundary is admitted and runs", () =>
    Effect.gen(function* () {
      const entered = yield* Deferred.make<void>()
      const attempts: Array<string> = []
      const Hang = Command.make({
        name: "Hang",
        input: Schema.Struct({ id: Schema.String }),
        model: () => DecisionModel.makeRaw({ query: Query.item({ types: ["Hung"] }), initial: 0, evolve: (n) => n + 1 }),
        decide: (_, { id }) =>
          id === "hang"
            ? Effect.andThen(Deferred.succeed(entered, undefined), Effect.never)
            : Effect.succeed([{ type: "Hung", tags: [id], data: new Uint8Array() }])
      })
      const observer = Command.AttemptObserver.of({
        observe: (attempt) =>
          Effect.sync(() =>
            void attempts.push(
              Exit.isSuccess(attempt.exit) ? "ok" : Cause.hasInterruptsOnly(attempt.exit.cause) ? "interrupted" : "failed"
            )
          )
      })
      const observed = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Command.AttemptObserver, observer)
      const holder = yield* Effect.forkChild(observed(Command.run(Hang, { id: "hang" })))
      yield* Deferred.await(entered)
      const waiter = yield* Effect.forkChild(observed(Command.run(Hang, { id: "next" })))
      yield* Effect.sleep("20 millis")
      // queued behind the holder: its first attempt has not started
      expect(waiter.pollUnsafe()).toBeUndefined()
      expect(attempts).toEqual([])
      yield* Fiber.interrupt(holder)
      const next = yield* Fiber.join(waiter)
      expect(next.attempts).toBe(1)
      expect(attempts).toEqual(["interrupted", "ok"])
      // the boundary's line is gone: a run alone now waits behind nobody (a count left by the interrupted
      // holder would queue it)
      const admission = yield* Admission.Admission
      const before = yield* admission.stats
      expect((yield* Command.run(Hang, { id: "alone" })).attempts).toBe(1)
      expect(yield* admission.stats).toEqual({ admitted: before.admitted + 1, queued: before.queued, rejected: 0 })
      // both limiter slots are free again (a leaked one would make one of two concurrent runs Overloaded)
      const both = yield* Effect.all([Command.run(Hang, { id: "x" }), Command.run(Hang, { id: "y" })], { concurrency: 2 })
      expect(both.map((result) => result.attempts)).toEqual([1, 1])
    }).pipe(
      Effect.provide(Layer.mergeAll(
        EventStore.layerMemory,
        Admission.layer({ maxWaiting: 1 }),
        Command.layerLimiter({ maxInFlight: 2 })
      ))
    ))
})

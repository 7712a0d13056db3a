import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema, Tracer } from "effect"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

// the decision reports the span it runs in
const Probe = Command.make({
  name: "Probe",
  input: Schema.Struct({ id: Schema.String }),
  model: ({ id }) => DecisionModel.makeRaw({ query: Query.item({ tags: [`probe:${id}`] }), initial: 0, evolve: (n) => n + 1 }),
  decide: (_, { id }) =>
    Effect.map(Effect.option(Effect.currentSpan), (span) => [{
      type: "Probed",
      tags: [`probe:${id}`],
      data: new TextEncoder().encode(Option.match(span, { onNone: () => "", onSome: (s) => s.name }))
    }])
})

const spanOf = (result: Command.Result) => new TextDecoder().decode(result.events[0]!.data)

describe("Command spans", () => {
  it.effect("with no tracer installed a run makes no span (Effect's native tracer exports nothing)", () =>
    Effect.gen(function* () {
      expect(spanOf(yield* Command.run(Probe, { id: "a" }))).toBe("")
      // a caller's own span stays the current one
      const inside = yield* Command.run(Probe, { id: "b" }).pipe(Effect.withSpan("caller"))
      expect(spanOf(inside)).toBe("caller")
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("with a tracer installed a run has its span and the read's", () =>
    Effect.gen(function* () {
      const names: Array<string> = []
      const tracer = Tracer.make({
        span: (options) => {
          names.push(options.name)
          return Tracer.nativeTracer.span(options)
        }
      })
      const result = yield* Command.run(Probe, { id: "a" }).pipe(Effect.withTracer(tracer))
      expect(spanOf(result)).toBe("Command.run Probe")
      expect(names[0]).toBe("Command.run Probe")
      expect(names).toContain("DecisionModel.read")
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

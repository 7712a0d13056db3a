import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Schema, Tracer } from "effect"
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

  it.effect("with a tracer installed a failing run ends its span with the failure and names it in the failure's trace", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.Span> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = Tracer.nativeTracer.span(options)
          spans.push(span)
          return span
        }
      })
      const Boom = Command.make({
        name: "Boom",
        input: Schema.Struct({ id: Schema.String }),
        model: Probe.model,
        decide: () => Effect.fail(new Error("refused"))
      })
      const exit = yield* Effect.exit(Command.run(Boom, { id: "x" }).pipe(Effect.withTracer(tracer)))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause)).toContain("at Command.run Boom")
      const run = spans.find((span) => span.name === "Command.run Boom")!
      expect(run.status._tag).toBe("Ended")
      expect(run.status._tag === "Ended" && Exit.isFailure(run.status.exit)).toBe(true)
      expect(run.attributes.get("fairway.command")).toBe("Boom")
      expect(run.attributes.has("fairway.attempts")).toBe(false)
      // the read under it names it as its parent
      const read = spans.find((span) => span.name === "DecisionModel.read")!
      expect(Option.map(read.parent, (parent) => parent.spanId)).toEqual(Option.some(run.spanId))
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

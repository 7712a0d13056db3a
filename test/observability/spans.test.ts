/**
 * The spans of a command as an OpenTelemetry exporter receives them (through
 * `@effect/opentelemetry`, into the SDK's in-memory exporter): one
 * `Command.run <name>` span with its attributes, and under it one
 * `DecisionModel.read` and one `EventStore.append` per attempt — a conflict
 * shows as a failed append followed by a second read and append, and as
 * `fairway.attempts` — plus `View.run` and `Automation.run` spans.
 */
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Memory } from "fairway/Layer"
import { Automation, Command, Registry, View } from "fairway/Module"

const SeatBooked = Event.define("SeatBooked", {
  payload: Schema.Struct({ show: Schema.String, seat: Schema.String }),
  tags: (p) => [`show:${p.show}`]
})

const booked = (show: string) =>
  DecisionModel.make({
    query: Query.item({ types: [SeatBooked.type], tags: [`show:${show}`] }),
    initial: [] as ReadonlyArray<string>,
    events: [SeatBooked],
    evolve: (seats, e) => [...seats, e.payload.seat]
  })

// on its first decision, someone else books a seat of the same show in between: a conflict, then a retry
let interfere = true
const BookSeat = Command.make({
  name: "BookSeat",
  input: Schema.Struct({ show: Schema.String, seat: Schema.String }),
  model: ({ show }) => booked(show),
  decide: (seats, input) =>
    Effect.gen(function*() {
      if (interfere) {
        interfere = false
        yield* Effect.orDie(EventStore.append([SeatBooked.make({ show: input.show, seat: "Z9" })]))
      }
      return seats.includes(input.seat) ? [] : [SeatBooked.make(input)]
    })
})

const Seats = View.make({
  name: "Seats",
  version: 1,
  query: Query.item({ types: [SeatBooked.type] }),
  events: [SeatBooked],
  schema: Schema.Struct({ count: Schema.Int }),
  initial: { count: 0 },
  key: (e) => e.payload.show,
  evolve: (s) => ({ count: s.count + 1 })
})

const Greeter = Automation.make({
  name: "Greeter",
  query: Query.item({ types: [SeatBooked.type] }),
  events: [SeatBooked],
  handle: () => Effect.void
})

const otel = (exporter: InMemorySpanExporter) =>
  OtelTracer.layer.pipe(Layer.provide(Layer.succeed(
    OtelTracer.OtelTracerProvider,
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  )))

const childrenOf = (spans: ReadonlyArray<ReadableSpan>, parent: ReadableSpan) =>
  spans
    .filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
    .sort((a, b) => (a.startTime[0] - b.startTime[0]) || (a.startTime[1] - b.startTime[1]))

describe("spans exported through OpenTelemetry", () => {
  it.live("a command: its reads and appends per attempt, a conflict, its attributes", () =>
    Effect.gen(function*() {
      interfere = true
      const exporter = new InMemorySpanExporter()
      const result = yield* Command.run(BookSeat, { show: "s1", seat: "A1" }, { idempotencyKey: "k-1", correlationId: "c-1" }).pipe(
        Effect.provide([EventStore.layerMemory, otel(exporter)])
      )
      expect(result.attempts).toBe(2)
      const spans = exporter.getFinishedSpans()
      const run = spans.find((s) => s.name === "Command.run BookSeat")!
      expect(run).toBeDefined()
      expect(run.parentSpanContext).toBeUndefined()
      expect(run.attributes).toMatchObject({
        "fairway.command": "BookSeat",
        "fairway.idempotency_key": "k-1",
        "fairway.correlation_id": "c-1",
        "fairway.attempts": 2,
        "fairway.replayed": false,
        "fairway.events": 1,
        "fairway.position": "2"
      })
      const children = childrenOf(spans, run)
      expect(children.map((s) => s.name)).toEqual([
        "DecisionModel.read",
        "EventStore.append",
        "DecisionModel.read",
        "EventStore.append"
      ])
      // the first append failed on its append condition; the second succeeded
      expect(children[1]!.status.code).toBe(2) // SpanStatusCode.ERROR
      expect(children[3]!.status.code).not.toBe(2)
      expect(run.status.code).not.toBe(2)
    }))

  it.live("views and automations run in their own spans", () =>
    Effect.gen(function*() {
      interfere = false
      const exporter = new InMemorySpanExporter()
      yield* Effect.gen(function*() {
        yield* Command.run(BookSeat, { show: "s2", seat: "B1" })
        yield* View.catchUp(Seats)
        yield* Effect.sleep("50 millis") // the automation's first pass
      }).pipe(Effect.provide(Memory.layer({ modules: Registry.make([Seats, Greeter]) }).pipe(Layer.provideMerge(otel(exporter)))))
      // the follow loops end (and export their spans) when the layer is released
      const names = exporter.getFinishedSpans().map((s) => s.name)
      expect(names).toContain("Command.run BookSeat")
      const view = exporter.getFinishedSpans().find((s) => s.name === "View.run")
      const automation = exporter.getFinishedSpans().find((s) => s.name === "Automation.run")
      expect(view?.attributes).toMatchObject({ view: "Seats", version: 1 })
      expect(automation?.attributes).toMatchObject({ automation: "Greeter" })
    }))
})

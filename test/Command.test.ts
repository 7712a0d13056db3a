import { assert, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Metric, Option, Schedule, Schema, Stream, Tracer } from "effect"
import { backends, contended } from "../examples/backends.ts"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

const SeatBooked = Event.define("SeatBooked", {
  payload: Schema.Struct({ concertId: Schema.String, buyer: Schema.String }),
  tags: (p) => [`concert:${p.concertId}`, `buyer:${p.buyer}`]
})

class SoldOut extends Schema.TaggedError<SoldOut>()("SoldOut", { concertId: Schema.String }) {}

const seatsBooked = (concertId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [SeatBooked.type], tags: [`concert:${concertId}`] }),
    initial: 0,
    events: [SeatBooked],
    evolve: (n) => n + 1
  })

const capacity = 3
const BookSeat = Command.make({
  name: "BookSeat",
  input: Schema.Struct({ concertId: Schema.NonEmptyString, buyer: Schema.NonEmptyString }),
  model: ({ concertId }) => seatsBooked(concertId),
  decide: (booked, { buyer, concertId }) =>
    booked >= capacity ? Effect.fail(new SoldOut({ concertId })) : Effect.succeed([SeatBooked.make({ concertId, buyer })]),
  retry: { times: 50, base: "1 millis", maxDelay: "5 millis" }
})

const allEvents = Stream.runCollect(EventStore.read(Query.all()))
const isolatedMetrics = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())
const counter = (metric: Metric.Metric<number, Metric.CounterState<number>>, command: string) =>
  Effect.map(Metric.value(Metric.withAttributes(metric, { command })), (s) => s.count)

for (const backend of backends) {
  const store = () => backend.layer()
  describe(`Command (${backend.name})`, () => {
    it.effect("runs: decodes, reads, decides, appends with metadata", () =>
      Effect.gen(function* () {
        const result = yield* Command.run(BookSeat, { concertId: "c1", buyer: "ann" }, {
          correlationId: "corr-1",
          causationId: "42"
        })
        expect(result.replayed).toBe(false)
        expect(result.attempts).toBe(1)
        expect(result.events).toHaveLength(1)
        const stored = yield* allEvents
        expect(stored).toHaveLength(1)
        expect(stored[0]!.position).toBe(result.position)
        expect(stored[0]!.metadata).toEqual({ command: "BookSeat", correlationId: "corr-1", causationId: "42" })
        expect(result.events[0]!.metadata).toEqual(stored[0]!.metadata)
        const decoded = yield* SeatBooked.decode(stored[0]!)
        expect(decoded.payload).toEqual({ concertId: "c1", buyer: "ann" })
      }).pipe(Effect.provide(store())))

    it.effect("a correlation id is generated when absent; causedBy links a command to its triggering event", () =>
      Effect.gen(function* () {
        yield* Command.run(BookSeat, { concertId: "c1", buyer: "ann" })
        const [trigger] = yield* allEvents
        const correlationId = trigger!.metadata!["correlationId"]!
        expect(correlationId).toMatch(/^[0-9a-f-]{36}$/)
        yield* Command.run(BookSeat, { concertId: "c1", buyer: "bob" }, Command.causedBy(trigger!, "auto:1"))
        const second = (yield* allEvents)[1]!
        expect(second.metadata).toEqual({
          command: "BookSeat",
          correlationId,
          causationId: String(trigger!.position),
          idempotencyKey: "auto:1",
          inputDigest: expect.stringMatching(/^[0-9a-f]{64}$/)
        })
        expect(second.tags).toContain(Command.idempotencyTag("BookSeat", "auto:1"))
      }).pipe(Effect.provide(store())))

    it.effect("bad input is a CommandInputInvalid and nothing is read or written", () =>
      Effect.gen(function* () {
        for (const input of [{ concertId: "", buyer: "x" }, { concertId: 1 }, null, "c1"]) {
          const error = yield* Effect.flip(Command.runUnknown(BookSeat, input))
          assert(error._tag === "CommandInputInvalid")
          expect(error.command).toBe("BookSeat")
          expect(error.message).toContain("invalid input for command BookSeat")
        }
        const badKey = yield* Effect.flip(Command.run(BookSeat, { concertId: "c1", buyer: "x" }, { idempotencyKey: "" }))
        expect(badKey._tag).toBe("CommandInputInvalid")
        const longKey = "k".repeat(Command.maxIdempotencyKeyLength + 1)
        expect((yield* Effect.flip(Command.run(BookSeat, { concertId: "c1", buyer: "x" }, { idempotencyKey: longKey })))._tag)
          .toBe("CommandInputInvalid")
        expect(Option.isNone(yield* EventStore.head)).toBe(true)
      }).pipe(Effect.provide(store())))

    it.effect("a domain error fails the run and writes nothing", () =>
      Effect.gen(function* () {
        for (const buyer of ["a", "b", "c"]) yield* Command.run(BookSeat, { concertId: "c1", buyer })
        const error = yield* Effect.flip(Command.run(BookSeat, { concertId: "c1", buyer: "d" }))
        expect(error).toBeInstanceOf(SoldOut)
        expect(yield* allEvents).toHaveLength(3)
      }).pipe(Effect.provide(store())))

    it.effect("a decision with no events appends nothing", () =>
      Effect.gen(function* () {
        const Noop = Command.make({
          name: "Noop",
          input: Schema.Struct({}),
          model: () => seatsBooked("c1"),
          decide: () => Effect.succeed([])
        })
        const result = yield* Command.run(Noop, {})
        expect(result).toEqual({ position: undefined, events: [], replayed: false, attempts: 1 })
        expect(Option.isNone(yield* EventStore.head)).toBe(true)
      }).pipe(Effect.provide(store())))

    it.live("concurrent callers: the capacity holds and the losers of a race retry", () =>
      isolatedMetrics(Effect.gen(function* () {
        const results = yield* Effect.forEach(
          Array.from({ length: 25 }, (_, i) => `buyer-${i}`),
          (buyer) => Effect.result(Command.run(BookSeat, { concertId: "c1", buyer })),
          { concurrency: "unbounded" }
        )
        const successes = results.filter((r) => r._tag === "Success")
        const failures = results.flatMap((r) => (r._tag === "Failure" ? [r.failure] : []))
        expect(successes).toHaveLength(capacity)
        expect(failures.every((e) => e._tag === "SoldOut")).toBe(true)
        const stored = yield* allEvents
        expect(stored).toHaveLength(capacity)
        expect(new Set(successes.map((s) => s.success.position))).toEqual(new Set(stored.map((e) => e.position)))
        // metrics: every run counted, every failure counted, and the race did cause conflicts and retries
        expect(yield* counter(Command.metrics.runs, "BookSeat")).toBe(25)
        expect(yield* counter(Command.metrics.failures, "BookSeat")).toBe(22)
        const conflicts = yield* counter(Command.metrics.conflicts, "BookSeat")
        expect(conflicts).toBeGreaterThan(0)
        expect(yield* counter(Command.metrics.retries, "BookSeat")).toBe(conflicts)
      })).pipe(Effect.provide(contended(store()))))

    it.live("when every attempt conflicts, the run fails with CommandConflict after the retries and writes nothing", () =>
      Effect.gen(function* () {
        let attempts = 0
        const Unlucky = Command.make({
          name: "Unlucky",
          input: Schema.Struct({ concertId: Schema.String }),
          model: ({ concertId }) => seatsBooked(concertId),
          // a concurrent writer books a seat between every read and append
          decide: (_, { concertId }) =>
            Effect.gen(function* () {
              attempts++
              yield* EventStore.append([SeatBooked.make({ concertId, buyer: `other-${attempts}` })])
              return [SeatBooked.make({ concertId, buyer: "me" })]
            }),
          retry: Schedule.recurs(3)
        })
        const error = yield* Effect.flip(Command.run(Unlucky, { concertId: "c1" }))
        assert(error._tag === "CommandConflict")
        expect(error.attempts).toBe(4)
        expect(attempts).toBe(4)
        expect(error.message).toContain("gave up after 4 attempts")
        const buyers = (yield* allEvents).map((e) => JSON.parse(new TextDecoder().decode(e.data)).buyer)
        expect(buyers).toEqual(["other-1", "other-2", "other-3", "other-4"])
      }).pipe(Effect.provide(store())))

    it.live("retry options bound the attempts: { times: 2 } decides 3 times", () =>
      Effect.gen(function* () {
        let attempts = 0
        const Unlucky = Command.make({
          name: "Unlucky2",
          input: Schema.Struct({}),
          model: () => seatsBooked("c1"),
          decide: () =>
            Effect.gen(function* () {
              attempts++
              yield* EventStore.append([SeatBooked.make({ concertId: "c1", buyer: `other-${attempts}` })])
              return [SeatBooked.make({ concertId: "c1", buyer: "me" })]
            }),
          retry: { times: 2, base: "1 millis" }
        })
        const error = yield* Effect.flip(Command.run(Unlucky, {}))
        assert(error._tag === "CommandConflict")
        expect([error.attempts, attempts]).toEqual([3, 3])
      }).pipe(Effect.provide(store())))

    it.effect("an idempotency key makes a repeated run return the first result and write nothing", () =>
      Effect.gen(function* () {
        const first = yield* Command.run(BookSeat, { concertId: "c1", buyer: "ann" }, { idempotencyKey: "req-1" })
        const again = yield* Command.run(BookSeat, { concertId: "c1", buyer: "ann" }, { idempotencyKey: "req-1" })
        expect(again.replayed).toBe(true)
        expect(again.position).toBe(first.position)
        expect(again.events).toEqual(first.events)
        expect(yield* allEvents).toHaveLength(1)
        expect(first.events[0]!.metadata!["idempotencyKey"]).toBe("req-1")
        // a fresh key books again
        const other = yield* Command.run(BookSeat, { concertId: "c1", buyer: "ann" }, { idempotencyKey: "req-2" })
        expect(other.replayed).toBe(false)
        expect(yield* allEvents).toHaveLength(2)
      }).pipe(Effect.provide(store())))

    it.effect("a replay returns the first result even when deciding again would now fail", () =>
      Effect.gen(function* () {
        const results = []
        for (const buyer of ["a", "b", "c"]) {
          results.push(yield* Command.run(BookSeat, { concertId: "c1", buyer }, { idempotencyKey: `k-${buyer}` }))
        }
        // sold out now, but the retried request for "c" still gets its result
        const again = yield* Command.run(BookSeat, { concertId: "c1", buyer: "c" }, { idempotencyKey: "k-c" })
        expect(again.replayed).toBe(true)
        expect(again.position).toBe(results[2]!.position)
      }).pipe(Effect.provide(store())))

    it.live("concurrent runs with the same idempotency key write once and all return that write", () =>
      Effect.gen(function* () {
        const results = yield* Effect.forEach(
          Array.from({ length: 10 }),
          () => Command.run(BookSeat, { concertId: "c1", buyer: "ann" }, { idempotencyKey: "same" }),
          { concurrency: "unbounded" }
        )
        expect(yield* allEvents).toHaveLength(1)
        expect(new Set(results.map((r) => r.position)).size).toBe(1)
        expect(results.filter((r) => !r.replayed)).toHaveLength(1)
      }).pipe(Effect.provide(contended(store()))))

    it.live("the limiter fails runs beyond maxInFlight at once with Overloaded, and frees its slots", () =>
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const entered = yield* Deferred.make<void>()
        const Slow = Command.make({
          name: "Slow",
          input: Schema.Struct({ buyer: Schema.String }),
          model: () => seatsBooked("c1"),
          decide: (_, { buyer }) =>
            Deferred.succeed(entered, undefined).pipe(
              Effect.andThen(Deferred.await(gate)),
              Effect.as([SeatBooked.make({ concertId: "c1", buyer })])
            )
        })
        const first = yield* Effect.forkChild(Command.run(Slow, { buyer: "a" }), { startImmediately: true })
        yield* Deferred.await(entered)
        const rejected = yield* Effect.flip(Command.run(BookSeat, { concertId: "c2", buyer: "b" }))
        assert(rejected._tag === "Overloaded")
        expect(rejected.maxInFlight).toBe(1)
        expect(yield* allEvents).toHaveLength(0)
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(first)
        // the slot is free again, also after a failure
        yield* Effect.flip(Command.run(BookSeat, { concertId: "", buyer: "b" }))
        yield* Command.run(BookSeat, { concertId: "c2", buyer: "b" })
        expect(yield* allEvents).toHaveLength(2)
      }).pipe(Effect.provide(Layer.mergeAll(store(), Command.layerLimiter({ maxInFlight: 1 })))))

    it.live("the limiter lets at most N of many concurrent runs in, and fails the rest at once", () =>
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const Held = Command.make({
          name: "Held",
          input: Schema.Struct({ buyer: Schema.String }),
          model: () => seatsBooked("c9"),
          decide: (_, { buyer }) => Effect.as(Deferred.await(gate), [SeatBooked.make({ concertId: `x-${buyer}`, buyer })])
        })
        const fibers = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, i) => `b${i}`),
          (buyer) => Effect.forkChild(Effect.result(Command.run(Held, { buyer })), { startImmediately: true })
        )
        yield* Deferred.succeed(gate, undefined)
        const results = yield* Fiber.joinAll(fibers)
        expect(results.filter((r) => r._tag === "Success")).toHaveLength(4)
        const failures = results.flatMap((r) => (r._tag === "Failure" ? [r.failure._tag] : []))
        expect(failures).toEqual(Array(6).fill("Overloaded"))
      }).pipe(Effect.provide(Layer.mergeAll(store(), Command.layerLimiter({ maxInFlight: 4 })))))

    it.effect("each run has a span named for the command", () =>
      Effect.gen(function* () {
        const spans: Array<string> = []
        const tracer = Tracer.make({
          span: (options) => {
            spans.push(options.name)
            return Tracer.nativeTracer.span(options)
          }
        })
        yield* Command.run(BookSeat, { concertId: "c1", buyer: "ann" }).pipe(Effect.provideService(Tracer.Tracer, tracer))
        expect(spans).toContain("Command.run BookSeat")
        expect(spans).toContain("DecisionModel.read")
      }).pipe(Effect.provide(store())))
  })
}

describe("Command.make", () => {
  it("rejects an empty name", () => {
    expect(() =>
      Command.make({ name: "", input: Schema.Struct({}), model: () => seatsBooked("c"), decide: () => Effect.succeed([]) })
    ).toThrow(TypeError)
  })
})

import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import * as Command from "fairway/Module/Command"
import * as ViewStore from "fairway/Module/ViewStore"
import { Boundaries, Demo } from "fairway/Studio"

const Claimed = Event.define("Claimed", {
  payload: Schema.Struct({ slot: Schema.String, by: Schema.String }),
  tags: (p) => [`slot:${p.slot}`]
})

const slot = (id: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Claimed.type], tags: [`slot:${id}`] }),
    initial: 0,
    events: [Claimed],
    evolve: (n) => n + 1
  })

/** Appends one more claim of a slot (never rejects): concurrent runs conflict and retry. */
const Claim = Command.make({
  name: "Claim",
  input: Schema.Struct({ slot: Schema.String, by: Schema.String }),
  model: ({ slot: id }) => slot(id),
  decide: (_, input) => Effect.succeed([Claimed.make(input)])
})

const recorded = (options?: Boundaries.Options) => Boundaries.layer(options).pipe(Layer.provideMerge(Memory.layer()))

describe("Boundaries", () => {
  it.live("records each attempt of a run that conflicted: the query, the after position, the conflicting event", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const log = yield* Boundaries.BoundaryLog
      // two runs that read the same (empty) slot, then append: the second append conflicts with the first
      const racing = EventStore.EventStore.of(Demo.interleaved(store))
      const [a, b] = yield* Effect.all([
        Command.run(Claim, { slot: "s1", by: "a" }),
        Command.run(Claim, { slot: "s1", by: "b" })
      ], { concurrency: "unbounded" }).pipe(Effect.provideService(EventStore.EventStore, racing))
      yield* log.flush
      const loser = a.attempts > 1 ? a : b
      const winner = a.attempts > 1 ? b : a
      expect(loser.attempts).toBe(2)
      const records = yield* log.list()
      const first = records.find((r) => r.outcome === "conflict")!
      expect(first).toMatchObject({
        command: "Claim",
        attempt: 1,
        query: { _tag: "Items", items: [{ types: ["Claimed"], tags: ["slot:s1"] }] },
        conflictingPosition: winner.position
      })
      expect(first.after).toBeUndefined() // it read nothing
      const run = yield* log.run(first.sequence)
      expect(run.map((r) => [r.attempt, r.outcome])).toEqual([[1, "conflict"], [2, "appended"]])
      expect(run[1]!.after).toBe(winner.position)
      expect(run[1]!.position).toBe(loser.position)
      expect(run[1]!.appended).toEqual([{ type: "Claimed", tags: ["slot:s1"] }])
    }).pipe(Effect.provide(recorded())))

  it.live("records every append condition of a dependent decision model, and which one failed", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const log = yield* Boundaries.BoundaryLog
      // reads slot a, then the slot named by how many claims a has ("b0"): two reads, two conditions
      const Chained = Command.make({
        name: "Chained",
        input: Schema.Struct({}),
        model: () => DecisionModel.andThen(slot("a"), (n) => slot(`b${n}`)),
        decide: () => Effect.succeed([Claimed.make({ slot: "c", by: "chained" })])
      })
      yield* store.append([Claimed.make({ slot: "x", by: "seed" })])
      // an append to the second read's slot lands between the read and the append of the first attempt
      const racing = EventStore.EventStore.of({
        ...store,
        append: (events, options) =>
          Effect.andThen(
            events[0]!.metadata?.["command"] === "Chained" && options?.conditions?.length === 2 && !raced
              ? Effect.andThen(Effect.sync(() => (raced = true)), store.append([Claimed.make({ slot: "b0", by: "other" })]))
              : Effect.void,
            store.append(events, options)
          )
      })
      let raced = false
      const result = yield* Command.run(Chained, {}).pipe(Effect.provideService(EventStore.EventStore, racing))
      yield* log.flush
      expect(result.attempts).toBe(2)
      const [appended, conflicted] = yield* log.list()
      expect(conflicted).toMatchObject({ attempt: 1, outcome: "conflict", conflictingCondition: 1, conflictingPosition: 2n })
      expect(conflicted!.conditions!.map((c) => c.query)).toEqual([
        { _tag: "Items", items: [{ types: ["Claimed"], tags: ["slot:a"] }] },
        { _tag: "Items", items: [{ types: ["Claimed"], tags: ["slot:b0"] }] }
      ])
      expect(appended).toMatchObject({ attempt: 2, outcome: "appended" })
      expect(appended!.conditions![1]!.after).toBe(2n)
    }).pipe(Effect.provide(recorded())))

  it.effect("keeps the last `capacity` records, newest first", () =>
    Effect.gen(function* () {
      const log = yield* Boundaries.BoundaryLog
      for (let i = 0; i < 12; i++) {
        yield* Command.run(Claim, { slot: `s${i}`, by: "a" })
        if (i % 5 === 0) yield* log.flush
      }
      yield* log.flush
      const records = yield* log.list()
      expect(records.map((r) => r.sequence)).toEqual([12, 11, 10, 9, 8])
      expect(records[0]!.appended[0]!.tags).toEqual(["slot:s11"])
      const views = yield* ViewStore.ViewStore
      expect((yield* views.list(Boundaries.keyspace, 0)).length).toBe(5)
    }).pipe(Effect.provide(recorded({ capacity: 5 }))))

  it.effect("records a rejected decision and a run that appended nothing", () =>
    Effect.gen(function* () {
      const Reject = Command.make({
        name: "Reject",
        input: Schema.Struct({}),
        model: () => slot("x"),
        decide: () => Effect.fail(new Demo.CourseFull({ courseId: "x" }))
      })
      const Nothing = Command.make({ name: "Nothing", input: Schema.Struct({}), model: () => slot("x"), decide: () => Effect.succeed([]) })
      yield* Effect.exit(Command.run(Reject, {}))
      yield* Command.run(Nothing, {})
      const log = yield* Boundaries.BoundaryLog
      yield* log.flush
      const [nothing, rejected] = yield* log.list()
      expect(nothing).toMatchObject({ command: "Nothing", outcome: "nothing", appendedCount: 0 })
      expect(rejected).toMatchObject({ command: "Reject", outcome: "failed", error: "CourseFull: course x is full" })
    }).pipe(Effect.provide(recorded())))

  it.effect("keeps a record within its byte bound: the appended events of a very large append are counted, not kept", () =>
    Effect.gen(function* () {
      const tags = (i: number) => Array.from({ length: 16 }, (_, t) => `${"t".repeat(200)}:${i}:${t}`)
      const Big = Command.make({
        name: "Big",
        input: Schema.Struct({}),
        model: () => slot("big"),
        decide: () => Effect.succeed(Array.from({ length: 30 }, (_, i) => Event.make("Big", tags(i))))
      })
      yield* Command.run(Big, {})
      const log = yield* Boundaries.BoundaryLog
      yield* log.flush
      const [record] = yield* log.list()
      expect(record).toMatchObject({ command: "Big", outcome: "appended", appendedCount: 30, appended: [] })
      expect(record!.error).toContain(`record over ${Boundaries.maxRecordBytes} bytes`)
      const views = yield* ViewStore.ViewStore
      const stored = yield* views.list(Boundaries.keyspace, 0)
      expect(stored.length).toBe(1)
      expect(stored[0]![1].byteLength).toBeLessThanOrEqual(Boundaries.maxRecordBytes)
    }).pipe(Effect.provide(recorded())))

  it.live("two processes recording into one store under injected faults: no record lost, none duplicated", () =>
    Effect.gen(function* () {
      // two recorders (two processes) on the same simulated FoundationDB, with conflicts and unknown commit results
      const one = yield* Layer.build(Boundaries.layer({ flushEvery: "5 millis" }))
      const two = yield* Layer.build(Boundaries.layer({ flushEvery: "5 millis" }))
      const runIn = (context: typeof one, i: number) =>
        Command.run(Claim, { slot: `s${i % 3}`, by: `p${i}` }).pipe(Effect.provide(context), Effect.retry({ times: 50 }))
      const fiber = yield* Effect.forkChild(Effect.all(
        Array.from({ length: 40 }, (_, i) => runIn(i % 2 === 0 ? one : two, i)),
        { concurrency: 8 }
      ))
      const results = yield* Fiber.join(fiber)
      const attempts = results.reduce((n, r) => n + r.attempts, 0)
      yield* Effect.provide(Effect.flatMap(Boundaries.BoundaryLog, (l) => l.flush), one)
      yield* Effect.provide(Effect.flatMap(Boundaries.BoundaryLog, (l) => l.flush), two)
      const records = yield* Effect.provide(Effect.flatMap(Boundaries.BoundaryLog, (l) => l.list({ limit: 1000 })), one)
      const sequences = records.map((r) => r.sequence).sort((x, y) => x - y)
      // every attempt that ended (appended, or conflicted and retried) is recorded once
      expect(records.filter((r) => r.outcome === "appended" || r.outcome === "replayed").length).toBe(40)
      expect(new Set(sequences).size).toBe(sequences.length)
      expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1))
      expect(records.length).toBeGreaterThanOrEqual(attempts)
      expect(new Set(records.map((r) => r.process)).size).toBe(2)
    }).pipe(Effect.scoped, Effect.provide(Simulated.layer({ seed: 7, faults: true }))), { timeout: 60_000 })
})

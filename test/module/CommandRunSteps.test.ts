/**
 * `Command.run` builds a run's first attempt in its first step, and looks its
 * optional services up once per run: what its model throws is still a defect
 * of the run (counted as a failed run, nothing written), with or without a
 * limiter; a conflict that outlives the retries is still a `CommandConflict`;
 * services provided around one run apply to that run only.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Metric, Schema, Stream } from "effect"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Command, DecisionCache } from "fairway/Module"

const isolatedMetrics = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())
const counter = (metric: Metric.Metric<number, Metric.CounterState<number>>, command: string) =>
  Effect.map(Metric.value(Metric.withAttributes(metric, { command })), (s) => s.count)
const allEvents = Stream.runCollect(EventStore.read(Query.all()))

const deposits = (account: string) =>
  DecisionModel.makeRaw({ query: Query.item({ types: ["Deposited"], tags: [account] }), initial: 0, evolve: (n: number) => n + 1 })

const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ account: Schema.String }),
  model: ({ account }) => {
    if (account === "boom") throw new Error("no model for boom")
    return deposits(account)
  },
  decide: (n, { account }) =>
    Effect.succeed([{ type: "Deposited", tags: [account], data: new TextEncoder().encode(`{"n":${n}}`) }]),
  retry: { times: 2, base: "1 millis", jitter: false }
})

describe("Command.run steps", () => {
  for (const limited of [false, true]) {
    it.effect(`a model that throws is a defect of the run, counted as a failed run${limited ? " (with a limiter)" : ""}`, () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(Command.run(Deposit, { account: "boom" }))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          const defect = Cause.squash(exit.cause)
          expect(Cause.hasDies(exit.cause)).toBe(true)
          expect((defect as Error).message).toBe("no model for boom")
        }
        expect(yield* counter(Command.metrics.runs, "Deposit")).toBe(1)
        expect(yield* counter(Command.metrics.failures, "Deposit")).toBe(1)
        expect(yield* allEvents).toHaveLength(0)
        // the next run is unaffected
        const ok = yield* Command.run(Deposit, { account: "a" })
        expect(ok.attempts).toBe(1)
        expect(yield* counter(Command.metrics.runs, "Deposit")).toBe(2)
        expect(yield* counter(Command.metrics.failures, "Deposit")).toBe(1)
      }).pipe(
        isolatedMetrics,
        Effect.provide(EventStore.layerMemory),
        limited ? Effect.provide(Command.layerLimiter({ maxInFlight: 4 })) : (effect) => effect
      ))
  }

  it.live("a conflict on every attempt is a CommandConflict after the retries, counted once as a failed run", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      // a store whose conditional appends always find a newer matching event
      const conflicting: EventStore.EventStoreShape = {
        ...store,
        append: (events, options) =>
          Effect.flatMap(store.append([{ type: "Deposited", tags: ["a"], data: new Uint8Array() }]), () => store.append(events, options))
      }
      const error = yield* Effect.flip(
        Effect.provideService(Command.run(Deposit, { account: "a" }), EventStore.EventStore, conflicting)
      )
      expect(error).toBeInstanceOf(Command.CommandConflict)
      expect((error as Command.CommandConflict).attempts).toBe(3)
      expect(yield* counter(Command.metrics.conflicts, "Deposit")).toBe(3)
      expect(yield* counter(Command.metrics.retries, "Deposit")).toBe(2)
      expect(yield* counter(Command.metrics.failures, "Deposit")).toBe(1)
    }).pipe(isolatedMetrics, Effect.provide(EventStore.layerMemory)))

  it.effect("services provided around one run apply to that run only", () =>
    Effect.gen(function* () {
      const cache = yield* DecisionCache.make({ maxEntries: 16 })
      const seen: Array<number> = []
      const observer = Command.AttemptObserver.of({ observe: (attempt) => Effect.sync(() => void seen.push(attempt.attempt)) })
      yield* Command.run(Deposit, { account: "a" }).pipe(
        Effect.provideService(Command.AttemptObserver, observer),
        Effect.provideService(DecisionCache.DecisionCache, cache)
      )
      yield* Command.run(Deposit, { account: "a" })
      expect(seen).toEqual([1])
      const stored = yield* allEvents
      expect(stored.map((e) => new TextDecoder().decode(e.data))).toEqual([`{"n":0}`, `{"n":1}`])
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

/**
 * Fairway backends: any layer providing the `EventStore` service, driven by
 * Effect programs the way a user writes them (a loop in `Effect.gen`,
 * concurrent writers with `Effect.forEach`, reads folded with
 * `Stream.runFold`). The memory layer and the FoundationDB layer share this
 * code; each is one entry in `bench/backends/index.ts`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import type * as Event from "fairway/Dcb/Event"
import * as DecisionModel from "fairway/Dcb/DecisionModel"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import type * as SequencePosition from "fairway/Dcb/SequencePosition"
import * as Command from "fairway/Module/Command"
import * as DecisionCache from "fairway/Module/DecisionCache"
import {
  type Backend,
  type BenchEvent,
  type BenchQuery,
  COMMAND_EVENT_TYPE,
  type CommandPlan,
  type CommandResult,
  type ModuleOptions,
  payload,
  type ReadResult,
  type Store
} from "./Backend.ts"

const toNewEvent = (e: BenchEvent): Event.NewEvent => ({ type: e.type, tags: e.tags, data: e.data })

const toQuery = (q: BenchQuery): Query.Query =>
  q._tag === "Tag" ? Query.fromItems([{ tags: [q.tag] }]) : Query.fromItems([{ types: [q.type] }])

interface Fold {
  count: number
  last: SequencePosition.SequencePosition | undefined
}

const fold = (acc: Fold, e: Event.SequencedEvent): Fold => {
  acc.count++
  acc.last = e.position
  return acc
}

/**
 * One command, written directly on the `EventStore` service: read the
 * decision query, fold it, decide, append under
 * `{ failIfEventsMatch: query, after: last position read }`, retry on
 * `AppendConditionFailed`.
 *
 * @since 0.1.0
 */
export const command = (
  store: EventStore.EventStoreShape,
  tag: string,
  maxAttempts: number,
  deadline: number,
  stats: { successes: number; conditionFailures: number; retries: number; gaveUp: number }
): Effect.Effect<void, EventStore.AppendError | EventStore.ReadError> =>
  Effect.gen(function*() {
    const query = Query.fromItems([{ types: [COMMAND_EVENT_TYPE], tags: [tag] }])
    for (let attempt = 1;; attempt++) {
      const state = yield* Stream.runFold(store.read(query), (): Fold => ({ count: 0, last: undefined }), fold)
      // decide: deposit (the balance is state.count; no business rule rejects here)
      const event: Event.NewEvent = { type: COMMAND_EVENT_TYPE, tags: [tag], data: payload(state.count) }
      const appended = yield* store.append([event], {
        condition: { failIfEventsMatch: query, after: state.last }
      }).pipe(
        Effect.as(true),
        Effect.catchTag("AppendConditionFailed", () => Effect.succeed(false))
      )
      if (appended) {
        stats.successes++
        return
      }
      stats.conditionFailures++
      if (attempt >= maxAttempts || performance.now() > deadline + 1000) {
        stats.gaveUp++
        return
      }
      stats.retries++
    }
  })

/** Runs `plan.writers` concurrent writers, each running `one` per tag until `plan.perWriter` or the deadline. */
const runWriters = <E, R>(plan: CommandPlan, one: (tag: string) => Effect.Effect<void, E, R>) => {
  let commands = 0
  return Effect.forEach(
    Array.from({ length: plan.writers }, (_, w) => w),
    (w) =>
      Effect.gen(function*() {
        for (let i = 0; i < plan.perWriter; i++) {
          if (performance.now() > plan.deadline) return
          yield* one(plan.tagOf(w, i))
          commands++
        }
      }),
    { concurrency: plan.writers, discard: true }
  ).pipe(Effect.map(() => commands))
}

/**
 * The command of scenario 3 declared with `Command.make` (a raw decision
 * model counting the tag's deposits), with its default retry schedule
 * (8 retries, jittered exponential backoff from 2 ms, capped at 100 ms).
 *
 * @since 0.1.0
 */
export const depositCommand = (name: string) =>
  Command.make({
    name,
    input: Schema.Struct({ tag: Schema.String }),
    model: ({ tag }) =>
      DecisionModel.makeRaw({
        query: Query.fromItems([{ types: [COMMAND_EVENT_TYPE], tags: [tag] }]),
        initial: 0,
        evolve: (n: number) => n + 1
      }),
    decide: (count, { tag }) => Effect.succeed([{ type: COMMAND_EVENT_TYPE, tags: [tag], data: payload(count) }])
  })

/** A tracer that keeps the spans it made in a bounded buffer: an exporter's share of the work, without the I/O. */
const sinkTracer = (): Tracer.Tracer => {
  const sink: Array<Tracer.Span> = []
  return Tracer.make({
    span: (options) => {
      const span = Tracer.nativeTracer.span(options)
      if (sink.length >= 1024) sink.length = 0
      sink.push(span)
      return span
    }
  })
}

/**
 * Scenario 3's commands through `Command.run` (`plan.maxAttempts` does not
 * apply: the command's retry schedule does): inside one Effect program, or
 * one `runPromise` per command; with or without a `DecisionCache`.
 *
 * @since 0.1.0
 */
const moduleCommands = async (
  runPromise: <A>(effect: Effect.Effect<A, unknown, EventStore.EventStore>) => Promise<A>,
  plan: CommandPlan,
  options: ModuleOptions | undefined
): Promise<CommandResult> => {
  const Deposit = depositCommand("Deposit")
  const stats = { successes: 0, conditionFailures: 0, retries: 0, gaveUp: 0 }
  const cache = options?.cache === true ? Effect.runSync(DecisionCache.make({ maxEntries: 10_000 })) : undefined
  const one = (tag: string) =>
    cache === undefined
      ? Command.run(Deposit, { tag })
      : Effect.provideService(Command.run(Deposit, { tag }), DecisionCache.DecisionCache, cache)
  if (options?.caller === "promise") {
    let commands = 0
    await Promise.all(Array.from({ length: plan.writers }, async (_, w) => {
      for (let i = 0; i < plan.perWriter; i++) {
        if (performance.now() > plan.deadline) return
        try {
          await runPromise(one(plan.tagOf(w, i)))
          stats.successes++
        } catch {
          stats.gaveUp++
        }
        commands++
      }
    }))
    return { commands, ...stats }
  }
  const writers = runWriters(plan, (tag) =>
    one(tag).pipe(
      Effect.match({ onSuccess: () => stats.successes++, onFailure: () => stats.gaveUp++ }),
      Effect.asVoid
    ))
  const commands = await runPromise(options?.traced === true ? Effect.withTracer(writers, sinkTracer()) : writers)
  return { commands, ...stats }
}

/**
 * A Fairway backend over a layer that provides the `EventStore` (and possibly
 * more services, which `counters` may use).
 *
 * @since 0.1.0
 */
export const make = <X = never>(options: {
  readonly name: string
  readonly layer: () => Layer.Layer<EventStore.EventStore | X, unknown>
  readonly counters?: Effect.Effect<Record<string, number>, unknown, EventStore.EventStore | X>
  readonly keys?: Effect.Effect<Record<string, number>, unknown, EventStore.EventStore | X>
  /** Scenario 5's catch-up, when the layer also provides a view store. */
  readonly viewCatchUp?: Effect.Effect<number, unknown, EventStore.EventStore | X>
  readonly maxEvents?: number
  readonly maxEventsQuick?: number
  readonly measureHeap?: boolean
}): Backend => ({
  name: options.name,
  kind: "fairway",
  ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
  ...(options.maxEventsQuick !== undefined ? { maxEventsQuick: options.maxEventsQuick } : {}),
  ...(options.measureHeap !== undefined ? { measureHeap: options.measureHeap } : {}),
  open: async () => {
    const runtime = ManagedRuntime.make(options.layer())
    const store = await runtime.runPromise(Effect.service(EventStore.EventStore))
    const run = <A>(effect: Effect.Effect<A, unknown, EventStore.EventStore | X>): Promise<A> => runtime.runPromise(effect)
    const result: Store = {
      appendEach: (events, deadline) =>
        run(Effect.gen(function*() {
          let i = 0
          for (; i < events.length; i++) {
            if ((i & 255) === 0 && performance.now() > deadline) break
            yield* store.append([toNewEvent(events[i]!)])
          }
          return i
        })),
      appendBatches: (batches, deadline) =>
        run(Effect.gen(function*() {
          let n = 0
          for (const batch of batches) {
            if (performance.now() > deadline) break
            yield* store.append(batch.map(toNewEvent))
            n += batch.length
          }
          return n
        })),
      load: (batches) =>
        run(Effect.gen(function*() {
          for (const batch of batches) yield* store.append(batch.map(toNewEvent))
        })),
      read: (q, reps, deadline) =>
        run(Effect.gen(function*() {
          const query = toQuery(q)
          const samples: Array<number> = []
          let count = 0
          for (let r = 0; r < reps; r++) {
            if (r > 0 && performance.now() > deadline) break
            const t0 = performance.now()
            const acc = yield* Stream.runFold(store.read(query), (): Fold => ({ count: 0, last: undefined }), fold)
            samples.push(performance.now() - t0)
            count = acc.count
          }
          return { samples, count } satisfies ReadResult
        })),
      commands: (plan: CommandPlan) =>
        run(Effect.gen(function*() {
          const stats = { successes: 0, conditionFailures: 0, retries: 0, gaveUp: 0 }
          const commands = yield* runWriters(plan, (tag) => command(store, tag, plan.maxAttempts, plan.deadline, stats))
          return { commands, ...stats } satisfies CommandResult
        })),
      moduleCommands: (plan, moduleOptions) => moduleCommands(run, plan, moduleOptions),
      close: () => runtime.dispose()
    }
    const counters = options.counters
    const keys = options.keys
    const viewCatchUp = options.viewCatchUp
    return {
      ...result,
      ...(viewCatchUp !== undefined ? { viewCatchUp: () => run(viewCatchUp) } : {}),
      ...(counters !== undefined ? { counters: () => run(counters) } : {}),
      ...(keys !== undefined ? { keys: () => run(keys) } : {})
    }
  }
})

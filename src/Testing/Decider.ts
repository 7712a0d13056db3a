/**
 * Testing a command's decision without a store: given events → decide →
 * expected events or error, as Emmett's `DeciderSpecification` does, beside
 * the store-backed {@link Scenario}.
 *
 * The given events are the whole log. The command's decision model is read
 * from them as the store would read it (its query, its fold, dependent reads
 * included) but from a read-only snapshot in memory: no layer, no append, no
 * append condition, no retries, no idempotency. Use it for the domain rules;
 * use `Scenario.command` for what the store adds (the append condition,
 * concurrency, idempotency keys).
 *
 * @example
 * ```ts partial
 * import { it } from "@effect/vitest"
 * import { Decider } from "fairway/Testing"
 *
 * it.effect("a full course refuses a student", () =>
 *   Decider.test(SubscribeStudentToCourse, {
 *     given: [CourseDefined.make({ courseId: "c1", capacity: 0 })],
 *     when: { studentId: "s1", courseId: "c1" },
 *     thenFails: CourseFull
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as DecisionModel from "../Dcb/DecisionModel.ts"
import type * as Event from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Command from "../Module/Command.ts"
import * as Diff from "./Diff.ts"
import * as Scenario from "./Scenario.ts"

// a fixed clock: the fold is a function of the given events only
const epoch = DateTime.makeUnsafe(0)

/**
 * The given events as a log: positions 1, 2, … in order.
 *
 * @category constructors
 * @since 0.1.0
 */
export const sequence = (given: ReadonlyArray<Event.NewEvent>): ReadonlyArray<Event.SequencedEvent> =>
  given.map((event, i) => ({ ...event, position: SequencePosition.make(i + 1), recordedAt: epoch }))

const readOnly = (): Effect.Effect<never, EventStore.StorageError> =>
  Effect.die(new Error("a decider test reads its given events only: nothing appends or subscribes"))

/**
 * A read-only event store over a fixed log (what a decision model reads in a
 * decider test): reads honour the query and the read options; appending or
 * subscribing is a defect.
 *
 * @category constructors
 * @since 0.1.0
 */
export const snapshot = (log: ReadonlyArray<Event.SequencedEvent>): EventStore.EventStoreShape => ({
  append: () => readOnly(),
  read: (query, options) => {
    let events = log.filter((event) =>
      Query.matches(query, event) &&
      SequencePosition.isAfter(event.position, options?.after) &&
      (options?.before === undefined || event.position < options.before)
    )
    if (options?.backwards === true) events = [...events].reverse()
    if (options?.limit !== undefined) events = events.slice(0, options.limit)
    return Stream.fromIterable(events)
  },
  subscribe: () => Stream.fromEffect(readOnly()),
  head: Effect.succeed(Option.fromNullishOr(log.at(-1)?.position))
})

/**
 * The state a decision model folds from the given events (the whole log).
 *
 * @category running
 * @since 0.1.0
 */
export const evolve = <State>(
  model: DecisionModel.DecisionModel<State>,
  given: ReadonlyArray<Event.NewEvent>
): Effect.Effect<State, Event.EventDecodeError | EventStore.ReadError> =>
  DecisionModel.read(model).pipe(
    Effect.map((result) => result.state),
    Effect.provideService(EventStore.EventStore, snapshot(sequence(given)))
  )

/**
 * A command's decision on the given events: the input decoded through the
 * command's schema (`CommandInputInvalid` otherwise), its decision model
 * folded from the events, then `decide`. Returns the events the command
 * would append (without the metadata a run adds).
 *
 * @category running
 * @since 0.1.0
 */
export const decide = <I extends Command.InputSchema, S, E, R>(
  command: Command.Command<I, S, E, R>,
  given: ReadonlyArray<Event.NewEvent>,
  input: unknown
): Effect.Effect<
  ReadonlyArray<Event.NewEvent>,
  E | Command.CommandInputInvalid | Event.EventDecodeError | EventStore.ReadError,
  R
> =>
  Effect.gen(function*() {
    const decoded = yield* Schema.decodeUnknownEffect(command.input as Command.InputSchema)(input).pipe(
      Effect.mapError((error) =>
        new Command.CommandInputInvalid({ command: command.name, reason: error.message.replace(/\n\s*/g, " ") })
      )
    )
    const state = yield* evolve(command.model(decoded as I["Type"]), given)
    return yield* command.decide(state, decoded as I["Type"])
  })

const matches = <E>(matcher: Scenario.ErrorMatcher<E>, error: unknown): boolean => {
  if (typeof matcher === "string") {
    return typeof error === "object" && error !== null && (error as { readonly _tag?: unknown })._tag === matcher
  }
  if (matcher.prototype !== undefined) return error instanceof (matcher as abstract new(...args: any) => E)
  return (matcher as (e: E) => boolean)(error as E)
}

/**
 * Given events → when an input → then the events the command decides (compared
 * as `Scenario.comparable`: type, tags, payload), or `thenFails` with an
 * error matching a tag, a class or a predicate. Fails with
 * `Diff.AssertionFailed`, showing the difference, when it does not hold.
 * Returns the decided events, or the error.
 *
 * @category running
 * @since 0.1.0
 */
export const test = <I extends Command.InputSchema, S, E, R>(
  command: Command.Command<I, S, E, R>,
  spec:
    & {
      readonly given?: ReadonlyArray<Event.NewEvent> | undefined
      readonly when: unknown
    }
    & (
      | { readonly then: ReadonlyArray<Event.NewEvent>; readonly thenFails?: undefined }
      | {
        readonly thenFails: Scenario.ErrorMatcher<E | Command.CommandInputInvalid>
        readonly then?: undefined
      }
    )
): Effect.Effect<ReadonlyArray<Event.NewEvent> | E | Command.CommandInputInvalid, Diff.AssertionFailed, R> =>
  Effect.gen(function*() {
    const title = `decider ${command.name}`
    const outcome = yield* Effect.result(decide(command, spec.given ?? [], spec.when))
    if (spec.thenFails !== undefined) {
      if (outcome._tag === "Success") {
        return yield* new Diff.AssertionFailed({
          message: `${title}: expected it to fail with ${describe(spec.thenFails)}, but it decided\n` +
            Diff.render(outcome.success.map(Scenario.comparable))
        })
      }
      if (!matches(spec.thenFails, outcome.failure)) {
        return yield* new Diff.AssertionFailed({
          message: `${title}: expected it to fail with ${describe(spec.thenFails)}, but it failed with\n` +
            Diff.render(outcome.failure)
        })
      }
      return outcome.failure as E | Command.CommandInputInvalid // the matcher accepted it
    }
    if (outcome._tag === "Failure") {
      return yield* new Diff.AssertionFailed({
        message: `${title}: expected it to decide events, but it failed with\n` + Diff.render(outcome.failure)
      })
    }
    yield* Diff.expectEqual(
      `${title}: decided events`,
      spec.then!.map(Scenario.comparable),
      outcome.success.map(Scenario.comparable)
    )
    return outcome.success
  })

const describe = (matcher: Scenario.ErrorMatcher<any>): string =>
  typeof matcher === "string" ? matcher : matcher.name !== "" ? matcher.name : "a matching error"

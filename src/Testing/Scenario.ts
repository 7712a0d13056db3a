/**
 * Given / when / then for commands, views and automations, as Effects that
 * run under `@effect/vitest` (`it.effect(name, () => Scenario.command(...))`).
 *
 * Each scenario builds a fresh backend (memory by default; see
 * {@link Backend}), appends the `given` events, runs the module, and checks
 * the outcome. A failed check fails the Effect with an
 * {@link Diff.AssertionFailed} whose message is a readable diff.
 *
 * Events are compared by type, tags (without the `fairway.` tags a command
 * adds) and decoded payload; positions, times and metadata are ignored.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Scenario } from "fairway/Testing"
 *
 * it.effect("a full course refuses a student", () =>
 *   Scenario.command(SubscribeStudent, {
 *     given: [CourseDefined.make({ courseId: "c1", capacity: 0 })],
 *     when: { studentId: "s1", courseId: "c1" },
 *     thenFails: CourseFull
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Event from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import type * as SequencePosition from "../Dcb/SequencePosition.ts"
import * as Automation from "../Module/Automation.ts"
import * as Command from "../Module/Command.ts"
import * as View from "../Module/View.ts"
import * as Backend from "./Backend.ts"
import * as Diff from "./Diff.ts"

/**
 * An event as scenarios compare it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Comparable {
  readonly type: string
  readonly tags: ReadonlyArray<string>
  readonly payload: unknown
}

const decoder = new TextDecoder()

/**
 * An event as scenarios compare it: type, tags without `fairway.` ones
 * (sorted), and the payload parsed from JSON (or the raw text when it is not
 * JSON).
 *
 * @category comparing
 * @since 0.1.0
 */
export const comparable = (event: Event.NewEvent): Comparable => {
  const text = decoder.decode(event.data)
  let payload: unknown = text
  try {
    payload = text === "" ? undefined : JSON.parse(text)
  } catch {
    // not JSON: compare the text
  }
  return { type: event.type, tags: event.tags.filter((t) => !t.startsWith("fairway.")).sort(), payload }
}

/**
 * Options every scenario takes.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Where to run (default {@link Backend.fromEnv}: memory). */
  readonly backend?: Backend.Backend | undefined
}

/**
 * How to recognise the expected failure: its tag, its class, or a predicate.
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorMatcher<E> =
  | string
  | (abstract new(...args: any) => E)
  | ((error: E) => boolean)

/**
 * How {@link command} recognises the expected failure: one of the command's
 * error tags (a tag the command cannot fail with does not compile), one of
 * its error classes, or a predicate.
 *
 * @category models
 * @since 0.1.0
 */
export type TypedErrorMatcher<E> =
  | TagOf<E>
  | (abstract new(...args: any) => E)
  | ((error: E) => boolean)

/**
 * The `_tag`s of an error union.
 *
 * @category models
 * @since 0.1.0
 */
export type TagOf<E> = E extends { readonly _tag: infer T extends string } ? T : never

const matches = <E>(matcher: ErrorMatcher<E>, error: unknown): boolean => {
  if (typeof matcher === "string") {
    return typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === matcher
  }
  if (typeof matcher === "function" && matcher.prototype !== undefined && error instanceof matcher) return true
  if (typeof matcher === "function" && matcher.prototype === undefined) return (matcher as (e: E) => boolean)(error as E)
  return false
}

const describeMatcher = (matcher: ErrorMatcher<any>): string =>
  typeof matcher === "string" ? matcher : typeof matcher === "function" && matcher.name !== "" ? matcher.name : "a matching error"

const describeError = (error: unknown): unknown =>
  typeof error === "object" && error !== null
    ? { _tag: (error as { _tag?: unknown })._tag, message: (error as { message?: unknown }).message, ...error }
    : error

const readAll = Effect.flatMap(EventStore.EventStore, (store) => Stream.runCollect(store.read(Query.all())))

const given = (events: ReadonlyArray<Event.NewEvent> | undefined) =>
  Effect.gen(function*() {
    const store = yield* EventStore.EventStore
    const positions: Array<SequencePosition.SequencePosition> = []
    for (const event of events ?? []) positions.push(yield* store.append([event]))
    return positions
  })

const onBackend = <A, E, R>(options: Options | undefined, effect: Effect.Effect<A, E, R>) => {
  const backend = options?.backend ?? Backend.fromEnv()
  return effect.pipe(
    Effect.provide(backend.layer),
    Effect.mapError((e) =>
      e instanceof Diff.AssertionFailed ? new Diff.AssertionFailed({ message: `[${backend.name}] ${e.message}` }) : e
    )
  )
}

/**
 * Given events, when the command runs with an input, then either these
 * events were appended (`then`) or it failed with this error (`thenFails`).
 * Succeeds with the run's result (or the expected error).
 *
 * @category scenarios
 * @since 0.1.0
 */
export const command = <I extends Command.InputSchema, S, E, R>(
  cmd: Command.Command<I, S, E, R>,
  spec: Options & {
    readonly given?: ReadonlyArray<Event.NewEvent> | undefined
    /** The input, typed by the command's schema (its encoded form). */
    readonly when: NoInfer<I["Encoded"]>
    readonly options?: Command.RunOptions | undefined
  } & (
    | { readonly then: ReadonlyArray<Event.NewEvent>; readonly thenFails?: undefined }
    | { readonly thenFails: TypedErrorMatcher<Command.RunError<E>>; readonly then?: undefined }
  )
): Effect.Effect<Command.Result | Command.RunError<E>, Diff.AssertionFailed | Command.RunError<E>, Exclude<R, Backend.Services>> =>
  onBackend(spec, Effect.gen(function*() {
    const before = yield* given(spec.given)
    const exit = yield* Effect.exit(Command.run(cmd, spec.when, spec.options))
    const after = yield* readAll
    const appended = after.slice(before.length).map(comparable)
    const title = `command ${cmd.name}`
    if (spec.thenFails !== undefined) {
      if (exit._tag === "Success") {
        return yield* new Diff.AssertionFailed({
          message: `${title}: expected it to fail with ${describeMatcher(spec.thenFails)}, but it succeeded and appended\n` +
            Diff.render(appended)
        })
      }
      const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
      if (failure === undefined || !matches(spec.thenFails, failure.error)) {
        return yield* new Diff.AssertionFailed({
          message: `${title}: expected it to fail with ${describeMatcher(spec.thenFails)}, but got\n` +
            (failure === undefined ? String(exit.cause) : Diff.render(describeError(failure.error)))
        })
      }
      yield* Diff.expectEqual(`${title}: a failed command must append nothing`, [], appended)
      return failure.error as Command.RunError<E>
    }
    if (exit._tag === "Failure") {
      const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
      return yield* new Diff.AssertionFailed({
        message: `${title}: expected it to append events, but it failed with\n` +
          (failure === undefined ? String(exit.cause) : Diff.render(describeError(failure.error)))
      })
    }
    yield* Diff.expectEqual(`${title}: appended events`, spec.then!.map(comparable), appended)
    return exit.value
  }) as Effect.Effect<Command.Result | Command.RunError<E>, Diff.AssertionFailed | Command.RunError<E>, R>)

/**
 * Given events, then the view's state for `key` is `then` (`undefined`: no
 * event touched the key). Succeeds with the state.
 *
 * @category scenarios
 * @since 0.1.0
 */
export const view = <S>(
  theView: View.View<S>,
  spec: Options & {
    readonly given: ReadonlyArray<Event.NewEvent>
    readonly key: string
    readonly then: S | undefined
  }
): Effect.Effect<S | undefined, Diff.AssertionFailed | View.ViewError | EventStore.AppendError> =>
  onBackend(spec, Effect.gen(function*() {
    yield* given(spec.given)
    yield* View.catchUp(theView)
    const state = Option.getOrUndefined(yield* View.get(theView, spec.key))
    yield* Diff.expectEqual(`view ${theView.name}, key "${spec.key}"`, spec.then, state)
    return state
  }))

/**
 * A command an automation is expected to trigger: the command's name, and
 * either its idempotency key or the index (in `given`) of the triggering
 * event (the key is then derived from that event's position, plus `suffix`
 * when the handler passes one).
 *
 * @category models
 * @since 0.1.0
 */
export type Triggered =
  | { readonly command: string; readonly idempotencyKey: string }
  | { readonly command: string; readonly causedBy: number; readonly suffix?: string | undefined }

/**
 * Given events, then the automation (handling each given event it
 * subscribes to, in order) triggered these commands with these idempotency
 * keys, read back from the metadata of the events the commands appended.
 * The commands really run, against the same store. Succeeds with what was
 * triggered.
 *
 * @category scenarios
 * @since 0.1.0
 */
export const automation = <E, R>(
  theAutomation: Automation.Automation<E, R>,
  spec: Options & {
    readonly given: ReadonlyArray<Event.NewEvent>
    readonly then: ReadonlyArray<Triggered>
  }
): Effect.Effect<
  ReadonlyArray<{ readonly command: string; readonly idempotencyKey: string }>,
  Diff.AssertionFailed | E | Event.EventDecodeError | EventStore.AppendError | EventStore.ReadError,
  Exclude<R, Backend.Services>
> =>
  onBackend(spec, Effect.gen(function*() {
    const positions = yield* given(spec.given)
    const stored = yield* readAll
    for (const event of stored.slice(0, positions.length)) {
      if (!theAutomation.handles(event)) continue
      yield* theAutomation.handle(event, {
        automation: theAutomation.name,
        event,
        position: event.position,
        attempt: 1,
        idempotencyKey: Automation.idempotencyKey(theAutomation.name, event.position),
        commandOptions: (suffix) => ({
          idempotencyKey: Automation.idempotencyKey(theAutomation.name, event.position, suffix),
          correlationId: event.metadata?.["correlationId"] ?? event.position.toString(),
          causationId: event.position.toString()
        })
      })
    }
    const after = yield* readAll
    const seen = new Set<string>()
    const triggered: Array<{ readonly command: string; readonly idempotencyKey: string }> = []
    for (const event of after.slice(positions.length)) {
      const command = event.metadata?.[Command.metadataKeys.command]
      const key = event.metadata?.[Command.metadataKeys.idempotencyKey] ?? "(none)"
      if (command === undefined || seen.has(`${command}\u0000${key}`)) continue
      seen.add(`${command}\u0000${key}`)
      triggered.push({ command, idempotencyKey: key })
    }
    const expected = spec.then.map((t) =>
      "idempotencyKey" in t
        ? t
        : {
          command: t.command,
          idempotencyKey: Automation.idempotencyKey(theAutomation.name, positions[t.causedBy]!, t.suffix)
        }
    )
    yield* Diff.expectEqual(`automation ${theAutomation.name}: triggered commands`, expected, triggered)
    return triggered
  }) as Effect.Effect<any, any, R>)

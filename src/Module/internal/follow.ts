/**
 * What views and automations share to follow the log: the wait for the next
 * append, and the default backoff between restarts.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as EventStore from "../../Dcb/EventStore.ts"
import * as Query from "../../Dcb/Query.ts"
import type * as SequencePosition from "../../Dcb/SequencePosition.ts"

/**
 * Waits until an event is appended after `head` (at once when one already
 * is): the next round of a consumer that has processed the log up to `head`.
 *
 * @internal
 */
export const awaitAppendAfter = (
  head: Option.Option<SequencePosition.SequencePosition>
): Effect.Effect<void, EventStore.ReadError, EventStore.EventStore> =>
  Effect.flatMap(EventStore.EventStore, (store) =>
    store.subscribe(Query.all(), Option.isSome(head) ? { after: head.value } : undefined).pipe(
      Stream.take(1),
      Stream.runDrain
    ))

/**
 * The default wait between restarts after a failure or a defect: exponential
 * from 100 ms, capped at 10 s.
 *
 * @internal
 */
export const defaultRestart: Schedule.Schedule<unknown, unknown> = Schedule.min([
  Schedule.exponential("100 millis"),
  Schedule.spaced("10 seconds")
])

/**
 * The longest error text kept in a dead letter; longer texts are cut, with
 * their length noted.
 *
 * @internal
 */
export const maxErrorLength = 2_000

const bounded = (text: string): string =>
  text.length <= maxErrorLength ? text : `${text.slice(0, maxErrorLength)}… (${text.length} characters)`

/**
 * A failure as the one line kept in a dead letter: `Tag: message` (bounded).
 *
 * @internal
 */
export const describeError = (error: unknown): string => {
  if (error instanceof Error) return bounded(error.message.length > 0 ? `${error.name}: ${error.message}` : error.name)
  if (typeof error === "object" && error !== null && "_tag" in error) return bounded(String((error as { _tag: unknown })._tag))
  return bounded(String(error))
}

/**
 * A failed cause as the text kept in a dead letter: its first failure, or its
 * first defect (prefixed `defect:`).
 *
 * @internal
 */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) return describeError(failure.error)
  const defect = cause.reasons.find(Cause.isDieReason)
  if (defect !== undefined) return bounded(`defect: ${describeError(defect.defect)}`)
  return bounded(Cause.pretty(cause))
}

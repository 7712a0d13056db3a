/**
 * What views and automations share to follow the log: the wait for the next
 * append, and the default backoff between restarts.
 *
 * @internal
 */
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

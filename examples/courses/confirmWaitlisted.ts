/**
 * Course subscriptions: the automation that confirms waitlisted students
 * when a seat frees.
 *
 * On every unsubscription and capacity change it runs `ConfirmWaitlisted` for
 * the course, with the trigger's command options: the idempotency key is
 * derived from the triggering event's position, so when the automation
 * handles the same event again (after a crash before its checkpoint moved)
 * the command is a no-op and nobody is confirmed twice.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Query } from "fairway/Dcb"
import { Automation, Command, Registry } from "fairway/Module"
import { CourseCapacityChanged, StudentUnsubscribedFromCourse } from "./events.ts"
import { ConfirmWaitlisted } from "./waitlist.ts"

/**
 * The events that may free a seat.
 *
 * @category automations
 * @since 0.1.0
 */
export const seatFreeingEvents = [StudentUnsubscribedFromCourse, CourseCapacityChanged] as const

/**
 * What the automation does with one event: confirm the first waitlisted
 * students of its course.
 *
 * @category automations
 * @since 0.1.0
 */
export const confirmOnSeatFreed = (
  event: { readonly payload: { readonly courseId: string } },
  trigger: Automation.Trigger
) => Effect.asVoid(Command.run(ConfirmWaitlisted, { courseId: event.payload.courseId }, trigger.commandOptions()))

/**
 * Confirms waitlisted students when a seat frees.
 *
 * @category automations
 * @since 0.1.0
 */
export const ConfirmWaitlistedStudents = Registry.register(Automation.make({
  name: "ConfirmWaitlistedStudents",
  query: Query.item({ types: seatFreeingEvents.map((e) => e.type) }),
  events: seatFreeingEvents,
  handle: confirmOnSeatFreed
}))

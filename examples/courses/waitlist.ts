/**
 * Course subscriptions: unsubscribing and the waitlist.
 *
 * A student who finds a course full joins its waitlist; when a seat frees (a
 * student unsubscribes, or the capacity grows) the
 * `ConfirmWaitlistedStudents` automation runs {@link ConfirmWaitlisted},
 * which subscribes the first waitlisted students while seats are free. The
 * confirmation is an ordinary {@link StudentSubscribedToCourse} event, so
 * every projection of subscriptions sees it.
 *
 * {@link courseSeats} is the course's full picture (capacity, students in,
 * waitlist in order); every command here decides on it, so a concurrent
 * subscription, unsubscription or waitlisting on the same course makes the
 * append fail and the command decide again.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "../../src/Dcb/index.ts"
import { Command, Registry } from "../../src/Module/index.ts"
import { CourseNotFound } from "./commands.ts"
import { CourseCapacityChanged, CourseDefined, StudentSubscribedToCourse } from "./events.ts"

// -- events -------------------------------------------------------------------

/**
 * A student left a course: a seat is free.
 *
 * @category events
 * @since 0.1.0
 */
export const StudentUnsubscribedFromCourse = Event.define("StudentUnsubscribedFromCourse", {
  payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
  tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
})

/**
 * A student joined the waitlist of a full course.
 *
 * @category events
 * @since 0.1.0
 */
export const StudentJoinedCourseWaitlist = Event.define("StudentJoinedCourseWaitlist", {
  payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
  tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
})

// -- errors -------------------------------------------------------------------

/** @category errors @since 0.1.0 */
export class NotSubscribed extends Schema.TaggedError<NotSubscribed>()("NotSubscribed", {
  studentId: Schema.String,
  courseId: Schema.String
}) {
  override get message() {
    return `student ${this.studentId} is not subscribed to course ${this.courseId}`
  }
}

/** @category errors @since 0.1.0 */
export class SeatAvailable extends Schema.TaggedError<SeatAvailable>()("SeatAvailable", {
  courseId: Schema.String
}) {
  override get message() {
    return `course ${this.courseId} has a free seat: subscribe instead of joining the waitlist`
  }
}

/** @category errors @since 0.1.0 */
export class AlreadyWaitlisted extends Schema.TaggedError<AlreadyWaitlisted>()("AlreadyWaitlisted", {
  studentId: Schema.String,
  courseId: Schema.String
}) {
  override get message() {
    return `student ${this.studentId} is already subscribed to or waiting for course ${this.courseId}`
  }
}

// -- decision model -----------------------------------------------------------

/**
 * The events that change a course's seats and waitlist.
 *
 * @category models
 * @since 0.1.0
 */
export const seatEvents = [
  CourseDefined,
  CourseCapacityChanged,
  StudentSubscribedToCourse,
  StudentUnsubscribedFromCourse,
  StudentJoinedCourseWaitlist
] as const

/**
 * A course's seats: whether it exists, its capacity, the students in it and
 * the waitlist (first come, first served).
 *
 * @category models
 * @since 0.1.0
 */
export interface Seats {
  readonly exists: boolean
  readonly capacity: number
  readonly students: ReadonlyArray<string>
  readonly waitlist: ReadonlyArray<string>
}

/**
 * The next {@link Seats} after one event (shared by the decision model and,
 * as a pure function, by the availability view).
 *
 * @category models
 * @since 0.1.0
 */
export const evolveSeats = (state: Seats, event: Event.DecodedOf<(typeof seatEvents)[number]>): Seats => {
  switch (event.type) {
    case "CourseDefined":
      return { ...state, exists: true, capacity: event.payload.capacity }
    case "CourseCapacityChanged":
      return { ...state, capacity: event.payload.newCapacity }
    case "StudentSubscribedToCourse":
      return {
        ...state,
        students: [...state.students, event.payload.studentId],
        waitlist: state.waitlist.filter((s) => s !== event.payload.studentId)
      }
    case "StudentUnsubscribedFromCourse":
      return { ...state, students: state.students.filter((s) => s !== event.payload.studentId) }
    case "StudentJoinedCourseWaitlist":
      return { ...state, waitlist: [...state.waitlist, event.payload.studentId] }
  }
}

/**
 * The seats of one course, as a decision model.
 *
 * @category models
 * @since 0.1.0
 */
export const courseSeats = (courseId: string) =>
  DecisionModel.make({
    query: Query.item({ types: seatEvents.map((e) => e.type), tags: [`course:${courseId}`] }),
    initial: { exists: false, capacity: 0, students: [], waitlist: [] } as Seats,
    events: seatEvents,
    evolve: evolveSeats
  })

// -- commands -----------------------------------------------------------------

const Ids = Schema.Struct({ studentId: Schema.NonEmptyString, courseId: Schema.NonEmptyString })

/**
 * A student leaves a course, freeing a seat.
 *
 * @category commands
 * @since 0.1.0
 */
export const UnsubscribeStudentFromCourse = Registry.register(Command.make({
  name: "UnsubscribeStudentFromCourse",
  input: Ids,
  model: ({ courseId }) => courseSeats(courseId),
  decide: (seats, { courseId, studentId }) => {
    if (!seats.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (!seats.students.includes(studentId)) return Effect.fail(new NotSubscribed({ studentId, courseId }))
    return Effect.succeed([StudentUnsubscribedFromCourse.make({ studentId, courseId })])
  },
  retry: { times: 20 }
}))

/**
 * A student joins the waitlist of a full course.
 *
 * @category commands
 * @since 0.1.0
 */
export const JoinCourseWaitlist = Registry.register(Command.make({
  name: "JoinCourseWaitlist",
  input: Ids,
  model: ({ courseId }) => courseSeats(courseId),
  decide: (seats, { courseId, studentId }) => {
    if (!seats.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (seats.students.includes(studentId) || seats.waitlist.includes(studentId)) {
      return Effect.fail(new AlreadyWaitlisted({ studentId, courseId }))
    }
    if (seats.students.length < seats.capacity) return Effect.fail(new SeatAvailable({ courseId }))
    return Effect.succeed([StudentJoinedCourseWaitlist.make({ studentId, courseId })])
  },
  retry: { times: 20 }
}))

/**
 * Subscribes the first waitlisted students of a course while it has free
 * seats (nothing when it is full or nobody waits). Run by the
 * `ConfirmWaitlistedStudents` automation.
 *
 * @category commands
 * @since 0.1.0
 */
export const ConfirmWaitlisted = Registry.register(Command.make({
  name: "ConfirmWaitlisted",
  input: Schema.Struct({ courseId: Schema.NonEmptyString }),
  model: ({ courseId }) => courseSeats(courseId),
  decide: (seats, { courseId }) => {
    if (!seats.exists) return Effect.fail(new CourseNotFound({ courseId }))
    const free = Math.max(0, seats.capacity - seats.students.length)
    return Effect.succeed(
      seats.waitlist.slice(0, free).map((studentId) => StudentSubscribedToCourse.make({ studentId, courseId }))
    )
  },
  retry: { times: 20 }
}))

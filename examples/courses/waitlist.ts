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
 * Every command here decides on the course's one projection,
 * {@link courseState} (shared with the subscription commands), so a
 * concurrent subscription, unsubscription or waitlisting on the same course
 * makes the append fail and the command decide again.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import {
  CourseNotFound,
  courseState,
  load,
  maxCoursesPerStudent,
  seatsFor,
  studentCourses,
  TooManyCourses
} from "./commands.ts"
import { StudentJoinedCourseWaitlist, StudentSubscribedToCourse, StudentUnsubscribedFromCourse } from "./events.ts"

/**
 * The events moved to `events.ts`; re-exported for older imports.
 *
 * @category events
 * @since 0.1.0
 */
export { StudentJoinedCourseWaitlist, StudentUnsubscribedFromCourse } from "./events.ts"

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
  model: ({ courseId }) => courseState(courseId),
  decide: (course, { courseId, studentId }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (!course.students.includes(studentId)) return Effect.fail(new NotSubscribed({ studentId, courseId }))
    return Effect.succeed([StudentUnsubscribedFromCourse.make({ studentId, courseId })])
  },
  retry: { times: 20 }
}))

/**
 * A student joins the waitlist of a full course (a place on a waitlist counts
 * towards the student's {@link maxCoursesPerStudent}).
 *
 * @category commands
 * @since 0.1.0
 */
export const JoinCourseWaitlist = Registry.register(Command.make({
  name: "JoinCourseWaitlist",
  input: Ids,
  model: ({ courseId, studentId }) =>
    DecisionModel.combine({ course: courseState(courseId), student: studentCourses(studentId) }),
  decide: ({ course, student }, { courseId, studentId }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (course.students.includes(studentId) || course.waitlist.includes(studentId)) {
      return Effect.fail(new AlreadyWaitlisted({ studentId, courseId }))
    }
    if (seatsFor(course, studentId) > 0) return Effect.fail(new SeatAvailable({ courseId }))
    if (load(student) >= maxCoursesPerStudent) {
      return Effect.fail(new TooManyCourses({ studentId, max: maxCoursesPerStudent }))
    }
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
  model: ({ courseId }) => courseState(courseId),
  decide: (course, { courseId }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    const free = Math.max(0, course.capacity - course.students.length)
    return Effect.succeed(
      course.waitlist.slice(0, free).map((studentId) => StudentSubscribedToCourse.make({ studentId, courseId }))
    )
  },
  retry: { times: 20 }
}))

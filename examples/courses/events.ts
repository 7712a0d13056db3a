/**
 * Course subscriptions: the events.
 *
 * A course is defined with a capacity, which may change later; a student
 * subscribes to a course and may leave it; when a course is full, a student
 * joins its waitlist and is subscribed (an ordinary
 * {@link StudentSubscribedToCourse}) when a seat frees. Every event about a
 * student and a course is ONE event tagged with both, so the course's
 * projection and the student's projection both see it, and one append
 * condition protects both invariants.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Event } from "fairway/Dcb"

/**
 * A course was defined, with how many students it holds.
 *
 * @category events
 * @since 0.1.0
 */
export const CourseDefined = Event.define("CourseDefined", {
  payload: Schema.Struct({ courseId: Schema.String, capacity: Schema.Int }),
  tags: (p) => [`course:${p.courseId}`]
})

/**
 * The capacity of a course changed.
 *
 * @category events
 * @since 0.1.0
 */
export const CourseCapacityChanged = Event.define("CourseCapacityChanged", {
  payload: Schema.Struct({ courseId: Schema.String, newCapacity: Schema.Int }),
  tags: (p) => [`course:${p.courseId}`]
})

/**
 * A student subscribed to a course (directly, or confirmed from the
 * waitlist): tagged with both.
 *
 * @category events
 * @since 0.1.0
 */
export const StudentSubscribedToCourse = Event.define("StudentSubscribedToCourse", {
  payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
  tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
})

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

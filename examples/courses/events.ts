/**
 * Course subscriptions: the events.
 *
 * A course is defined with a capacity, which may change later; a student
 * subscribes to a course. The subscription is ONE event tagged with both the
 * course and the student, so both the course's projection and the student's
 * projection see it, and one append condition protects both invariants.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Event } from "../../src/Dcb/index.ts"

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
 * A student subscribed to a course: tagged with both.
 *
 * @category events
 * @since 0.1.0
 */
export const StudentSubscribedToCourse = Event.define("StudentSubscribedToCourse", {
  payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
  tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
})

/**
 * Course subscriptions: the "course availability" view.
 *
 * One state per course: its capacity, how many students it holds, how many
 * wait, and how many seats are free. Kept up to date from the log by the
 * view runner (`View.layer`, or the registry's layer), read with
 * `View.get(CourseAvailability, courseId)` or listed with `View.list`. It folds
 * the same events with the same `evolveCourse` as the commands' decision
 * model, so the view and the decisions never disagree on what a course is.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Query } from "fairway/Dcb"
import { Registry, View } from "fairway/Module"
import { courseEvents, evolveCourse } from "./commands.ts"

/**
 * The state of one course in the view.
 *
 * @category models
 * @since 0.1.0
 */
export const Availability = Schema.Struct({
  courseId: Schema.String,
  capacity: Schema.Int,
  students: Schema.Array(Schema.String),
  waitlist: Schema.Array(Schema.String),
  subscribed: Schema.Int,
  waiting: Schema.Int,
  available: Schema.Int
})

/**
 * The state of one course in the view.
 *
 * @category models
 * @since 0.1.0
 */
export type Availability = typeof Availability.Type

/**
 * Course availability, per course.
 *
 * @category views
 * @since 0.1.0
 */
export const CourseAvailability = Registry.register(View.make({
  name: "CourseAvailability",
  version: 1,
  query: Query.item({ types: courseEvents.map((e) => e.type) }),
  events: courseEvents,
  schema: Availability,
  initial: { courseId: "", capacity: 0, students: [], waitlist: [], subscribed: 0, waiting: 0, available: 0 } as Availability,
  key: (event) => event.payload.courseId,
  evolve: (state, event, courseId) => {
    const course = evolveCourse({ exists: true, ...state }, event)
    return {
      courseId,
      capacity: course.capacity,
      students: course.students,
      waitlist: course.waitlist,
      subscribed: course.students.length,
      waiting: course.waitlist.length,
      available: Math.max(0, course.capacity - course.students.length)
    }
  }
}))

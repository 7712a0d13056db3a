/**
 * Course subscriptions: the decision models and the commands.
 *
 * Invariants: a course holds at most its capacity of students; a student
 * takes at most {@link maxCoursesPerStudent} courses; a student subscribes to
 * a course once. {@link SubscribeStudentToCourse} reads two projections in
 * one decision model (the course's and the student's), so a concurrent
 * subscription to the same course OR by the same student makes its append
 * fail and the command decide again.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Query } from "../../src/Dcb/index.ts"
import { Command } from "../../src/Module/index.ts"
import { CourseCapacityChanged, CourseDefined, StudentSubscribedToCourse } from "./events.ts"

/**
 * The most courses one student may take.
 *
 * @category invariants
 * @since 0.1.0
 */
export const maxCoursesPerStudent = 3

// -- errors -------------------------------------------------------------------

/** @category errors @since 0.1.0 */
export class CourseAlreadyExists extends Schema.TaggedError<CourseAlreadyExists>()("CourseAlreadyExists", {
  courseId: Schema.String
}) {
  override get message() {
    return `course ${this.courseId} already exists`
  }
}

/** @category errors @since 0.1.0 */
export class CourseNotFound extends Schema.TaggedError<CourseNotFound>()("CourseNotFound", {
  courseId: Schema.String
}) {
  override get message() {
    return `course ${this.courseId} does not exist`
  }
}

/** @category errors @since 0.1.0 */
export class CourseFull extends Schema.TaggedError<CourseFull>()("CourseFull", {
  courseId: Schema.String,
  capacity: Schema.Int
}) {
  override get message() {
    return `course ${this.courseId} is full (${this.capacity} students)`
  }
}

/** @category errors @since 0.1.0 */
export class AlreadySubscribed extends Schema.TaggedError<AlreadySubscribed>()("AlreadySubscribed", {
  studentId: Schema.String,
  courseId: Schema.String
}) {
  override get message() {
    return `student ${this.studentId} is already subscribed to course ${this.courseId}`
  }
}

/** @category errors @since 0.1.0 */
export class TooManyCourses extends Schema.TaggedError<TooManyCourses>()("TooManyCourses", {
  studentId: Schema.String,
  max: Schema.Int
}) {
  override get message() {
    return `student ${this.studentId} already takes ${this.max} courses`
  }
}

// -- decision models ----------------------------------------------------------

/**
 * A course: whether it exists, its capacity, how many students it holds.
 *
 * @category models
 * @since 0.1.0
 */
export const courseState = (courseId: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [CourseDefined.type, CourseCapacityChanged.type, StudentSubscribedToCourse.type],
      tags: [`course:${courseId}`]
    }),
    initial: { exists: false, capacity: 0, subscribed: 0 },
    events: [CourseDefined, CourseCapacityChanged, StudentSubscribedToCourse],
    evolve: (state, event) => {
      switch (event.type) {
        case "CourseDefined":
          return { ...state, exists: true, capacity: event.payload.capacity }
        case "CourseCapacityChanged":
          return { ...state, capacity: event.payload.newCapacity }
        case "StudentSubscribedToCourse":
          return { ...state, subscribed: state.subscribed + 1 }
      }
    }
  })

/**
 * A student: the courses they take.
 *
 * @category models
 * @since 0.1.0
 */
export const studentCourses = (studentId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [StudentSubscribedToCourse.type], tags: [`student:${studentId}`] }),
    initial: [] as ReadonlyArray<string>,
    events: [StudentSubscribedToCourse],
    evolve: (courses, event) => [...courses, event.payload.courseId]
  })

// -- commands -----------------------------------------------------------------

const CourseId = Schema.NonEmptyString
const StudentId = Schema.NonEmptyString
const Capacity = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * Defines a course with a capacity.
 *
 * @category commands
 * @since 0.1.0
 */
export const DefineCourse = Command.make({
  name: "DefineCourse",
  input: Schema.Struct({ courseId: CourseId, capacity: Capacity }),
  model: ({ courseId }) => courseState(courseId),
  decide: (course, { capacity, courseId }) =>
    course.exists
      ? Effect.fail(new CourseAlreadyExists({ courseId }))
      : Effect.succeed([CourseDefined.make({ courseId, capacity })])
})

/**
 * Changes the capacity of a course (never below the students it holds).
 *
 * @category commands
 * @since 0.1.0
 */
export const ChangeCourseCapacity = Command.make({
  name: "ChangeCourseCapacity",
  input: Schema.Struct({ courseId: CourseId, newCapacity: Capacity }),
  model: ({ courseId }) => courseState(courseId),
  decide: (course, { courseId, newCapacity }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (newCapacity < course.subscribed) return Effect.fail(new CourseFull({ courseId, capacity: course.subscribed }))
    if (newCapacity === course.capacity) return Effect.succeed([])
    return Effect.succeed([CourseCapacityChanged.make({ courseId, newCapacity })])
  }
})

/**
 * Subscribes a student to a course: two projections, one read, one append
 * condition.
 *
 * @category commands
 * @since 0.1.0
 */
export const SubscribeStudentToCourse = Command.make({
  name: "SubscribeStudentToCourse",
  input: Schema.Struct({ studentId: StudentId, courseId: CourseId }),
  model: ({ courseId, studentId }) =>
    DecisionModel.combine({ course: courseState(courseId), student: studentCourses(studentId) }),
  decide: ({ course, student }, { courseId, studentId }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (student.includes(courseId)) return Effect.fail(new AlreadySubscribed({ studentId, courseId }))
    if (course.subscribed >= course.capacity) return Effect.fail(new CourseFull({ courseId, capacity: course.capacity }))
    if (student.length >= maxCoursesPerStudent) {
      return Effect.fail(new TooManyCourses({ studentId, max: maxCoursesPerStudent }))
    }
    return Effect.succeed([StudentSubscribedToCourse.make({ studentId, courseId })])
  },
  retry: { times: 20 }
})

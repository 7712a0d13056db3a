/**
 * Course subscriptions: the decision models and the commands.
 *
 * Invariants: a course holds at most its capacity of students; a student
 * takes at most {@link maxCoursesPerStudent} courses; a student subscribes to
 * a course once. Every command on a course (here, and the unsubscription and
 * waitlist commands in `waitlist.ts`) decides on the one projection
 * {@link courseState}, which counts subscriptions AND unsubscriptions.
 * {@link SubscribeStudentToCourse} reads two projections in one decision
 * model (the course's and the student's), so a concurrent change to the same
 * course OR by the same student makes its append fail and the command decide
 * again.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, type Event, Query } from "fairway/Dcb"
import { Command, Registry } from "fairway/Module"
import {
  CourseCapacityChanged,
  CourseDefined,
  StudentJoinedCourseWaitlist,
  StudentSubscribedToCourse,
  StudentUnsubscribedFromCourse
} from "./events.ts"

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
    return `student ${this.studentId} already takes (or waits for) ${this.max} courses`
  }
}

// -- decision models ----------------------------------------------------------

/**
 * A course as the commands and the availability view see it: whether it
 * exists, its capacity, the students in it and its waitlist (first come,
 * first served).
 *
 * @category models
 * @since 0.1.0
 */
export interface Course {
  readonly exists: boolean
  readonly capacity: number
  readonly students: ReadonlyArray<string>
  readonly waitlist: ReadonlyArray<string>
}

/**
 * The events that change a course: every one of them is tagged with it.
 *
 * @category models
 * @since 0.1.0
 */
export const courseEvents = [
  CourseDefined,
  CourseCapacityChanged,
  StudentSubscribedToCourse,
  StudentUnsubscribedFromCourse,
  StudentJoinedCourseWaitlist
] as const

/**
 * A course before any event.
 *
 * @category models
 * @since 0.1.0
 */
export const noCourse: Course = { exists: false, capacity: 0, students: [], waitlist: [] }

/**
 * The next {@link Course} after one event: a subscription takes a seat (and
 * the student off the waitlist), an unsubscription frees it.
 *
 * @category models
 * @since 0.1.0
 */
export const evolveCourse = (course: Course, event: Event.DecodedOf<(typeof courseEvents)[number]>): Course => {
  switch (event.type) {
    case "CourseDefined":
      return { ...course, exists: true, capacity: event.payload.capacity }
    case "CourseCapacityChanged":
      return { ...course, capacity: event.payload.newCapacity }
    case "StudentSubscribedToCourse":
      return {
        ...course,
        students: [...course.students, event.payload.studentId],
        waitlist: course.waitlist.filter((s) => s !== event.payload.studentId)
      }
    case "StudentUnsubscribedFromCourse":
      return { ...course, students: course.students.filter((s) => s !== event.payload.studentId) }
    case "StudentJoinedCourseWaitlist":
      return { ...course, waitlist: [...course.waitlist, event.payload.studentId] }
  }
}

/**
 * The one projection of a course, read by every command that touches it.
 *
 * @category models
 * @since 0.1.0
 */
export const courseState = (courseId: string) =>
  DecisionModel.make({
    query: Query.item({ types: courseEvents.map((e) => e.type), tags: [`course:${courseId}`] }),
    initial: noCourse,
    events: courseEvents,
    evolve: evolveCourse
  })

/**
 * The seats of a course free for this student: free seats go to the
 * waitlist first, so the students waiting before them hold some.
 *
 * @category models
 * @since 0.1.0
 */
export const seatsFor = (course: Course, studentId: string): number => {
  const place = course.waitlist.indexOf(studentId)
  const ahead = place === -1 ? course.waitlist.length : place
  return course.capacity - course.students.length - ahead
}

/**
 * A student: the courses they take and the waitlists they are on (both
 * count towards {@link maxCoursesPerStudent}, so a confirmation from a
 * waitlist never takes a student over it).
 *
 * @category models
 * @since 0.1.0
 */
export interface Student {
  readonly taking: ReadonlyArray<string>
  readonly waiting: ReadonlyArray<string>
}

/**
 * How many of their {@link maxCoursesPerStudent} places a student uses.
 *
 * @category models
 * @since 0.1.0
 */
export const load = (student: Student): number => student.taking.length + student.waiting.length

/**
 * A student's projection.
 *
 * @category models
 * @since 0.1.0
 */
export const studentCourses = (studentId: string) =>
  DecisionModel.make({
    query: Query.item({
      types: [StudentSubscribedToCourse.type, StudentUnsubscribedFromCourse.type, StudentJoinedCourseWaitlist.type],
      tags: [`student:${studentId}`]
    }),
    initial: { taking: [], waiting: [] } as Student,
    events: [StudentSubscribedToCourse, StudentUnsubscribedFromCourse, StudentJoinedCourseWaitlist],
    evolve: (student, event): Student => {
      const courseId = event.payload.courseId
      switch (event.type) {
        case "StudentSubscribedToCourse":
          return { taking: [...student.taking, courseId], waiting: student.waiting.filter((c) => c !== courseId) }
        case "StudentUnsubscribedFromCourse":
          return { ...student, taking: student.taking.filter((c) => c !== courseId) }
        case "StudentJoinedCourseWaitlist":
          return { ...student, waiting: [...student.waiting, courseId] }
      }
    }
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
export const DefineCourse = Registry.register(Command.make({
  name: "DefineCourse",
  input: Schema.Struct({ courseId: CourseId, capacity: Capacity }),
  model: ({ courseId }) => courseState(courseId),
  decide: (course, { capacity, courseId }) =>
    course.exists
      ? Effect.fail(new CourseAlreadyExists({ courseId }))
      : Effect.succeed([CourseDefined.make({ courseId, capacity })])
}))

/**
 * Changes the capacity of a course (never below the students it holds).
 *
 * @category commands
 * @since 0.1.0
 */
export const ChangeCourseCapacity = Registry.register(Command.make({
  name: "ChangeCourseCapacity",
  input: Schema.Struct({ courseId: CourseId, newCapacity: Capacity }),
  model: ({ courseId }) => courseState(courseId),
  decide: (course, { courseId, newCapacity }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (newCapacity < course.students.length) {
      return Effect.fail(new CourseFull({ courseId, capacity: course.students.length }))
    }
    if (newCapacity === course.capacity) return Effect.succeed([])
    return Effect.succeed([CourseCapacityChanged.make({ courseId, newCapacity })])
  }
}))

/**
 * Subscribes a student to a course: two projections, one read, one append
 * condition. A seat freed by an unsubscription is free again, but while
 * students wait, it goes to them first (see {@link seatsFor}).
 *
 * @category commands
 * @since 0.1.0
 */
export const SubscribeStudentToCourse = Registry.register(Command.make({
  name: "SubscribeStudentToCourse",
  input: Schema.Struct({ studentId: StudentId, courseId: CourseId }),
  model: ({ courseId, studentId }) =>
    DecisionModel.combine({ course: courseState(courseId), student: studentCourses(studentId) }),
  decide: ({ course, student }, { courseId, studentId }) => {
    if (!course.exists) return Effect.fail(new CourseNotFound({ courseId }))
    if (student.taking.includes(courseId)) return Effect.fail(new AlreadySubscribed({ studentId, courseId }))
    if (seatsFor(course, studentId) <= 0) return Effect.fail(new CourseFull({ courseId, capacity: course.capacity }))
    if (!student.waiting.includes(courseId) && load(student) >= maxCoursesPerStudent) {
      return Effect.fail(new TooManyCourses({ studentId, max: maxCoursesPerStudent }))
    }
    return Effect.succeed([StudentSubscribedToCourse.make({ studentId, courseId })])
  },
  retry: { times: 20 }
}))
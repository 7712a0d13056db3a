import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { failureTags, onStore } from "../testing.ts"
import {
  ChangeCourseCapacity,
  type Course,
  courseState,
  DefineCourse,
  maxCoursesPerStudent,
  SubscribeStudentToCourse
} from "./commands.ts"
import { StudentSubscribedToCourse } from "./events.ts"
import { ConfirmWaitlisted, JoinCourseWaitlist, UnsubscribeStudentFromCourse } from "./waitlist.ts"

const subscriptions = (tag: string) =>
  EventStore.read(Query.item({ types: [StudentSubscribedToCourse.type], tags: [tag] })).pipe(
    Stream.mapEffect(StudentSubscribedToCourse.decode),
    Stream.map((e) => e.payload),
    Stream.runCollect
  )

/** every state the course went through, one per event, from the log */
const courseHistory = (courseId: string) => {
  const model = courseState(courseId)
  return EventStore.read(model.query).pipe(
    Stream.runFoldEffect(
      () => [model.initial] as Array<Course>,
      (states, event) => Effect.map(model.step(states[states.length - 1]!, event, new Map()), (s) => [...states, s])
    )
  )
}

const course = (courseId: string) => Effect.map(DecisionModel.read(courseState(courseId)), (r) => r.state)

export const courseTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`course subscriptions (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("a course never holds more students than its capacity, under 20 concurrent students", () =>
      run(Effect.gen(function* () {
        yield* Command.run(DefineCourse, { courseId: "c1", capacity: 3 })
        const results = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => `s${i}`),
          (studentId) => Effect.result(Command.run(SubscribeStudentToCourse, { studentId, courseId: "c1" })),
          { concurrency: "unbounded" }
        )
        const stored = yield* subscriptions("course:c1")
        expect(stored).toHaveLength(3)
        expect(results.filter((r) => r._tag === "Success")).toHaveLength(3)
        expect(failureTags(results)).toEqual(new Set(["CourseFull"]))
        // the retries happened: at least one winner decided more than once
        expect(results.some((r) => r._tag === "Success" && r.success.attempts > 1)).toBe(true)
      })))

    it.live("a student never takes more than the maximum of courses, subscribing to 8 at once", () =>
      run(Effect.gen(function* () {
        const courses = Array.from({ length: 8 }, (_, i) => `c${i}`)
        yield* Effect.forEach(courses, (courseId) => Command.run(DefineCourse, { courseId, capacity: 100 }))
        const results = yield* Effect.forEach(
          courses,
          (courseId) => Effect.result(Command.run(SubscribeStudentToCourse, { studentId: "s1", courseId })),
          { concurrency: "unbounded" }
        )
        expect(yield* subscriptions("student:s1")).toHaveLength(maxCoursesPerStudent)
        expect(results.filter((r) => r._tag === "Success")).toHaveLength(maxCoursesPerStudent)
        expect(failureTags(results)).toEqual(new Set(["TooManyCourses"]))
      })))

    it.live("a student subscribes to a course once, even when the request is sent 10 times at once", () =>
      run(Effect.gen(function* () {
        yield* Command.run(DefineCourse, { courseId: "c1", capacity: 10 })
        const results = yield* Effect.forEach(
          Array.from({ length: 10 }),
          () => Effect.result(Command.run(SubscribeStudentToCourse, { studentId: "s1", courseId: "c1" })),
          { concurrency: "unbounded" }
        )
        expect(yield* subscriptions("course:c1")).toEqual([{ studentId: "s1", courseId: "c1" }])
        expect(results.filter((r) => r._tag === "Success")).toHaveLength(1)
        expect(failureTags(results)).toEqual(new Set(["AlreadySubscribed"]))
      })))

    it.live("both invariants at once: many students, many courses, capacity changes racing subscriptions", () =>
      run(Effect.gen(function* () {
        const courses = ["c1", "c2", "c3", "c4"]
        yield* Effect.forEach(courses, (courseId) => Command.run(DefineCourse, { courseId, capacity: 2 }))
        const requests = courses.flatMap((courseId) =>
          Array.from({ length: 6 }, (_, i) => Command.run(SubscribeStudentToCourse, { studentId: `s${i}`, courseId }))
        )
        const raises = courses.map((courseId) => Command.run(ChangeCourseCapacity, { courseId, newCapacity: 3 }))
        yield* Effect.forEach([...requests, ...raises], Effect.result, { concurrency: "unbounded" })
        for (const courseId of courses) {
          const stored = yield* subscriptions(`course:${courseId}`)
          expect(stored.length).toBeLessThanOrEqual(3)
          expect(stored.length).toBeGreaterThanOrEqual(2)
          expect(new Set(stored.map((s) => s.studentId)).size).toBe(stored.length)
        }
        for (let i = 0; i < 6; i++) {
          expect((yield* subscriptions(`student:s${i}`)).length).toBeLessThanOrEqual(maxCoursesPerStudent)
        }
      })))

    it.effect("after an unsubscription, a direct subscription takes the freed seat, and the student's place is free", () =>
      run(Effect.gen(function* () {
        yield* Command.run(DefineCourse, { courseId: "c1", capacity: 2 })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s1", courseId: "c1" })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s2", courseId: "c1" })
        const full = yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "s3", courseId: "c1" }))
        expect(full._tag).toBe("CourseFull")
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "s1", courseId: "c1" })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s3", courseId: "c1" })
        const fullAgain = yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "s1", courseId: "c1" }))
        expect(fullAgain._tag).toBe("CourseFull")
        expect((yield* course("c1")).students).toEqual(["s2", "s3"])
        // the student side counts unsubscriptions too: s2 leaves one of 3 courses and takes another
        for (const courseId of ["c2", "c3", "c4"]) yield* Command.run(DefineCourse, { courseId, capacity: 5 })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s2", courseId: "c2" })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s2", courseId: "c3" })
        const tooMany = yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "s2", courseId: "c4" }))
        expect(tooMany._tag).toBe("TooManyCourses")
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "s2", courseId: "c2" })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s2", courseId: "c4" })
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "s2", courseId: "c1" })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "s2", courseId: "c1" }) // back in the course it left
      })))

    it.live("capacity is never exceeded under concurrent subscriptions, unsubscriptions, waitlisting and confirmations", () =>
      run(Effect.gen(function* () {
        yield* Command.run(DefineCourse, { courseId: "c1", capacity: 3 })
        for (const studentId of ["s0", "s1", "s2"]) yield* Command.run(SubscribeStudentToCourse, { studentId, courseId: "c1" })
        const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
        const traffic: Array<Effect.Effect<unknown, { readonly _tag: string }, EventStore.EventStore>> = [
          ...["s0", "s1", "s2"].map((studentId) => Command.run(UnsubscribeStudentFromCourse, { studentId, courseId: "c1" })),
          ...ids("n", 8).map((studentId) => Command.run(SubscribeStudentToCourse, { studentId, courseId: "c1" })),
          ...ids("w", 6).map((studentId) => Command.run(JoinCourseWaitlist, { studentId, courseId: "c1" })),
          ...ids("", 3).map(() => Command.run(ConfirmWaitlisted, { courseId: "c1" })),
          Command.run(ChangeCourseCapacity, { courseId: "c1", newCapacity: 4 })
        ]
        const results = yield* Effect.forEach(traffic, Effect.result, { concurrency: "unbounded" })
        for (const tag of failureTags(results)) expect(["CourseFull", "SeatAvailable"]).toContain(tag)
        yield* Command.run(ConfirmWaitlisted, { courseId: "c1" }) // what an automation does after the last freed seat
        const history = yield* courseHistory("c1")
        for (const state of history) {
          expect(state.students.length).toBeLessThanOrEqual(state.capacity)
          expect(new Set(state.students).size).toBe(state.students.length)
          expect(state.waitlist.filter((s) => state.students.includes(s))).toEqual([])
        }
        const last = history[history.length - 1]!
        expect(last.capacity).toBe(4)
        // nobody waits while a seat is free
        expect(last.waitlist.length === 0 || last.students.length === last.capacity).toBe(true)
      })))

    it.effect("bad input is a typed error and writes nothing", () =>
      run(Effect.gen(function* () {
        const error = yield* Effect.flip(Command.run(DefineCourse, { courseId: "c1", capacity: 0 }))
        expect(error._tag).toBe("CommandInputInvalid")
        expect(Option.isNone(yield* EventStore.head)).toBe(true)
      })))
  })

for (const backend of backends) courseTests(backend.name, backend.layer)

/**
 * The pure decider test helper: given events → decide → expected events or
 * error, with no store, on the course example's commands.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Decider } from "fairway/Testing"
import {
  AlreadySubscribed,
  CourseFull,
  courseState,
  DefineCourse,
  SubscribeStudentToCourse,
  TooManyCourses
} from "../../examples/courses/commands.ts"
import { CourseDefined, StudentSubscribedToCourse } from "../../examples/courses/events.ts"

const math = CourseDefined.make({ courseId: "math", capacity: 2 })
const sub = (studentId: string, courseId: string) => StudentSubscribedToCourse.make({ studentId, courseId })

describe("Decider", () => {
  it.effect("given → when → then: the decided events", () =>
    Effect.gen(function*() {
      const events = yield* Decider.test(SubscribeStudentToCourse, {
        given: [math],
        when: { studentId: "alice", courseId: "math" },
        then: [sub("alice", "math")]
      })
      expect(events).toHaveLength(1)
    }))

  it.effect("the model reads only its query: other courses' and students' events do not count", () =>
    Decider.test(SubscribeStudentToCourse, {
      given: [
        math,
        CourseDefined.make({ courseId: "art", capacity: 1 }),
        sub("bob", "art"),
        sub("carol", "math")
      ],
      when: { studentId: "alice", courseId: "math" },
      then: [sub("alice", "math")]
    }))

  it.effect("thenFails: by class, by tag, by predicate", () =>
    Effect.gen(function*() {
      const full = [math, sub("bob", "math"), sub("carol", "math")]
      const error = yield* Decider.test(SubscribeStudentToCourse, {
        given: full,
        when: { studentId: "alice", courseId: "math" },
        thenFails: CourseFull
      })
      expect(error).toBeInstanceOf(CourseFull)
      yield* Decider.test(SubscribeStudentToCourse, {
        given: [math, sub("alice", "math")],
        when: { studentId: "alice", courseId: "math" },
        thenFails: "AlreadySubscribed"
      })
      yield* Decider.test(SubscribeStudentToCourse, {
        given: [
          ...["a", "b", "c", "math"].map((c) => CourseDefined.make({ courseId: c, capacity: 9 })),
          ...["a", "b", "c"].map((c) => sub("alice", c))
        ],
        when: { studentId: "alice", courseId: "math" },
        thenFails: (e) => e instanceof TooManyCourses && e.max === 3
      })
    }))

  it.effect("bad input: CommandInputInvalid, matched like any error", () =>
    Decider.test(DefineCourse, { when: { courseId: "", capacity: -1 }, thenFails: "CommandInputInvalid" }))

  it.effect("a rule that does not hold is reported as AssertionFailed with the difference", () =>
    Effect.gen(function*() {
      const wrongEvents = yield* Effect.flip(Decider.test(SubscribeStudentToCourse, {
        given: [math],
        when: { studentId: "alice", courseId: "math" },
        then: [sub("alice", "art")]
      }))
      expect(wrongEvents._tag).toBe("AssertionFailed")
      expect(wrongEvents.message).toContain("decided events")
      const unexpectedSuccess = yield* Effect.flip(Decider.test(SubscribeStudentToCourse, {
        given: [math],
        when: { studentId: "alice", courseId: "math" },
        thenFails: AlreadySubscribed
      }))
      expect(unexpectedSuccess.message).toContain("expected it to fail with AlreadySubscribed, but it decided")
      const wrongError = yield* Effect.flip(Decider.test(SubscribeStudentToCourse, {
        given: [],
        when: { studentId: "alice", courseId: "math" },
        thenFails: CourseFull
      }))
      expect(wrongError.message).toContain("CourseNotFound")
      const unexpectedFailure = yield* Effect.flip(Decider.test(SubscribeStudentToCourse, {
        given: [],
        when: { studentId: "alice", courseId: "math" },
        then: []
      }))
      expect(unexpectedFailure.message).toContain("expected it to decide events, but it failed")
    }))

  it.effect("evolve folds a model from the given events, the same state the store-backed read gives", () =>
    Effect.gen(function*() {
      const given = [math, sub("alice", "math"), sub("bob", "art"), sub("carol", "math")]
      const pure = yield* Decider.evolve(courseState("math"), given)
      expect(pure.students).toEqual(["alice", "carol"])
      expect(pure.capacity).toBe(2)
      const stored = yield* Effect.gen(function*() {
        yield* EventStore.append(given)
        return (yield* DecisionModel.read(courseState("math"))).state
      }).pipe(Effect.provide(EventStore.layerMemory))
      expect(pure).toEqual(stored)
    }))

  it.effect("the snapshot honours read options and refuses writes", () =>
    Effect.gen(function*() {
      const log = Decider.sequence([math, sub("alice", "math"), sub("bob", "math"), sub("carol", "art")])
      const store = Decider.snapshot(log)
      const q = Query.item({ types: [StudentSubscribedToCourse.type], tags: ["course:math"] })
      const read = (options?: EventStore.ReadOptions) =>
        Stream.runCollect(store.read(q, options)).pipe(Effect.map((es) => es.map((e) => Number(e.position))))
      expect(yield* read()).toEqual([2, 3])
      expect(yield* read({ after: log[1]!.position })).toEqual([3])
      expect(yield* read({ backwards: true, limit: 1 })).toEqual([3])
      const append = yield* Effect.exit(store.append([Event.make("X", [])]))
      expect(Exit.hasDies(append)).toBe(true)
    }))

  it.effect("decide needs no layer: the given events are the whole log", () =>
    Effect.gen(function*() {
      const decided = yield* Decider.decide(SubscribeStudentToCourse, [math], { studentId: "dan", courseId: "math" })
      expect(decided.map((e) => e.type)).toEqual(["StudentSubscribedToCourse"])
    }))
})

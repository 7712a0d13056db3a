/**
 * The waitlist, the course availability view and the automation that
 * confirms waitlisted students, on memory and on the FoundationDB simulator
 * with injected faults, including the automation crashing after it confirmed
 * a student but before its checkpoint moved.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, References, Schedule, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"
import { Automation, AutomationStore, Command, Registry, View } from "fairway/Module"
import { CourseAvailability } from "./availability.ts"
import { DefineCourse, SubscribeStudentToCourse } from "./commands.ts"
import { ConfirmWaitlistedStudents, confirmOnSeatFreed, seatFreeingEvents } from "./confirmWaitlisted.ts"
import { StudentSubscribedToCourse } from "./events.ts"
import { ConfirmWaitlisted, JoinCourseWaitlist, UnsubscribeStudentFromCourse } from "./waitlist.ts"

const backends = [
  ["memory", () => Memory.layer()],
  ["simulated FoundationDB, faults on (seed 3)", () => Simulated.layer({ seed: 3, faults: true })],
  ["simulated FoundationDB, faults on (seed 99)", () => Simulated.layer({ seed: 99, faults: true })]
] as const

const subscriptionsOf = (courseId: string) =>
  EventStore.read(Query.item({ types: [StudentSubscribedToCourse.type], tags: [`course:${courseId}`] })).pipe(
    Stream.mapEffect(StudentSubscribedToCourse.decode),
    Stream.map((e) => e.payload.studentId),
    Stream.runCollect
  )

const until = <E, R>(check: Effect.Effect<boolean, E, R>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 5000; i++) {
      if (yield* Effect.orElseSucceed(check, () => false)) return
      yield* Effect.sleep("2 millis")
    }
    return yield* Effect.die(`timed out waiting for ${what}`)
  })

/** a full course: math holds 2 (alice, bob); carol and dave wait, in that order */
const fullCourse = Effect.gen(function* () {
  yield* Command.run(DefineCourse, { courseId: "math", capacity: 2 })
  yield* Command.run(SubscribeStudentToCourse, { studentId: "alice", courseId: "math" })
  yield* Command.run(SubscribeStudentToCourse, { studentId: "bob", courseId: "math" })
  yield* Command.run(JoinCourseWaitlist, { studentId: "carol", courseId: "math" })
  yield* Command.run(JoinCourseWaitlist, { studentId: "dave", courseId: "math" })
})

for (const [backend, makeLayer] of backends) {
  describe(`course waitlist, availability and confirmations (${backend})`, () => {
    it.effect("commands: joining the waitlist needs a full course; unsubscribing needs a subscription", () =>
      Effect.gen(function* () {
        yield* Command.run(DefineCourse, { courseId: "art", capacity: 1 })
        const early = yield* Effect.flip(Command.run(JoinCourseWaitlist, { studentId: "carol", courseId: "art" }))
        expect(early._tag).toBe("SeatAvailable")
        yield* Command.run(SubscribeStudentToCourse, { studentId: "alice", courseId: "art" })
        yield* Command.run(JoinCourseWaitlist, { studentId: "carol", courseId: "art" })
        const twice = yield* Effect.flip(Command.run(JoinCourseWaitlist, { studentId: "carol", courseId: "art" }))
        expect(twice._tag).toBe("AlreadyWaitlisted")
        const notIn = yield* Effect.flip(Command.run(UnsubscribeStudentFromCourse, { studentId: "zoe", courseId: "art" }))
        expect(notIn._tag).toBe("NotSubscribed")
        const bad = yield* Effect.flip(Command.run(UnsubscribeStudentFromCourse, { studentId: "", courseId: "art" }))
        expect(bad._tag).toBe("CommandInputInvalid")
      }).pipe(Effect.provide(makeLayer())))

    it.effect("while students wait, a freed seat is theirs: a newcomer is turned away, the first in line may take it", () =>
      Effect.gen(function* () {
        yield* fullCourse
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
        const newcomer = yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "erin", courseId: "math" }))
        expect(newcomer._tag).toBe("CourseFull")
        const second = yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "dave", courseId: "math" }))
        expect(second._tag).toBe("CourseFull") // carol is before dave
        yield* Command.run(SubscribeStudentToCourse, { studentId: "carol", courseId: "math" })
        expect((yield* Command.run(ConfirmWaitlisted, { courseId: "math" })).events).toEqual([]) // full again
        yield* Command.run(JoinCourseWaitlist, { studentId: "erin", courseId: "math" })
        expect(yield* subscriptionsOf("math")).toEqual(["alice", "bob", "carol"])
      }).pipe(Effect.provide(makeLayer())))

    it.effect("a place on a waitlist counts towards the student's courses, so a confirmation never exceeds the maximum", () =>
      Effect.gen(function* () {
        yield* fullCourse
        for (const courseId of ["art", "history", "physics"]) yield* Command.run(DefineCourse, { courseId, capacity: 1 })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "carol", courseId: "art" })
        yield* Command.run(SubscribeStudentToCourse, { studentId: "carol", courseId: "history" })
        const tooMany = yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "carol", courseId: "physics" }))
        expect(tooMany._tag).toBe("TooManyCourses")
        yield* Command.run(SubscribeStudentToCourse, { studentId: "zoe", courseId: "physics" })
        const waitTooMany = yield* Effect.flip(Command.run(JoinCourseWaitlist, { studentId: "carol", courseId: "physics" }))
        expect(waitTooMany._tag).toBe("TooManyCourses")
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
        yield* Command.run(ConfirmWaitlisted, { courseId: "math" })
        expect(yield* subscriptionsOf("math")).toEqual(["alice", "bob", "carol"])
      }).pipe(Effect.provide(makeLayer())))

    it.effect("the availability view shows capacity, students, waitlist and free seats per course", () =>
      Effect.gen(function* () {
        yield* fullCourse
        yield* Command.run(DefineCourse, { courseId: "art", capacity: 5 })
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
        yield* View.catchUp(CourseAvailability)
        expect(yield* View.get(CourseAvailability, "math")).toEqual(Option.some({
          courseId: "math",
          capacity: 2,
          students: ["alice"],
          waitlist: ["carol", "dave"],
          subscribed: 1,
          waiting: 2,
          available: 1
        }))
        const all = yield* View.list(CourseAvailability)
        expect(all.map((c) => [c.key, c.state.available])).toEqual([["art", 5], ["math", 1]])
        expect((yield* View.status(CourseAvailability)).lag).toBe(0n)
      }).pipe(Effect.provide(makeLayer())))

    it.live("the registered modules confirm the first waitlisted student when a seat frees, and the view follows", () =>
      Effect.gen(function* () {
        yield* fullCourse
        yield* Effect.gen(function* () {
          yield* Layer.build(Registry.layer(Registry.make([CourseAvailability, ConfirmWaitlistedStudents])))
          yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
          yield* until(
            Effect.map(View.get(CourseAvailability, "math"), (s) => Option.isSome(s) && s.value.students.includes("carol")),
            "carol to be confirmed"
          )
          yield* until(Effect.map(Automation.status(ConfirmWaitlistedStudents), (s) => s.caughtUp), "the automation")
        }).pipe(Effect.scoped)
        expect(yield* subscriptionsOf("math")).toEqual(["alice", "bob", "carol"])
        const math = yield* View.get(CourseAvailability, "math")
        expect(Option.map(math, (m) => [m.students, m.waitlist, m.available])).toEqual(
          Option.some([["alice", "carol"], ["dave"], 0])
        )
      }).pipe(Effect.provide(makeLayer())))

    it.live("an automation crash after the confirmation, before the checkpoint: redelivered, never confirmed twice", () =>
      Effect.gen(function* () {
        yield* fullCourse
        let crashes = 0
        const results: Array<Command.Result> = []
        // the same automation (name, query, handler), with a crash injected right after the command succeeded
        const crashing = Automation.make({
          name: ConfirmWaitlistedStudents.name,
          query: ConfirmWaitlistedStudents.query,
          events: seatFreeingEvents,
          handle: (event, trigger) =>
            Effect.gen(function* () {
              const result = yield* Command.run(
                ConfirmWaitlisted,
                { courseId: event.payload.courseId },
                trigger.commandOptions()
              )
              results.push(result)
              if (crashes++ === 0) return yield* Effect.die(new Error("process crashed before the checkpoint"))
            })
        })
        yield* Effect.gen(function* () {
          yield* Layer.build(Automation.layer(crashing, { restart: Schedule.spaced("1 millis") }))
          yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
          yield* until(Effect.map(Automation.status(crashing), (s) => s.caughtUp && crashes >= 2), "the automation")
        }).pipe(
          Effect.scoped,
          Effect.provideService(References.MinimumLogLevel, "Error") // the injected crash's restart warning is expected
        )
        expect(crashes).toBe(2) // handled, crashed, restarted from the checkpoint, handled again
        expect(results.map((r) => r.replayed)).toEqual([false, true]) // the second run was the idempotent replay
        expect(results[1]?.position).toEqual(results[0]?.position)
        expect(yield* subscriptionsOf("math")).toEqual(["alice", "bob", "carol"]) // carol once, dave still waits
        yield* View.catchUp(CourseAvailability)
        const math = yield* View.get(CourseAvailability, "math")
        expect(Option.map(math, (m) => [m.students, m.waitlist])).toEqual(Option.some([["alice", "carol"], ["dave"]]))
        expect(yield* Automation.deadLetters(crashing)).toEqual([])
      }).pipe(Effect.provide(makeLayer())))

    it.live("an instance dies holding its lease; a new one waits for expiry and resumes from the durable checkpoint", () =>
      Effect.gen(function* () {
        yield* fullCourse
        const automation = Automation.make({
          name: ConfirmWaitlistedStudents.name,
          query: ConfirmWaitlistedStudents.query,
          events: seatFreeingEvents,
          leaseMillis: 400,
          handle: confirmOnSeatFreed
        })
        yield* Effect.gen(function* () {
          yield* Layer.build(Automation.layer(automation, { owner: "A" }))
          yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
          yield* until(Effect.map(subscriptionsOf("math"), (s) => s.includes("carol")), "carol to be confirmed")
        }).pipe(Effect.scoped)
        // A's process dies: its lease stays in the store until it expires
        const store = yield* AutomationStore.AutomationStore
        expect(yield* store.acquire(automation.name, "A", automation.leaseMillis)).toBe(true)
        yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "alice", courseId: "math" })
        yield* Effect.gen(function* () {
          yield* Layer.build(Automation.layer(automation, { owner: "B" }))
          yield* Effect.sleep("30 millis")
          expect(yield* subscriptionsOf("math")).toEqual(["alice", "bob", "carol"]) // B waits for A's lease
          yield* until(Effect.map(subscriptionsOf("math"), (s) => s.includes("dave")), "dave to be confirmed")
          yield* until(Effect.map(Automation.status(automation), (s) => s.caughtUp), "the automation")
        }).pipe(Effect.scoped)
        expect(yield* subscriptionsOf("math")).toEqual(["alice", "bob", "carol", "dave"])
      }).pipe(Effect.provide(makeLayer())))
  })
}

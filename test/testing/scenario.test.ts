import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HttpApiEndpoint } from "effect/http-api"
import { AlreadySubscribed, CourseFull, DefineCourse, SubscribeStudentToCourse } from "../../examples/courses/commands.ts"
import { CourseAvailability } from "../../examples/courses/availability.ts"
import { ConfirmWaitlistedStudents } from "../../examples/courses/confirmWaitlisted.ts"
import { CourseDefined, StudentSubscribedToCourse } from "../../examples/courses/events.ts"
import { StudentJoinedCourseWaitlist, StudentUnsubscribedFromCourse } from "../../examples/courses/waitlist.ts"
import * as EventStore from "fairway/Dcb/EventStore"
import * as App from "fairway/Http/App"
import * as Route from "fairway/Http/Route"
import { Backend, Diff, HttpTest, Scenario } from "fairway/Testing"

const c1 = CourseDefined.make({ courseId: "c1", capacity: 1 })

for (const backend of Backend.all) {
  describe(`Scenario on ${backend.name}`, () => {
    it.effect("command: given / when / then events", () =>
      Scenario.command(SubscribeStudentToCourse, {
        backend,
        given: [CourseDefined.make({ courseId: "c1", capacity: 2 })],
        when: { studentId: "s1", courseId: "c1" },
        then: [StudentSubscribedToCourse.make({ studentId: "s1", courseId: "c1" })]
      }))

    it.effect("command: then it fails with a tagged error (by class or by tag)", () =>
      Effect.gen(function*() {
        const full = yield* Scenario.command(SubscribeStudentToCourse, {
          backend,
          given: [c1, StudentSubscribedToCourse.make({ studentId: "s0", courseId: "c1" })],
          when: { studentId: "s1", courseId: "c1" },
          thenFails: CourseFull
        })
        expect(full).toBeInstanceOf(CourseFull)
        yield* Scenario.command(SubscribeStudentToCourse, {
          backend,
          given: [CourseDefined.make({ courseId: "c1", capacity: 5 }), StudentSubscribedToCourse.make({ studentId: "s1", courseId: "c1" })],
          when: { studentId: "s1", courseId: "c1" },
          thenFails: "AlreadySubscribed"
        })
      }))

    it.effect("view: given events, then the state of a key", () =>
      Scenario.view(CourseAvailability, {
        backend,
        given: [
          CourseDefined.make({ courseId: "c1", capacity: 2 }),
          StudentSubscribedToCourse.make({ studentId: "s1", courseId: "c1" })
        ],
        key: "c1",
        then: {
          courseId: "c1",
          capacity: 2,
          students: ["s1"],
          waitlist: [],
          subscribed: 1,
          waiting: 0,
          available: 1
        }
      }))

    it.effect("automation: given events, then the commands it triggered and their idempotency keys", () =>
      Scenario.automation(ConfirmWaitlistedStudents, {
        backend,
        given: [
          c1,
          StudentSubscribedToCourse.make({ studentId: "s1", courseId: "c1" }),
          StudentJoinedCourseWaitlist.make({ studentId: "s2", courseId: "c1" }),
          StudentUnsubscribedFromCourse.make({ studentId: "s1", courseId: "c1" })
        ],
        then: [{ command: "ConfirmWaitlisted", causedBy: 3 }]
      }))
  })
}

describe("Scenario failures are readable", () => {
  it.effect("wrong events: a diff naming the field", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Scenario.command(DefineCourse, {
        when: { courseId: "c1", capacity: 3 },
        then: [CourseDefined.make({ courseId: "c1", capacity: 4 })]
      }))
      expect(error).toBeInstanceOf(Diff.AssertionFailed)
      expect(error.message).toContain("command DefineCourse: appended events")
      expect(error.message).toContain("-       \"capacity\": 4")
      expect(error.message).toContain("+       \"capacity\": 3")
    }))

  it.effect("expected a failure, got a success (and vice versa)", () =>
    Effect.gen(function*() {
      const a = yield* Effect.flip(Scenario.command(DefineCourse, {
        when: { courseId: "c1", capacity: 3 },
        thenFails: "CourseAlreadyExists"
      }))
      expect(a.message).toContain("expected it to fail with CourseAlreadyExists, but it succeeded")
      const b = yield* Effect.flip(Scenario.command(SubscribeStudentToCourse, {
        given: [c1, StudentSubscribedToCourse.make({ studentId: "s1", courseId: "c1" })],
        when: { studentId: "s1", courseId: "c1" },
        then: []
      }))
      expect(b.message).toContain("expected it to append events, but it failed with")
      expect(b.message).toContain("AlreadySubscribed")
      void AlreadySubscribed
    }))

  it.effect("a view state that differs", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Scenario.view(CourseAvailability, { given: [c1], key: "c1", then: undefined }))
      expect(error.message).toContain("view CourseAvailability, key \"c1\"")
      expect(error.message).toContain("- undefined")
    }))

  it.effect("an automation that triggered something else", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Scenario.automation(ConfirmWaitlistedStudents, {
        given: [c1, StudentUnsubscribedFromCourse.make({ studentId: "s1", courseId: "c1" })],
        then: [{ command: "ConfirmWaitlisted", idempotencyKey: "nope" }]
      }))
      // nobody was waitlisted: the command ran but appended nothing
      expect(error.message).toContain("- ")
      expect(error.message).toContain("\"idempotencyKey\": \"nope\"")
    }))
})

describe("HttpTest", () => {
  const app = App.make("courses", [
    Route.command("defineCourse", "POST", "/courses", DefineCourse),
    Route.view("course", "/courses/:courseId", CourseAvailability, {
      params: ["courseId"],
      success: Schema.Struct({ capacity: Schema.Int, subscribed: Schema.Int }),
      consistent: true
    }),
    Route.route(HttpApiEndpoint.get("health", "/health", { success: Schema.Struct({ ok: Schema.Boolean }) }), () =>
      Effect.succeed({ ok: true }))
  ])

  for (const backend of Backend.all) {
    it.effect(`an in-memory client over the app (${backend.name})`, () =>
      Effect.gen(function*() {
        const api = yield* HttpTest.make(app, { backend })
        expect((yield* api.post("/courses", { courseId: "c1", capacity: 2 })).status).toBe(200)
        expect(yield* api.get("/courses/c1")).toMatchObject({ status: 200, body: { capacity: 2, subscribed: 0 } })
        expect((yield* api.post("/courses", { courseId: "", capacity: 2 })).status).toBe(422)
        const typed = yield* api.typed
        expect(yield* typed.health()).toEqual({ ok: true })
        const head = yield* api.use(EventStore.head)
        expect(head._tag).toBe("Some")
      }))
  }
})

/**
 * Course subscriptions, part two (`node examples/courses/waitlistMain.ts`):
 * the waitlist, the "course availability" view and the automation that
 * confirms the first waitlisted student when a seat frees, all running on
 * the in-memory layer.
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import * as Memory from "../../src/Layer/Memory.ts"
import { Automation, Command, Registry, View } from "../../src/Module/index.ts"
import { printLog } from "../runtime.ts"
import { CourseAvailability } from "./availability.ts"
import { DefineCourse, SubscribeStudentToCourse } from "./commands.ts"
import { ConfirmWaitlistedStudents } from "./confirmWaitlisted.ts"
import { JoinCourseWaitlist, UnsubscribeStudentFromCourse } from "./waitlist.ts"

/**
 * The modules this walkthrough runs.
 *
 * @category modules
 * @since 0.1.0
 */
export const modules = Registry.make([CourseAvailability, ConfirmWaitlistedStudents])

const show = (courseId: string) =>
  Effect.gen(function* () {
    // wait until the view has caught up with everything appended so far
    while (!(yield* View.status(CourseAvailability)).caughtUp) yield* Effect.sleep("5 millis")
    while (!(yield* Automation.status(ConfirmWaitlistedStudents)).caughtUp) yield* Effect.sleep("5 millis")
    while (!(yield* View.status(CourseAvailability)).caughtUp) yield* Effect.sleep("5 millis")
    const state = yield* View.get(CourseAvailability, courseId)
    yield* Option.match(state, {
      onNone: () => Console.log(`  ${courseId}: not in the view yet`),
      onSome: (c) =>
        Console.log(
          `  ${courseId}: ${c.subscribed}/${c.capacity} [${c.students.join(", ")}], ${c.available} free, waiting: [${c.waitlist.join(", ")}]`
        )
    })
  })

/**
 * The walkthrough (needs the stores, with the modules running).
 *
 * @category programs
 * @since 0.1.0
 */
export const program = Effect.gen(function* () {
  yield* Console.log("1. math holds 2: alice and bob get in, carol and dave join the waitlist")
  yield* Command.run(DefineCourse, { courseId: "math", capacity: 2 })
  for (const studentId of ["alice", "bob"]) yield* Command.run(SubscribeStudentToCourse, { studentId, courseId: "math" })
  for (const studentId of ["carol", "dave"]) yield* Command.run(JoinCourseWaitlist, { studentId, courseId: "math" })
  yield* show("math")
  yield* Console.log("\n2. bob leaves: the automation confirms carol, the first in line")
  yield* Command.run(UnsubscribeStudentFromCourse, { studentId: "bob", courseId: "math" })
  yield* show("math")
  yield* Console.log("\n3. the log (the confirmation was written by ConfirmWaitlisted, caused by bob's unsubscription)")
  yield* printLog()
})

if (import.meta.main) {
  program.pipe(Effect.provide(Memory.layer({ modules })), NodeRuntime.runMain)
}

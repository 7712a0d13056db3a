/**
 * Course subscriptions, the walkthrough (`npm start`).
 *
 * A course holds at most its capacity of students; a student takes at most
 * three courses; nobody subscribes twice. Run it to see each rule enforced,
 * then ten students racing for three seats.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "../../src/Dcb/index.ts"
import { Command } from "../../src/Module/index.ts"
import { describe, printLog, runExample } from "../runtime.ts"
import { ChangeCourseCapacity, DefineCourse, SubscribeStudentToCourse } from "./commands.ts"

const subscribe = (studentId: string, courseId: string) =>
  describe(
    Command.run(SubscribeStudentToCourse, { studentId, courseId }),
    (r) => `subscribed (position ${r.position}${r.attempts > 1 ? `, after ${r.attempts - 1} retries` : ""})`
  ).pipe(Effect.flatMap((outcome) => Console.log(`  ${studentId} -> ${courseId}: ${outcome}`)))

/**
 * The walkthrough, on any event store.
 *
 * @category programs
 * @since 0.1.0
 */
export const program: Effect.Effect<void, unknown, EventStore.EventStore> = Effect.gen(function* () {
  yield* Console.log("1. Define three courses")
  for (const [courseId, capacity] of [["math", 2], ["physics", 3], ["history", 10]] as const) {
    const r = yield* Command.run(DefineCourse, { courseId, capacity })
    yield* Console.log(`  ${courseId} (capacity ${capacity}) defined at position ${r.position}`)
  }
  yield* Console.log(`  math again: ${yield* describe(Command.run(DefineCourse, { courseId: "math", capacity: 5 }), () => "defined")}`)
  yield* Console.log(`  bad input: ${yield* describe(Command.run(DefineCourse, { courseId: "", capacity: -1 }), () => "defined")}`)

  yield* Console.log("\n2. Subscribe, one rule at a time")
  yield* subscribe("alice", "math")
  yield* subscribe("alice", "math") // no double subscription
  yield* subscribe("bob", "math")
  yield* subscribe("carol", "math") // math holds 2
  yield* subscribe("alice", "history")
  yield* subscribe("alice", "physics")
  yield* subscribe("alice", "chemistry") // no such course
  yield* Command.run(DefineCourse, { courseId: "art", capacity: 5 })
  yield* subscribe("alice", "art") // alice already takes 3 courses
  const raised = yield* Command.run(ChangeCourseCapacity, { courseId: "math", newCapacity: 3 })
  yield* Console.log(`  math capacity raised to 3 at position ${raised.position}`)
  yield* subscribe("carol", "math")

  yield* Console.log("\n3. Ten students race for the two seats left in physics (concurrently)")
  const racers = Array.from({ length: 10 }, (_, i) => `student-${i + 1}`)
  const results = yield* Effect.forEach(
    racers,
    (studentId) => Effect.result(Command.run(SubscribeStudentToCourse, { studentId, courseId: "physics" })),
    { concurrency: "unbounded" }
  )
  const won = results.flatMap((r, i) => (r._tag === "Success" ? [`${racers[i]} (attempt ${r.success.attempts})`] : []))
  const lost = results.flatMap((r) => (r._tag === "Failure" ? [r.failure._tag] : []))
  yield* Console.log(`  won: ${won.join(", ")}`)
  yield* Console.log(`  lost: ${lost.length} (${[...new Set(lost)].join(", ")})`)
  yield* Console.log("  each loser read the course, decided, and found at append time that someone had got in first;")
  yield* Console.log("  it re-read and decided again, until the course was full")

  yield* Console.log("\n4. The event log (one subscription event, tagged with course AND student)")
  yield* printLog()
})

if (import.meta.main) {
  console.log("Course subscriptions: a course holds at most its capacity, a student at most 3 courses, no double subscription\n")
  runExample(program)
}

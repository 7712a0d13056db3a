/**
 * Course subscriptions, the walkthrough (`npm start`).
 *
 * A course holds at most its capacity of students; a student takes at most
 * three courses; nobody subscribes twice. Part one shows each rule enforced,
 * then ten students racing for the last seats. Part two adds leaving a
 * course, the waitlist, the "course availability" view and the automation
 * that confirms the first waitlisted student when a seat frees; the view and
 * the automation run in the background the whole time (the in-memory stores
 * with the {@link modules} running).
 *
 * @since 0.1.0
 */
import { Console, Effect, Layer, Option } from "effect"
import * as Memory from "fairway/Layer/Memory"
import { Automation, AutomationStore, Command, Registry, View, ViewStore } from "fairway/Module"
import { describe, exampleStore, printLog, runExample } from "../runtime.ts"
import { CourseAvailability } from "./availability.ts"
import { ChangeCourseCapacity, DefineCourse, SubscribeStudentToCourse } from "./commands.ts"
import { ConfirmWaitlistedStudents } from "./confirmWaitlisted.ts"
import { JoinCourseWaitlist, UnsubscribeStudentFromCourse } from "./waitlist.ts"

/**
 * The modules running in the background: the view and the automation.
 *
 * @category modules
 * @since 0.1.0
 */
export const modules = Registry.make([CourseAvailability, ConfirmWaitlistedStudents])

/**
 * The stores in memory with the {@link modules} running. The event store is
 * the examples' {@link exampleStore} (in memory, with concurrent commands
 * interleaving as remote clients do), so the race in part one shows retries.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = Memory.withModules(
  Layer.mergeAll(exampleStore, ViewStore.layerMemory, AutomationStore.layerMemory),
  { modules }
)

// -- printing -----------------------------------------------------------------

const subscribe = (studentId: string, courseId: string) =>
  describe(
    Command.run(SubscribeStudentToCourse, { studentId, courseId }),
    (r) => `subscribed (position ${r.position}${r.attempts > 1 ? `, after ${r.attempts - 1} retries` : ""})`
  ).pipe(Effect.flatMap((outcome) => Console.log(`  ${studentId} -> ${courseId}: ${outcome}`)))

const unsubscribe = (studentId: string, courseId: string) =>
  describe(
    Command.run(UnsubscribeStudentFromCourse, { studentId, courseId }),
    (r) => `left (position ${r.position})`
  ).pipe(Effect.flatMap((outcome) => Console.log(`  ${studentId} <- ${courseId}: ${outcome}`)))

const joinWaitlist = (studentId: string, courseId: string) =>
  describe(
    Command.run(JoinCourseWaitlist, { studentId, courseId }),
    (r) => `on the waitlist (position ${r.position})`
  ).pipe(Effect.flatMap((outcome) => Console.log(`  ${studentId} ~> ${courseId} waitlist: ${outcome}`)))

/** Waits until the automation has handled everything appended so far, then brings the view up to date. */
const settle = Effect.gen(function* () {
  while (!(yield* Automation.status(ConfirmWaitlistedStudents)).caughtUp) yield* Effect.sleep("5 millis")
  yield* View.catchUp(CourseAvailability)
})

/** One course, as the availability view shows it. */
const show = (courseId: string) =>
  Effect.gen(function* () {
    yield* settle
    const state = yield* View.get(CourseAvailability, courseId)
    yield* Option.match(state, {
      onNone: () => Console.log(`  [view] ${courseId}: not in the view`),
      onSome: (c) =>
        Console.log(
          `  [view] ${courseId}: ${c.subscribed}/${c.capacity} [${c.students.join(", ")}], ` +
            `${c.available} free, waiting: [${c.waitlist.join(", ")}]`
        )
    })
  })

// -- the story ----------------------------------------------------------------

/**
 * Part one: the rules one at a time, then a race (needs only the event store).
 *
 * @category programs
 * @since 0.1.0
 */
export const rules = Effect.gen(function* () {
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
})

/**
 * Part two: leaving a course, the waitlist, the view and the automation
 * (needs the stores with the {@link modules} running; continues part one).
 *
 * @category programs
 * @since 0.1.0
 */
export const waitlist = Effect.gen(function* () {
  yield* Console.log("\n4. Leaving a course frees the seat, and the student's place")
  yield* subscribe("dave", "math") // math is full: alice, bob, carol
  yield* unsubscribe("alice", "math")
  yield* subscribe("dave", "math") // the seat alice freed
  yield* subscribe("alice", "art") // alice takes 2 courses now
  yield* unsubscribe("alice", "math") // not in it any more
  yield* show("math")

  yield* Console.log("\n5. math is full: erin and frank join its waitlist (first come, first served)")
  yield* joinWaitlist("erin", "history") // history has seats: subscribe instead
  yield* subscribe("erin", "math")
  yield* joinWaitlist("erin", "math")
  yield* joinWaitlist("frank", "math")
  yield* joinWaitlist("frank", "math") // already waiting
  yield* show("math")

  yield* Console.log("\n6. bob leaves: the automation confirms erin, the first in line")
  yield* unsubscribe("bob", "math")
  yield* show("math")

  yield* Console.log("\n7. math grows to 4 seats: the automation confirms frank")
  const grown = yield* Command.run(ChangeCourseCapacity, { courseId: "math", newCapacity: 4 })
  yield* Console.log(`  math capacity raised to 4 at position ${grown.position}`)
  yield* show("math")

  yield* Console.log("\n8. Every course, as the availability view lists it")
  for (const { key, state } of yield* View.list(CourseAvailability)) {
    yield* Console.log(`  ${key.padEnd(8)} ${state.subscribed}/${state.capacity}, ${state.available} free, ${state.waiting} waiting`)
  }
})

/**
 * The whole walkthrough, with its stores: {@link layer}.
 *
 * @category programs
 * @since 0.1.0
 */
export const program = Effect.gen(function* () {
  yield* rules
  yield* waitlist
  yield* Console.log("\n9. The event log (one event per fact, tagged with course AND student;")
  yield* Console.log("   the confirmations were written by ConfirmWaitlisted, run by the automation)")
  yield* printLog()
}).pipe(Effect.provide(layer))

if (import.meta.main) {
  console.log(
    "Course subscriptions: a course holds at most its capacity, a student at most 3 courses, no double subscription;\n" +
      "a seat freed by a student leaving goes to the first student on the waitlist\n"
  )
  runExample(program)
}

/**
 * The Studio's demo: a small course-subscription app (events, two commands,
 * two views, one automation) and a story that fills a store with something
 * worth looking at — students racing for the last seats of a course (so
 * commands conflict and retry), an automation whose handler fails on one
 * student (a dead letter), and a view that is only caught up at the start
 * (so it lags).
 *
 * `fairway studio` serves it by default; the browser tests load it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as DecisionModel from "../Dcb/DecisionModel.ts"
import * as DcbEvent from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import * as Automation from "../Module/Automation.ts"
import * as AutomationStore from "../Module/AutomationStore.ts"
import * as Command from "../Module/Command.ts"
import * as Registry from "../Module/Registry.ts"
import * as View from "../Module/View.ts"
import * as ViewStore from "../Module/ViewStore.ts"

// -- events -------------------------------------------------------------------

const Ids = Schema.Struct({ studentId: Schema.String, courseId: Schema.String })

/**
 * A course was opened with a number of seats.
 *
 * @category events
 * @since 0.1.0
 */
export const CourseOpened = DcbEvent.define("CourseOpened", {
  payload: Schema.Struct({ courseId: Schema.String, seats: Schema.Int }),
  tags: (p) => [`course:${p.courseId}`]
})

/**
 * A student took a seat in a course.
 *
 * @category events
 * @since 0.1.0
 */
export const SeatTaken = DcbEvent.define("SeatTaken", {
  payload: Ids,
  tags: (p) => [`course:${p.courseId}`, `student:${p.studentId}`]
})

/**
 * The events of the demo, for decoding payloads in the Studio.
 *
 * @category events
 * @since 0.1.0
 */
export const events = [CourseOpened, SeatTaken] as const

// -- commands -----------------------------------------------------------------

/**
 * The course is full.
 *
 * @category errors
 * @since 0.1.0
 */
export class CourseFull extends Schema.TaggedError<CourseFull>()("CourseFull", { courseId: Schema.String }) {
  override get message() {
    return `course ${this.courseId} is full`
  }
}

const course = (courseId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [CourseOpened.type, SeatTaken.type], tags: [`course:${courseId}`] }),
    initial: { seats: 0, taken: [] as ReadonlyArray<string> },
    events: [CourseOpened, SeatTaken],
    evolve: (state, event) =>
      event.type === "CourseOpened"
        ? { ...state, seats: event.payload.seats }
        : { ...state, taken: [...state.taken, event.payload.studentId] }
  })

/**
 * Opens a course (once).
 *
 * @category commands
 * @since 0.1.0
 */
export const OpenCourse = Command.make({
  name: "OpenCourse",
  input: Schema.Struct({ courseId: Schema.NonEmptyString, seats: Schema.Int.check(Schema.isGreaterThan(0)) }),
  model: ({ courseId }) => course(courseId),
  decide: (state, { courseId, seats }) => Effect.succeed(state.seats > 0 ? [] : [CourseOpened.make({ courseId, seats })])
})

/**
 * Takes a seat in a course while one is free. Its events carry a `session`
 * metadata value, which the demo marks secret.
 *
 * @category commands
 * @since 0.1.0
 */
export const TakeSeat = Command.make({
  name: "TakeSeat",
  input: Ids,
  model: ({ courseId }) => course(courseId),
  decide: (state, { courseId, studentId }) => {
    if (state.taken.includes(studentId)) return Effect.succeed([])
    if (state.taken.length >= state.seats) return Effect.fail(new CourseFull({ courseId }))
    return Effect.succeed([SeatTaken.make({ studentId, courseId }, { session: `session-of-${studentId}` })])
  },
  retry: { times: 20 }
})

// -- views and automation -------------------------------------------------------

/**
 * Seats taken per course (run continuously: caught up).
 *
 * @category views
 * @since 0.1.0
 */
export const Roster = View.make({
  name: "Roster",
  version: 1,
  query: Query.item({ types: [SeatTaken.type] }),
  events: [SeatTaken],
  initial: [] as ReadonlyArray<string>,
  key: (event) => event.payload.courseId,
  evolve: (students, event) => [...students, event.payload.studentId]
})

/**
 * Courses per student: caught up once at the start and not run, so it lags
 * behind the log (what a stopped view looks like).
 *
 * @category views
 * @since 0.1.0
 */
export const Timetable = View.make({
  name: "Timetable",
  version: 1,
  query: Query.item({ types: [SeatTaken.type] }),
  events: [SeatTaken],
  initial: [] as ReadonlyArray<string>,
  key: (event) => event.payload.studentId,
  evolve: (courses, event) => [...courses, event.payload.courseId]
})

/**
 * Mail could not be delivered.
 *
 * @category errors
 * @since 0.1.0
 */
export class MailBounced extends Schema.TaggedError<MailBounced>()("MailBounced", { studentId: Schema.String }) {
  override get message() {
    return `the welcome mail to ${this.studentId} bounced`
  }
}

/**
 * Welcomes each student who took a seat; the mail to `mallory` always
 * bounces, so that event ends as a dead letter.
 *
 * @category automations
 * @since 0.1.0
 */
export const Welcome = Automation.make({
  name: "Welcome",
  query: Query.item({ types: [SeatTaken.type] }),
  events: [SeatTaken],
  handle: (event) =>
    event.payload.studentId === "mallory" ? Effect.fail(new MailBounced({ studentId: "mallory" })) : Effect.void,
  maxAttempts: 2,
  retry: Schedule.spaced("10 millis"),
  leaseMillis: 5_000
})

/**
 * The demo's modules.
 *
 * @category modules
 * @since 0.1.0
 */
export const modules = Registry.make([OpenCourse, TakeSeat, Roster, Timetable, Welcome])

/**
 * The metadata keys the demo marks secret.
 *
 * @category modules
 * @since 0.1.0
 */
export const secretMetadata = ["session"] as const

// -- the story ------------------------------------------------------------------

/**
 * Interleaves concurrent commands as remote clients do: every read and
 * append of the wrapped store yields first, so a racing command reads, then
 * another appends, then its own append conflicts.
 *
 * @category layers
 * @since 0.1.0
 */
export const interleaved = (store: EventStore.EventStoreShape): EventStore.EventStoreShape => ({
  ...store,
  read: (query, options) => Stream.concat(Stream.fromEffectDrain(Effect.yieldNow), store.read(query, options)),
  append: (events, options) => Effect.andThen(Effect.yieldNow, store.append(events, options))
})

/**
 * Fills the store: opens three courses, races ten students for the three
 * seats of `physics` (concurrently: conflicts and retries), seats `mallory`
 * (whose welcome mail bounces), and takes more seats after `Timetable` was
 * caught up (so it lags). Waits until `Welcome` has parked mallory's event.
 *
 * @category demo
 * @since 0.1.0
 */
export const seed = Effect.gen(function* () {
  const store = yield* EventStore.EventStore
  const run = (command: typeof OpenCourse | typeof TakeSeat, input: unknown) =>
    Effect.result(Command.runUnknown(command as typeof TakeSeat, input).pipe(Effect.provideService(EventStore.EventStore, interleaved(store))))
  for (const [courseId, seats] of [["math", 5], ["physics", 3], ["history", 10]] as const) {
    yield* run(OpenCourse, { courseId, seats })
  }
  yield* run(TakeSeat, { studentId: "alice", courseId: "math" })
  yield* run(TakeSeat, { studentId: "bob", courseId: "math" })
  yield* Effect.forEach(
    Array.from({ length: 10 }, (_, i) => `racer-${i + 1}`),
    (studentId) => run(TakeSeat, { studentId, courseId: "physics" }),
    { concurrency: "unbounded", discard: true }
  )
  yield* Effect.orDie(View.catchUp(Timetable))
  yield* run(TakeSeat, { studentId: "mallory", courseId: "history" })
  yield* run(TakeSeat, { studentId: "carol", courseId: "history" })
  const automations = yield* AutomationStore.AutomationStore
  while ((yield* automations.deadLetters(Welcome.name)).length === 0) yield* Effect.sleep("10 millis")
})

/**
 * The demo on the stores in context: the running modules (`Roster`,
 * `Welcome`) and the {@link seed}. Every command attempt is recorded when
 * the context also holds a `Command.AttemptObserver` (`Boundaries.layer()`).
 *
 * @category demo
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  never,
  Registry.DuplicateModule,
  EventStore.EventStore | ViewStore.ViewStore | AutomationStore.AutomationStore
> = Layer.effectDiscard(Effect.orDie(seed)).pipe(Layer.provide(Registry.layer(Registry.make([Roster, Welcome]))))

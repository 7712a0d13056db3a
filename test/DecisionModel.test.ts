import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { AppendCondition, DecisionModel, Event, EventStore, Query } from "fairway/Dcb"

const CourseDefined = Event.define("CourseDefined", {
  payload: Schema.Struct({ courseId: Schema.String, capacity: Schema.Int }),
  tags: (p) => [`course:${p.courseId}`]
})
const Subscribed = Event.define("Subscribed", {
  payload: Schema.Struct({ studentId: Schema.String, courseId: Schema.String }),
  tags: (p) => [`student:${p.studentId}`, `course:${p.courseId}`]
})

const course = (courseId: string) =>
  DecisionModel.make({
    query: Query.item({ tags: [`course:${courseId}`] }),
    initial: { capacity: 0, students: [] as ReadonlyArray<string> },
    events: [CourseDefined, Subscribed],
    evolve: (state, event) =>
      event.type === "CourseDefined"
        ? { ...state, capacity: event.payload.capacity }
        : { ...state, students: [...state.students, event.payload.studentId] }
  })
const student = (studentId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Subscribed.type], tags: [`student:${studentId}`] }),
    initial: [] as ReadonlyArray<string>,
    events: [Subscribed],
    evolve: (courses, event) => [...courses, event.payload.courseId]
  })

/** The memory store, counting the reads made through it. */
const counting = (reads: { n: number }) =>
  Layer.effect(
    EventStore.EventStore,
    Effect.map(EventStore.EventStore, (store) =>
      EventStore.EventStore.of({
        ...store,
        read: (query, options) => {
          reads.n++
          return store.read(query, options)
        }
      }))
  ).pipe(Layer.provide(EventStore.layerMemory))

const seed = EventStore.append([
  CourseDefined.make({ courseId: "c1", capacity: 2 }), // 1
  CourseDefined.make({ courseId: "c2", capacity: 5 }), // 2
  Subscribed.make({ studentId: "s1", courseId: "c1" }), // 3
  Subscribed.make({ studentId: "s1", courseId: "c2" }), // 4
  Subscribed.make({ studentId: "s2", courseId: "c1" }), // 5
  Event.make("Unrelated", ["course:c1"], "not json") // 6: in course:c1's query, but not a declared type
])

describe("DecisionModel", () => {
  it.effect("a projection folds only its declared types among the events matching its query", () =>
    Effect.gen(function* () {
      yield* seed
      const { condition, position, state } = yield* DecisionModel.read(course("c1"))
      expect(state).toEqual({ capacity: 2, students: ["s1", "s2"] })
      expect(position).toBe(6n)
      expect(condition).toEqual(AppendCondition.make(Query.item({ tags: ["course:c1"] }), 6n as any))
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("with no matching event, the state is the initial one and the condition has no `after`", () =>
    Effect.gen(function* () {
      yield* seed
      const { condition, position, state } = yield* DecisionModel.read(student("nobody"))
      expect(state).toEqual([])
      expect(position).toBeUndefined()
      expect(condition.after).toBeUndefined()
      expect("after" in condition).toBe(false)
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("combine reads once with the union query, and each projection folds its own events", () => {
    const reads = { n: 0 }
    return Effect.gen(function* () {
      yield* seed
      const model = DecisionModel.combine({ course: course("c2"), student: student("s2") })
      const { condition, position, state } = yield* DecisionModel.read(model)
      expect(reads.n).toBe(1)
      // s2's subscription to c1 (position 5) matches the union query but is not a c2 event
      expect(state).toEqual({ course: { capacity: 5, students: ["s1"] }, student: ["c1"] })
      expect(position).toBe(5n)
      expect(condition.failIfEventsMatch).toEqual(
        Query.fromItems([{ tags: ["course:c2"] }, { types: ["Subscribed"], tags: ["student:s2"] }])
      )
      expect(condition.after).toBe(5n)
    }).pipe(Effect.provide(counting(reads)))
  })

  it.effect("combined models combine again", () =>
    Effect.gen(function* () {
      yield* seed
      const raw = DecisionModel.makeRaw({
        query: Query.item({ types: ["Unrelated"] }),
        initial: 0,
        evolve: (n) => n + 1
      })
      const model = DecisionModel.combine({ pair: DecisionModel.combine({ a: student("s1"), b: student("s2") }), raw })
      const { state } = yield* DecisionModel.read(model)
      expect(state).toEqual({ pair: { a: ["c1", "c2"], b: ["c1"] }, raw: 1 })
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("the condition fails an append when an event matching any part lands after the read, not otherwise", () =>
    Effect.gen(function* () {
      yield* seed
      const model = DecisionModel.combine({ course: course("c2"), student: student("s3") })
      const first = yield* DecisionModel.read(model)
      // unrelated to both parts: the decision still holds
      yield* EventStore.append([Subscribed.make({ studentId: "s9", courseId: "c1" })])
      yield* EventStore.append([Subscribed.make({ studentId: "s3", courseId: "c2" })], { condition: first.condition })
      // the student part changed since `second` was read: its condition fails
      const second = yield* DecisionModel.read(model)
      yield* EventStore.append([Subscribed.make({ studentId: "s3", courseId: "c1" })])
      const error = yield* Effect.flip(
        EventStore.append([Subscribed.make({ studentId: "s3", courseId: "c2" })], { condition: second.condition })
      )
      assert(error._tag === "AppendConditionFailed")
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("an event of a declared type that does not decode fails the read with EventDecodeError", () =>
    Effect.gen(function* () {
      yield* EventStore.append([Event.make("Subscribed", ["student:s1", "course:c1"], JSON.stringify({ studentId: 1 }))])
      const error = yield* Effect.flip(DecisionModel.read(student("s1")))
      assert(error._tag === "EventDecodeError")
      expect(error.position).toBe(1n)
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("an invalid query is a typed error", () =>
    Effect.gen(function* () {
      const model = DecisionModel.make({ query: Query.fromItems([{}]), initial: 0, events: [Subscribed], evolve: (n) => n })
      const error = yield* Effect.flip(DecisionModel.read(model))
      expect(error._tag).toBe("InvalidQuery")
      expect(DecisionModel.isDecisionModel(model)).toBe(true)
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

/**
 * The DCB contract every `EventStore` backend must honour, as one reusable
 * vitest suite: `conformance("memory", () => EventStore.layerMemory)`.
 *
 * The suite uses the store only through the `EventStore.EventStore` service,
 * builds a fresh store (a fresh layer) for every test, and runs on the real
 * clock (`it.live`) so that backends with timers or retries never wait on a
 * `TestClock`.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as SequencePosition from "fairway/Dcb/SequencePosition"

/**
 * Options of {@link conformance}.
 *
 * @since 0.1.0
 */
export interface ConformanceOptions {
  /** how many concurrent writers in the race tests (default 16) */
  readonly concurrency?: number
  /** number of runs of the property test (default 50) */
  readonly propertyRuns?: number
}

// -----------------------------------------------------------------------------
// Helpers
// -----------------------------------------------------------------------------

type Store = EventStore.EventStoreShape
type Position = SequencePosition.SequencePosition

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A new event whose payload is the UTF-8 `label` (used to recognise it). */
const ev = (type: string, tags: ReadonlyArray<string>, label = ""): Event.NewEvent => ({
  type,
  tags,
  data: encoder.encode(label)
})

const labelOf = (event: Event.SequencedEvent): string => decoder.decode(event.data)

const readAll = (store: Store, query: Query.Query = Query.all(), options?: EventStore.ReadOptions) =>
  Stream.runCollect(store.read(query, options))

const labels = (store: Store, query: Query.Query, options?: EventStore.ReadOptions) =>
  Effect.map(readAll(store, query, options), (events) => events.map(labelOf))

const positions = (events: ReadonlyArray<Event.SequencedEvent>): Array<Position> => events.map((e) => e.position)

/** Everything observable about the store: all events and the head. */
const snapshot = (store: Store) =>
  Effect.map(Effect.all([readAll(store), store.head]), ([events, head]) => ({
    events: events.map((e) => ({ position: e.position, type: e.type, tags: [...e.tags], label: labelOf(e) })),
    head
  }))

/** The position of the last event matching `query`, if any. */
const lastPosition = (store: Store, query: Query.Query) =>
  Effect.map(readAll(store, query, { backwards: true, limit: 1 }), (events) => events[0]?.position)

const expectAscending = (ps: ReadonlyArray<Position>) => {
  for (let i = 1; i < ps.length; i++) expect(ps[i]! > ps[i - 1]!, `position ${ps[i]} after ${ps[i - 1]}`).toBe(true)
}

/** Appends `events` one append each, returning the positions. */
const appendEach = (store: Store, events: ReadonlyArray<Event.NewEvent>) =>
  Effect.forEach(events, (event) => store.append([event]))

/** A guard against a hang: a broken subscription fails the test instead of waiting for vitest. */
const guard = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(self, {
    duration: "40 seconds",
    orElse: () => Effect.die(new Error("timed out: the store never delivered what the test waited for"))
  })

/** `n` fibers that each run `body(i)` once every one of them has run `prepare(i)`. */
const together = <P, A, E, R>(
  n: number,
  prepare: (i: number) => Effect.Effect<P, E, R>,
  body: (i: number, prepared: P) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const ready = yield* Deferred.make<void>()
    let arrived = 0
    return yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) =>
        Effect.gen(function*() {
          const prepared = yield* prepare(i)
          arrived++
          if (arrived === n) yield* Deferred.succeed(ready, undefined)
          yield* Deferred.await(ready)
          return yield* body(i, prepared)
        }),
      { concurrency: "unbounded" }
    )
  })

/**
 * The events of the query-rule tests:
 * e1 A [x:1] · e2 B [x:1 y:1] · e3 C [y:1] · e4 A [x:2 y:1] · e5 B [] · e6 A [x:1 y:1 z:1]
 */
const fixture: ReadonlyArray<Event.NewEvent> = [
  ev("A", ["x:1"], "e1"),
  ev("B", ["x:1", "y:1"], "e2"),
  ev("C", ["y:1"], "e3"),
  ev("A", ["x:2", "y:1"], "e4"),
  ev("B", [], "e5"),
  ev("A", ["x:1", "y:1", "z:1"], "e6")
]

// -----------------------------------------------------------------------------
// Reference model of the property test
// -----------------------------------------------------------------------------

const TypeS = Schema.Literals(["A", "B", "C"])
const TagS = Schema.Literals(["t:1", "t:2", "u:1", "u:2"])
const ItemS = Schema.Struct({
  types: Schema.Array(TypeS).check(Schema.isMaxLength(2)),
  // up to three tags: items of three tags are checked differently on FoundationDB (a join of tag pairs)
  tags: Schema.Array(TagS).check(Schema.isMaxLength(3))
})
const QueryS = Schema.Union([Schema.Literal("all"), Schema.Array(ItemS).check(Schema.isMinLength(1), Schema.isMaxLength(3))])
/** 0: no position; 1: position 0; k >= 2: a known position (odd k: one less). */
const PickS = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 14 }))
const EventS = Schema.Struct({
  type: TypeS,
  tags: Schema.Array(TagS).check(Schema.isMaxLength(4)),
  label: Schema.Literals(["", "a", "bb"])
})
const OpS = Schema.Union([
  Schema.TaggedStruct("Append", {
    events: Schema.Array(EventS).check(Schema.isMinLength(1), Schema.isMaxLength(3)),
    condition: Schema.optionalKey(Schema.Struct({ query: QueryS, after: PickS })),
    // several conditions, each with its own position (`condition`, when present, is the first)
    conditions: Schema.optionalKey(Schema.Array(Schema.Struct({ query: QueryS, after: PickS })).check(Schema.isMaxLength(3))),
    appendId: Schema.optionalKey(Schema.Literals(["id-1", "id-2", "id-3"]))
  }),
  Schema.TaggedStruct("Read", {
    query: QueryS,
    after: PickS,
    before: PickS,
    limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 4 }))),
    backwards: Schema.Boolean
  })
])
type Op = typeof OpS.Type
const OpsArbitrary = Arbitrary.array(Arbitrary.schema(OpS), { minLength: 4, maxLength: 40 })

interface ModelEvent {
  readonly position: Position
  readonly type: string
  readonly tags: ReadonlyArray<string>
  readonly label: string
}
type ModelItem = { readonly types: ReadonlyArray<string>; readonly tags: ReadonlyArray<string> }
type ModelQuery = "all" | ReadonlyArray<ModelItem>

/** Valid items only: an item with neither types nor tags becomes `{ types: ["A"] }`. */
const normalizeQuery = (q: typeof QueryS.Type): ModelQuery =>
  q === "all" ? "all" : q.map((item) => (item.types.length === 0 && item.tags.length === 0 ? { types: ["A"], tags: [] } : item))

const toQuery = (q: ModelQuery): Query.Query =>
  q === "all"
    ? Query.all()
    : Query.fromItems(q.map((item) => ({
      ...(item.types.length > 0 ? { types: item.types } : {}),
      ...(item.tags.length > 0 ? { tags: item.tags } : {})
    })))

/** The reference filter, written independently of `Query.matches`. */
const modelMatches = (q: ModelQuery, e: ModelEvent): boolean =>
  q === "all" ||
  q.some((item) =>
    (item.types.length === 0 || item.types.includes(e.type)) && item.tags.every((tag) => e.tags.includes(tag))
  )

const canonicalTags = (tags: ReadonlyArray<string>): Array<string> => [...new Set(tags)].sort()

const toModel = (e: Event.SequencedEvent): ModelEvent => ({
  position: e.position,
  type: e.type,
  tags: canonicalTags(e.tags),
  label: labelOf(e)
})

const pick = (known: ReadonlyArray<Position>, k: number): Position | undefined => {
  if (k === 0) return undefined
  if (k === 1) return SequencePosition.make(0n)
  if (known.length === 0) return undefined
  const p = known[((k - 2) >> 1) % known.length]!
  return k % 2 === 1 && p > 0n ? SequencePosition.make(p - 1n) : p
}

/** Runs a sequence of operations against the store and the model, asserting they agree. */
const runScenario = (ops: ReadonlyArray<Op>) =>
  Effect.gen(function*() {
    const store = yield* EventStore.EventStore
    const log: Array<ModelEvent> = []
    const ids = new Map<string, { readonly print: string; readonly position: Position }>()
    for (const [step, op] of ops.entries()) {
      const where = `step ${step}: ${JSON.stringify(op)}`
      const known = log.map((e) => e.position)
      if (op._tag === "Read") {
        const q = normalizeQuery(op.query)
        const after = pick(known, op.after)
        const before = pick(known, op.before)
        let expected = log.filter((e) =>
          modelMatches(q, e) && (after === undefined || e.position > after) && (before === undefined || e.position < before)
        )
        if (op.backwards) expected = expected.reverse()
        if (op.limit !== undefined) expected = expected.slice(0, op.limit)
        const actual = yield* readAll(store, toQuery(q), {
          ...(after !== undefined ? { after } : {}),
          ...(before !== undefined ? { before } : {}),
          ...(op.limit !== undefined ? { limit: op.limit } : {}),
          backwards: op.backwards
        })
        expect(actual.map(toModel), where).toEqual(expected)
      } else {
        const events = op.events.map((e) => ev(e.type, canonicalTags(e.tags), e.label))
        const print = JSON.stringify(events.map((e) => [e.type, e.tags, decoder.decode(e.data)]))
        const modelCondition = (c: { readonly query: typeof QueryS.Type; readonly after: number }) => ({
          query: normalizeQuery(c.query),
          after: pick(known, c.after)
        })
        const toCondition = (c: ReturnType<typeof modelCondition>) => ({
          failIfEventsMatch: toQuery(c.query),
          ...(c.after !== undefined ? { after: c.after } : {})
        })
        const condition = op.condition === undefined ? undefined : modelCondition(op.condition)
        const several = op.conditions?.map(modelCondition)
        const result = yield* Effect.result(store.append(events, {
          ...(condition !== undefined ? { condition: toCondition(condition) } : {}),
          ...(several !== undefined ? { conditions: several.map(toCondition) } : {}),
          ...(op.appendId !== undefined ? { appendId: op.appendId } : {})
        }))
        const first = op.appendId === undefined ? undefined : ids.get(op.appendId)
        // the failing condition of lowest index (`condition` first), and its first matching event
        const all = [...(condition !== undefined ? [condition] : []), ...(several ?? [])]
        const failures = all.map((c) => log.find((e) => modelMatches(c.query, e) && (c.after === undefined || e.position > c.after)))
        const failedIndex = failures.findIndex((e) => e !== undefined)
        const conflict = failedIndex < 0 ? undefined : failures[failedIndex]
        if (first !== undefined && first.print === print) {
          expect(result, where).toEqual(Result.succeed(first.position))
        } else if (first !== undefined) {
          expect(Result.isFailure(result), where).toBe(true)
          const error = (result as Result.Failure<Position, EventStore.AppendError>).failure
          expect(error._tag, where).toBe("AppendIdReused")
          expect((error as EventStore.AppendIdReused).firstPosition, where).toBe(first.position)
        } else if (conflict !== undefined) {
          expect(Result.isFailure(result), where).toBe(true)
          const error = (result as Result.Failure<Position, EventStore.AppendError>).failure
          expect(error._tag, where).toBe("AppendConditionFailed")
          expect((error as EventStore.AppendConditionFailed).conflictingPosition, where).toBe(conflict.position)
          expect((error as EventStore.AppendConditionFailed).conditionIndex, where).toBe(failedIndex)
          expect((error as EventStore.AppendConditionFailed).after, where).toBe(all[failedIndex]!.after)
        } else {
          if (Result.isFailure(result)) expect.fail(`${where}: unexpected ${result.failure._tag}: ${result.failure.message}`)
          const position = (result as Result.Success<Position, EventStore.AppendError>).success
          const previous = log.at(-1)?.position
          if (previous !== undefined) expect(position > previous, where).toBe(true)
          const fresh = yield* readAll(store, Query.all(), previous === undefined ? undefined : { after: previous })
          expect(fresh.map((e) => [e.type, [...e.tags], labelOf(e)]), where).toEqual(
            events.map((e) => [e.type, e.tags, decoder.decode(e.data)])
          )
          expectAscending(positions(fresh))
          expect(fresh.at(-1)?.position, where).toBe(position)
          log.push(...fresh.map(toModel))
          if (op.appendId !== undefined) ids.set(op.appendId, { print, position })
        }
      }
      expect(yield* store.head, where).toEqual(Option.fromUndefinedOr(log.at(-1)?.position))
    }
    expect((yield* readAll(store)).map(toModel)).toEqual(log)
  })

// -----------------------------------------------------------------------------
// The suite
// -----------------------------------------------------------------------------

/**
 * Registers (with describe/it from @effect/vitest) the whole DCB contract for a
 * backend. `makeLayer` is called once per test, so every test gets a fresh,
 * empty store.
 *
 * @since 0.1.0
 */
export const conformance = (
  name: string,
  makeLayer: () => Layer.Layer<EventStore.EventStore, unknown>,
  options?: ConformanceOptions
): void => {
  const concurrency = options?.concurrency ?? 16
  const propertyRuns = options?.propertyRuns ?? 50

  /** One test on a fresh store, on the real clock. */
  const test = (
    title: string,
    body: (store: Store) => Effect.Effect<unknown, unknown, Scope.Scope>,
    timeout?: number
  ) =>
    it.live(
      title,
      () => Effect.flatMap(EventStore.EventStore, body).pipe(Effect.provide(makeLayer())),
      timeout
    )

  describe(`EventStore conformance: ${name}`, () => {
    describe("reading and query rules", () => {
      test("an empty store reads nothing and has no head", (store) =>
        Effect.gen(function*() {
          expect(yield* readAll(store)).toEqual([])
          expect(yield* readAll(store, Query.fromItems([{ types: ["A"] }]))).toEqual([])
          expect(yield* store.head).toEqual(Option.none())
        }))

      test("the log keeps a copy of each payload: changing the appended buffer afterwards changes no event", (store) =>
        Effect.gen(function*() {
          const small = encoder.encode("small")
          const large = new Uint8Array(5000).fill(7)
          const other = encoder.encode("other")
          yield* store.append([{ type: "A", tags: [], data: small }, { type: "A", tags: [], data: large }])
          yield* store.append([{ type: "B", tags: [], data: other }])
          small.fill(0)
          large.fill(0)
          other.fill(0)
          const events = yield* readAll(store)
          expect(decoder.decode(events[0]!.data)).toBe("small")
          expect(events[1]!.data).toEqual(new Uint8Array(5000).fill(7))
          expect(decoder.decode(events[2]!.data)).toBe("other")
          expect(events.map((e) => e.data.byteLength)).toEqual([5, 5000, 5])
        }))

      test("Query.all() reads every event in append order", (store) =>
        Effect.gen(function*() {
          yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.all())).toEqual(["e1", "e2", "e3", "e4", "e5", "e6"])
        }))

      test("types are OR'ed", (store) =>
        Effect.gen(function*() {
          yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }]))).toEqual(["e1", "e4", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["A", "B"] }]))).toEqual(["e1", "e2", "e4", "e5", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["C", "Nope"] }]))).toEqual(["e3"])
          expect(yield* labels(store, Query.fromItems([{ types: ["Nope"] }]))).toEqual([])
        }))

      test("tags are AND'ed", (store) =>
        Effect.gen(function*() {
          yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.fromItems([{ tags: ["x:1"] }]))).toEqual(["e1", "e2", "e6"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["x:1", "y:1"] }]))).toEqual(["e2", "e6"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["y:1", "x:1", "z:1"] }]))).toEqual(["e6"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["x:1", "nope"] }]))).toEqual([])
          expect(yield* labels(store, Query.fromItems([{ tags: ["nope"] }]))).toEqual([])
        }))

      test("an item's types and tags must both match", (store) =>
        Effect.gen(function*() {
          yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.fromItems([{ types: ["A"], tags: ["y:1"] }]))).toEqual(["e4", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["A", "C"], tags: ["y:1"] }]))).toEqual(["e3", "e4", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["B"], tags: ["x:1", "y:1"] }]))).toEqual(["e2"])
          expect(yield* labels(store, Query.fromItems([{ types: ["C"], tags: ["x:1"] }]))).toEqual([])
        }))

      test("items are OR'ed, and an event matching several items is read once", (store) =>
        Effect.gen(function*() {
          yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.fromItems([{ types: ["C"] }, { tags: ["x:2"] }]))).toEqual(["e3", "e4"])
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }, { tags: ["x:1"] }]))).toEqual(["e1", "e2", "e4", "e6"])
          expect(
            yield* labels(store, Query.fromItems([{ types: ["B"] }, { tags: ["z:1"] }, { types: ["A"], tags: ["x:2"] }]))
          ).toEqual(["e2", "e4", "e5", "e6"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["y:1"] }, { tags: ["y:1"] }]))).toEqual(["e2", "e3", "e4", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["Nope"] }, { tags: ["nope"] }]))).toEqual([])
        }))

      test("stored events keep their type, tags, payload bytes and metadata, and get a timestamp", (store) =>
        Effect.gen(function*() {
          const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255])
          const position = yield* store.append([
            { type: "Binary", tags: ["k:v", "a:b"], data: bytes, metadata: { correlationId: "c-1", command: "Do" } },
            { type: "Empty", tags: [], data: new Uint8Array(0) }
          ])
          const events = yield* readAll(store)
          expect(events).toHaveLength(2)
          const [binary, empty] = events as [Event.SequencedEvent, Event.SequencedEvent]
          expect(binary.type).toBe("Binary")
          expect([...binary.tags].sort()).toEqual(["a:b", "k:v"])
          expect(Array.from(binary.data)).toEqual(Array.from(bytes))
          expect(binary.metadata).toEqual({ correlationId: "c-1", command: "Do" })
          expect(DateTime.isDateTime(binary.recordedAt)).toBe(true)
          expect(empty.type).toBe("Empty")
          expect([...empty.tags]).toEqual([])
          expect(empty.data.byteLength).toBe(0)
          expect(empty.metadata ?? {}).toEqual({})
          expect(empty.position).toBe(position)
        }))
    })

    describe("positions, after, limit, backwards", () => {
      test("positions increase within and across appends; append returns the last one; head follows", (store) =>
        Effect.gen(function*() {
          const p1 = yield* store.append([ev("A", [], "1")])
          expect(yield* store.head).toEqual(Option.some(p1))
          const p3 = yield* store.append([ev("A", [], "2"), ev("B", [], "3")])
          const p4 = yield* store.append([ev("C", [], "4")])
          expect(p3 > p1).toBe(true)
          expect(p4 > p3).toBe(true)
          const events = yield* readAll(store)
          expect(events.map(labelOf)).toEqual(["1", "2", "3", "4"])
          expectAscending(positions(events))
          expect(events[0]!.position).toBe(p1)
          expect(events[2]!.position).toBe(p3)
          expect(events[3]!.position).toBe(p4)
          expect(new Set(positions(events)).size).toBe(4)
          expect(yield* store.head).toEqual(Option.some(p4))
          // a read does not change the head
          expect(yield* store.head).toEqual(Option.some(p4))
        }))

      test("after is exclusive", (store) =>
        Effect.gen(function*() {
          const ps = yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.all(), { after: ps[0]! })).toEqual(["e2", "e3", "e4", "e5", "e6"])
          expect(yield* labels(store, Query.all(), { after: ps[3]! })).toEqual(["e5", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }]), { after: ps[0]! })).toEqual(["e4", "e6"])
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }]), { after: ps[3]! })).toEqual(["e6"])
          expect(yield* labels(store, Query.all(), { after: ps[5]! })).toEqual([])
          expect(yield* labels(store, Query.all(), { after: SequencePosition.make(0) })).toHaveLength(6)
          // a position between two events (or past the head) is a valid `after` too
          expect(yield* labels(store, Query.all(), { after: SequencePosition.make(ps[5]! + 1000n) })).toEqual([])
          expect(yield* labels(store, Query.all(), { after: SequencePosition.make(ps[4]! - 1n) })).toEqual(["e5", "e6"])
        }))

      test("limit keeps the first events", (store) =>
        Effect.gen(function*() {
          const ps = yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.all(), { limit: 1 })).toEqual(["e1"])
          expect(yield* labels(store, Query.all(), { limit: 4 })).toEqual(["e1", "e2", "e3", "e4"])
          expect(yield* labels(store, Query.all(), { limit: 100 })).toHaveLength(6)
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }]), { limit: 2 })).toEqual(["e1", "e4"])
          expect(yield* labels(store, Query.all(), { after: ps[1]!, limit: 2 })).toEqual(["e3", "e4"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["y:1"] }]), { after: ps[1]!, limit: 2 })).toEqual(["e3", "e4"])
        }))

      test("backwards reads newest first, with after and limit", (store) =>
        Effect.gen(function*() {
          const ps = yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.all(), { backwards: true })).toEqual(["e6", "e5", "e4", "e3", "e2", "e1"])
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }]), { backwards: true })).toEqual(["e6", "e4", "e1"])
          expect(yield* labels(store, Query.all(), { backwards: true, limit: 2 })).toEqual(["e6", "e5"])
          // after bounds the read from below, whatever the direction
          expect(yield* labels(store, Query.all(), { backwards: true, after: ps[3]! })).toEqual(["e6", "e5"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["x:1"] }]), { backwards: true, after: ps[0]! })).toEqual([
            "e6",
            "e2"
          ])
          expect(yield* labels(store, Query.fromItems([{ tags: ["y:1"] }]), { backwards: true, after: ps[1]!, limit: 2 }))
            .toEqual(["e6", "e4"])
          expect(yield* labels(store, Query.all(), { backwards: true, after: ps[5]! })).toEqual([])
          expect(yield* labels(store, Query.all(), { backwards: false })).toEqual(["e1", "e2", "e3", "e4", "e5", "e6"])
        }))

      test("a read streams a large result completely", (store) =>
        Effect.gen(function*() {
          const batch = Array.from({ length: 1_000 }, (_, i) => ev(i % 3 === 0 ? "Fizz" : "Other", [`n:${i % 7}`], `${i}`))
          yield* store.append(batch.slice(0, 500))
          yield* store.append(batch.slice(500))
          const all = yield* readAll(store)
          expect(all.map(labelOf)).toEqual(batch.map((_, i) => `${i}`))
          expectAscending(positions(all))
          const fizz = yield* labels(store, Query.fromItems([{ types: ["Fizz"], tags: ["n:0"] }]))
          expect(fizz).toEqual(batch.flatMap((_, i) => (i % 3 === 0 && i % 7 === 0 ? [`${i}`] : [])))
          const back = yield* labels(store, Query.fromItems([{ types: ["Fizz"] }]), { backwards: true, limit: 3 })
          expect(back).toEqual(["999", "996", "993"])
        }))
    })

    describe("appends and conditions", () => {
      test("a multi-event append is atomic: a failed one writes none of its events", (store) =>
        Effect.gen(function*() {
          yield* store.append([ev("Claimed", ["user:alice"], "first")])
          const before = yield* snapshot(store)
          const error = yield* Effect.flip(store.append(
            [ev("Other", ["x:1"], "a"), ev("Other", ["x:2"], "b"), ev("Claimed", ["user:alice"], "c")],
            { condition: { failIfEventsMatch: Query.fromItems([{ tags: ["user:alice"] }]) } }
          ))
          expect(error._tag).toBe("AppendConditionFailed")
          expect(yield* snapshot(store)).toEqual(before)
          const p = yield* store.append([ev("Other", ["x:1"], "a"), ev("Other", ["x:2"], "b")])
          expect(yield* labels(store, Query.all())).toEqual(["first", "a", "b"])
          expect(yield* store.head).toEqual(Option.some(p))
        }))

      test("a condition without after fails when any matching event exists", (store) =>
        Effect.gen(function*() {
          const query = Query.fromItems([{ tags: ["username:alice"] }])
          const condition = { failIfEventsMatch: query }
          // nothing matches yet: succeeds, even with unrelated events in the store
          yield* store.append([ev("UsernameClaimed", ["username:bob"], "bob")])
          const p = yield* store.append([ev("UsernameClaimed", ["username:alice"], "alice")], { condition })
          const error = yield* Effect.flip(store.append([ev("UsernameClaimed", ["username:alice"], "again")], { condition }))
          expect(error._tag).toBe("AppendConditionFailed")
          const failed = error as EventStore.AppendConditionFailed
          expect(failed.conflictingPosition).toBe(p)
          expect(failed.after).toBeUndefined()
          expect(failed.query).toEqual(query)
          expect(yield* labels(store, Query.all())).toEqual(["bob", "alice"])
        }))

      test("a condition with after ignores matching events at or before after", (store) =>
        Effect.gen(function*() {
          const query = Query.fromItems([{ types: ["Deposited", "Withdrawn"], tags: ["account:1"] }])
          const p1 = yield* store.append([ev("Deposited", ["account:1"], "d1")])
          const p2 = yield* store.append([ev("Deposited", ["account:1"], "d2")])
          // decided on both: succeeds
          const p3 = yield* store.append([ev("Withdrawn", ["account:1"], "w1")], { condition: { failIfEventsMatch: query, after: p2 } })
          // decided on p1 only: d2 (and w1) came after, fails on the first of them
          const error = yield* Effect.flip(
            store.append([ev("Withdrawn", ["account:1"], "w2")], { condition: { failIfEventsMatch: query, after: p1 } })
          )
          expect(error._tag).toBe("AppendConditionFailed")
          const failed = error as EventStore.AppendConditionFailed
          expect(failed.conflictingPosition).toBe(p2)
          expect(failed.after).toBe(p1)
          expect(failed.query).toEqual(query)
          // decided on everything: succeeds
          yield* store.append([ev("Withdrawn", ["account:1"], "w3")], { condition: { failIfEventsMatch: query, after: p3 } })
          expect(yield* labels(store, Query.all())).toEqual(["d1", "d2", "w1", "w3"])
        }))

      test("conditions are untouched by events that do not match their query", (store) =>
        Effect.gen(function*() {
          const query = Query.fromItems([{ types: ["SeatBooked"], tags: ["concert:1"] }])
          const p = yield* store.append([ev("SeatBooked", ["concert:1"], "s1")])
          // other type, same tag · same type, other tag · no tags · a superset of the tags but another type
          yield* store.append([ev("ConcertPlanned", ["concert:1"], "x1")])
          yield* store.append([ev("SeatBooked", ["concert:2"], "x2")])
          yield* store.append([ev("SeatBooked", [], "x3")])
          yield* store.append([ev("Refunded", ["concert:1", "seat:9"], "x4")])
          yield* store.append([ev("SeatBooked", ["concert:1"], "s2")], { condition: { failIfEventsMatch: query, after: p } })
          expect(yield* labels(store, query)).toEqual(["s1", "s2"])
        }))

      test("multi-item conditions fail when any item matches", (store) =>
        Effect.gen(function*() {
          const query = Query.fromItems([
            { types: ["CourseDefined", "CourseCapacityChanged"], tags: ["course:c1"] },
            { types: ["StudentSubscribed"], tags: ["student:s1"] }
          ])
          const p0 = yield* store.append([ev("CourseDefined", ["course:c1"], "c1")])
          // matches neither item
          yield* store.append([ev("StudentSubscribed", ["student:s2", "course:c2"], "n1")])
          yield* store.append([ev("CourseDefined", ["course:c2"], "n2")])
          const p1 = yield* store.append(
            [ev("StudentSubscribed", ["student:s1", "course:c1"], "sub")],
            { condition: { failIfEventsMatch: query, after: p0 } }
          )
          // after p1, the first item matches (a capacity change)
          const p2 = yield* store.append([ev("CourseCapacityChanged", ["course:c1"], "cap")])
          const e1 = yield* Effect.flip(store.append([ev("X", [], "no")], { condition: { failIfEventsMatch: query, after: p1 } }))
          expect(e1._tag).toBe("AppendConditionFailed")
          expect((e1 as EventStore.AppendConditionFailed).conflictingPosition).toBe(p2)
          // the second item matches after p2
          const p3 = yield* store.append([ev("StudentSubscribed", ["student:s1", "course:c9"], "sub2")])
          const e2 = yield* Effect.flip(store.append([ev("X", [], "no")], { condition: { failIfEventsMatch: query, after: p2 } }))
          expect(e2._tag).toBe("AppendConditionFailed")
          expect((e2 as EventStore.AppendConditionFailed).conflictingPosition).toBe(p3)
          // after everything: succeeds
          yield* store.append([ev("X", [], "yes")], { condition: { failIfEventsMatch: query, after: p3 } })
          expect(yield* labels(store, Query.all())).toEqual(["c1", "n1", "n2", "sub", "cap", "sub2", "yes"])
        }))

      test("AppendConditionFailed carries the query, after and the first conflicting position", (store) =>
        Effect.gen(function*() {
          const query = Query.fromItems([{ tags: ["k:1"] }, { types: ["T"] }])
          const p0 = yield* store.append([ev("T", [], "before")])
          yield* store.append([ev("U", ["k:2"], "unrelated")])
          const first = yield* store.append([ev("U", ["k:1"], "first"), ev("T", [], "second")])
          yield* store.append([ev("T", ["k:1"], "third")])
          const events = yield* readAll(store)
          const firstPos = events.find((e) => labelOf(e) === "first")!.position
          expect(firstPos < first).toBe(true)
          const error = yield* Effect.flip(store.append([ev("V", [], "v")], { condition: { failIfEventsMatch: query, after: p0 } }))
          expect(error).toBeInstanceOf(EventStore.AppendConditionFailed)
          const failed = error as EventStore.AppendConditionFailed
          expect(failed.query).toEqual(query)
          expect(failed.after).toBe(p0)
          expect(failed.conflictingPosition).toBe(firstPos)
          // without after: the very first matching event
          const error2 = yield* Effect.flip(store.append([ev("V", [], "v")], { condition: { failIfEventsMatch: query } }))
          expect((error2 as EventStore.AppendConditionFailed).conflictingPosition).toBe(p0)
          expect((error2 as EventStore.AppendConditionFailed).after).toBeUndefined()
        }))

      test("a condition on Query.all() fails on any event after after", (store) =>
        Effect.gen(function*() {
          const p = yield* store.append([ev("A", [], "1")])
          yield* store.append([ev("A", [], "2")], { condition: { failIfEventsMatch: Query.all(), after: p } })
          const error = yield* Effect.flip(store.append([ev("A", [], "3")], { condition: { failIfEventsMatch: Query.all(), after: p } }))
          expect(error._tag).toBe("AppendConditionFailed")
          const error2 = yield* Effect.flip(store.append([ev("A", [], "3")], { condition: { failIfEventsMatch: Query.all() } }))
          expect((error2 as EventStore.AppendConditionFailed).conflictingPosition).toBe(p)
          expect(yield* labels(store, Query.all())).toEqual(["1", "2"])
        }))

      test("a condition on an empty store succeeds", (store) =>
        Effect.gen(function*() {
          const p = yield* store.append([ev("A", ["t:1"], "1")], {
            condition: { failIfEventsMatch: Query.all() }
          })
          expect(yield* store.head).toEqual(Option.some(p))
        }))
    })

    describe("several conditions", () => {
      const qx = Query.fromItems([{ tags: ["x:1"] }])
      const qy = Query.fromItems([{ types: ["B"], tags: ["y:1"] }])

      test("each condition is checked after its own position", (store) =>
        Effect.gen(function*() {
          const p1 = yield* store.append([ev("A", ["x:1"], "x1")])
          const p2 = yield* store.append([ev("B", ["y:1"], "y1")])
          const p3 = yield* store.append([ev("A", ["x:1"], "x2")])
          // read x up to p3, y up to p2: nothing after either, although y's window (after p2) holds an x event
          // and x's window is empty: one merged condition could not say this
          const p4 = yield* store.append([ev("C", [], "ok")], {
            conditions: [{ failIfEventsMatch: qx, after: p3 }, { failIfEventsMatch: qy, after: p2 }]
          })
          // the first condition's own position counts: x2 (at p3) is after p1
          const e1 = yield* Effect.flip(store.append([ev("C", [], "no")], {
            conditions: [{ failIfEventsMatch: qx, after: p1 }, { failIfEventsMatch: qy, after: p2 }]
          }))
          expect(e1._tag).toBe("AppendConditionFailed")
          const f1 = e1 as EventStore.AppendConditionFailed
          expect([f1.conditionIndex, f1.conflictingPosition, f1.after, f1.query]).toEqual([0, p3, p1, qx])
          const p5 = yield* store.append([ev("B", ["y:1", "x:9"], "y2")])
          const e2 = yield* Effect.flip(store.append([ev("C", [], "no")], {
            conditions: [{ failIfEventsMatch: qx, after: p4 }, { failIfEventsMatch: qy, after: p2 }]
          }))
          const f2 = e2 as EventStore.AppendConditionFailed
          expect([f2._tag, f2.conditionIndex, f2.conflictingPosition, f2.after]).toEqual(["AppendConditionFailed", 1, p5, p2])
          expect(yield* labels(store, Query.all())).toEqual(["x1", "y1", "x2", "ok", "y2"])
        }))

      test("when several fail, the lowest index is reported with its first matching event; nothing is written", (store) =>
        Effect.gen(function*() {
          const p1 = yield* store.append([ev("A", ["x:1"], "x1")])
          const p2 = yield* store.append([ev("B", ["y:1"], "y1"), ev("A", ["x:1"], "x2")])
          const before = yield* snapshot(store)
          const error = yield* Effect.flip(store.append([ev("C", [], "no"), ev("C", [], "no")], {
            conditions: [
              { failIfEventsMatch: Query.fromItems([{ types: ["Nope"] }]) },
              { failIfEventsMatch: qx, after: p1 },
              { failIfEventsMatch: qy }
            ]
          }))
          const failed = error as EventStore.AppendConditionFailed
          expect([failed._tag, failed.conditionIndex, failed.conflictingPosition]).toEqual(["AppendConditionFailed", 1, p2])
          expect(yield* snapshot(store)).toEqual(before)
        }))

      test("condition counts as the first of the conditions", (store) =>
        Effect.gen(function*() {
          const p1 = yield* store.append([ev("A", ["x:1"], "x1")])
          const p2 = yield* store.append([ev("B", ["y:1"], "y1")])
          yield* store.append([ev("C", [], "ok")], {
            condition: { failIfEventsMatch: qx, after: p1 },
            conditions: [{ failIfEventsMatch: qy, after: p2 }]
          })
          const error = yield* Effect.flip(store.append([ev("C", [], "no")], {
            condition: { failIfEventsMatch: qx, after: p1 },
            conditions: [{ failIfEventsMatch: qy, after: p1 }]
          }))
          expect((error as EventStore.AppendConditionFailed).conditionIndex).toBe(1)
          expect((error as EventStore.AppendConditionFailed).conflictingPosition).toBe(p2)
          // an empty list of conditions is no condition
          yield* store.append([ev("A", ["x:1"], "free")], { conditions: [] })
          expect(yield* labels(store, Query.all())).toEqual(["x1", "y1", "ok", "free"])
        }))

      test("items of three tags: a match needs every tag, whatever pairs the store holds", (store) =>
        Effect.gen(function*() {
          const q3 = Query.fromItems([{ tags: ["a:1", "b:1", "c:1"] }])
          const q3typed = Query.fromItems([{ types: ["T"], tags: ["c:1", "a:1", "b:1", "d:1"] }])
          // every pair of the tags, never all of them
          yield* store.append([ev("T", ["a:1", "b:1"]), ev("T", ["b:1", "c:1", "d:1"]), ev("T", ["a:1", "c:1", "d:1"])])
          const p = yield* store.append([ev("T", ["a:1", "b:1", "d:1"])])
          yield* store.append([ev("C", [], "ok")], { conditions: [{ failIfEventsMatch: q3 }, { failIfEventsMatch: q3typed }] })
          const p3 = yield* store.append([ev("U", ["c:1", "b:1", "a:1", "d:1"], "all four")])
          const e1 = yield* Effect.flip(store.append([ev("C", [], "no")], { conditions: [{ failIfEventsMatch: q3, after: p }] }))
          expect((e1 as EventStore.AppendConditionFailed).conflictingPosition).toBe(p3)
          // of another type: no match for the typed item
          yield* store.append([ev("C", [], "ok2")], { conditions: [{ failIfEventsMatch: q3typed }] })
          const p5 = yield* store.append([ev("T", ["a:1", "b:1", "c:1", "d:1", "e:1"], "typed")])
          const e2 = yield* Effect.flip(store.append([ev("C", [], "no")], { conditions: [{ failIfEventsMatch: q3typed, after: p }] }))
          expect((e2 as EventStore.AppendConditionFailed).conflictingPosition).toBe(p5)
        }))

      test(
        `${concurrency} fibers deciding on two reads each: exactly one wins each round, and an unrelated read never conflicts`,
        (store) =>
          Effect.gen(function*() {
            const seat = Query.fromItems([{ types: ["SeatBooked"], tags: ["seat:1"] }])
            const mine = (i: number) => Query.fromItems([{ tags: [`buyer:${i}`] }])
            const rounds = 3
            for (let round = 0; round < rounds; round++) {
              const results = yield* together(
                concurrency,
                (i) => Effect.all([lastPosition(store, mine(i)), lastPosition(store, seat)]),
                (i, [lastMine, lastSeat]) =>
                  Effect.result(store.append([ev("SeatBooked", ["seat:1", `buyer:${i}`], `r${round}-w${i}`)], {
                    conditions: [
                      { failIfEventsMatch: mine(i), ...(lastMine !== undefined ? { after: lastMine } : {}) },
                      { failIfEventsMatch: seat, ...(lastSeat !== undefined ? { after: lastSeat } : {}) }
                    ]
                  }))
              )
              expect(results.filter(Result.isSuccess), `round ${round}`).toHaveLength(1)
              for (const result of results) {
                if (Result.isFailure(result)) {
                  expect(result.failure._tag).toBe("AppendConditionFailed")
                  expect((result.failure as EventStore.AppendConditionFailed).conditionIndex).toBe(1)
                }
              }
            }
            expect(yield* readAll(store, seat)).toHaveLength(rounds)
          }),
        120_000
      )
    })

    describe("before, and paging both ways", () => {
      test("before is exclusive, in both directions, and combines with after into a window", (store) =>
        Effect.gen(function*() {
          const ps = yield* appendEach(store, fixture)
          expect(yield* labels(store, Query.all(), { before: ps[3]! })).toEqual(["e1", "e2", "e3"])
          expect(yield* labels(store, Query.all(), { before: ps[3]!, backwards: true })).toEqual(["e3", "e2", "e1"])
          expect(yield* labels(store, Query.all(), { before: ps[3]!, backwards: true, limit: 2 })).toEqual(["e3", "e2"])
          expect(yield* labels(store, Query.all(), { before: ps[3]!, limit: 2 })).toEqual(["e1", "e2"])
          expect(yield* labels(store, Query.fromItems([{ tags: ["y:1"] }]), { before: ps[5]!, backwards: true })).toEqual([
            "e4",
            "e3",
            "e2"
          ])
          expect(yield* labels(store, Query.fromItems([{ types: ["A"] }]), { after: ps[0]!, before: ps[5]! })).toEqual(["e4"])
          expect(yield* labels(store, Query.all(), { after: ps[1]!, before: ps[4]!, backwards: true })).toEqual(["e4", "e3"])
          expect(yield* labels(store, Query.all(), { after: ps[2]!, before: ps[3]! })).toEqual([])
          expect(yield* labels(store, Query.all(), { after: ps[4]!, before: ps[1]! })).toEqual([])
          expect(yield* labels(store, Query.all(), { before: ps[0]! })).toEqual([])
          expect(yield* labels(store, Query.all(), { before: SequencePosition.make(0) })).toEqual([])
          // positions between events and past the head are valid bounds
          expect(yield* labels(store, Query.all(), { before: SequencePosition.make(ps[5]! + 1000n), backwards: true, limit: 1 }))
            .toEqual(["e6"])
          expect(yield* labels(store, Query.all(), { before: ps[4]!, backwards: true, limit: 1 })).toEqual(["e4"])
        }))

      test("paging backwards with before (and forwards with after) visits every event once", (store) =>
        Effect.gen(function*() {
          const events = Array.from({ length: 23 }, (_, i) => ev(i % 3 === 0 ? "Fizz" : "Other", [`n:${i % 2}`], `${i}`))
          yield* store.append(events.slice(0, 10))
          yield* appendEach(store, events.slice(10))
          for (const query of [Query.all(), Query.fromItems([{ tags: ["n:1"] }, { types: ["Fizz"] }])]) {
            const all = yield* labels(store, query)
            // newest first, pages of 4, each page strictly before the oldest event of the previous one
            const back: Array<string> = []
            let before: Position | undefined
            // bounded: a store that ignored `before` would page forever
            for (let pages = 0; pages < 100; pages++) {
              const page = yield* readAll(store, query, { backwards: true, limit: 4, ...(before !== undefined ? { before } : {}) })
              if (page.length === 0) break
              expect(page.length).toBeLessThanOrEqual(4)
              back.push(...page.map(labelOf))
              before = page.at(-1)!.position
            }
            expect(back).toEqual([...all].reverse())
            const forth: Array<string> = []
            let after: Position | undefined
            for (let pages = 0; pages < 100; pages++) {
              const page = yield* readAll(store, query, { limit: 4, ...(after !== undefined ? { after } : {}) })
              if (page.length === 0) break
              forth.push(...page.map(labelOf))
              after = page.at(-1)!.position
            }
            expect(forth).toEqual(all)
          }
        }))
    })

    describe("idempotent appends", () => {
      test("the same appendId returns the first position and writes nothing", (store) =>
        Effect.gen(function*() {
          const events = [ev("Paid", ["order:1"], "pay"), ev("Shipped", ["order:1"], "ship")]
          const p = yield* store.append(events, { appendId: "req-1" })
          const before = yield* snapshot(store)
          expect(yield* store.append(events, { appendId: "req-1" })).toBe(p)
          // equal events (new objects, new byte arrays) count as the same append
          expect(
            yield* store.append([ev("Paid", ["order:1"], "pay"), ev("Shipped", ["order:1"], "ship")], { appendId: "req-1" })
          ).toBe(p)
          expect(yield* snapshot(store)).toEqual(before)
          // still the first position after other appends
          const q = yield* store.append([ev("Paid", ["order:2"], "other")])
          expect(yield* store.append(events, { appendId: "req-1" })).toBe(p)
          expect(yield* store.head).toEqual(Option.some(q))
          // another id is another append
          const r = yield* store.append(events, { appendId: "req-2" })
          expect(r > q).toBe(true)
          expect(yield* labels(store, Query.all())).toEqual(["pay", "ship", "other", "pay", "ship"])
        }))

      test("the same appendId with different events fails with AppendIdReused", (store) =>
        Effect.gen(function*() {
          const p = yield* store.append([ev("Paid", ["order:1"], "pay")], { appendId: "req-1" })
          const before = yield* snapshot(store)
          for (
            const other of [
              [ev("Paid", ["order:1"], "PAY")],
              [ev("Paid", ["order:2"], "pay")],
              [ev("Refunded", ["order:1"], "pay")],
              [ev("Paid", ["order:1"], "pay"), ev("Paid", ["order:1"], "pay")],
              [{ ...ev("Paid", ["order:1"], "pay"), metadata: { by: "someone" } }]
            ]
          ) {
            const error = yield* Effect.flip(store.append(other, { appendId: "req-1" }))
            expect(error._tag).toBe("AppendIdReused")
            expect((error as EventStore.AppendIdReused).appendId).toBe("req-1")
            expect((error as EventStore.AppendIdReused).firstPosition).toBe(p)
          }
          expect(yield* snapshot(store)).toEqual(before)
        }))

      test("an idempotent retry returns the first position even when its condition would now fail", (store) =>
        Effect.gen(function*() {
          const query = Query.fromItems([{ tags: ["username:alice"] }])
          const events = [ev("UsernameClaimed", ["username:alice"], "claim")]
          const options = { condition: { failIfEventsMatch: query }, appendId: "claim-alice" }
          const p = yield* store.append(events, options)
          // the retry's own event now matches its condition
          expect(yield* store.append(events, options)).toBe(p)
          // and so does a later event
          yield* store.append([ev("UsernameReleased", ["username:alice"], "release")])
          const before = yield* snapshot(store)
          expect(yield* store.append(events, options)).toBe(p)
          expect(yield* snapshot(store)).toEqual(before)
          // without the id, the same append fails
          const error = yield* Effect.flip(store.append(events, { condition: options.condition }))
          expect(error._tag).toBe("AppendConditionFailed")
        }))

      test("concurrent appends with the same appendId write once", (store) =>
        Effect.gen(function*() {
          const events = [ev("Paid", ["order:1"], "pay"), ev("Shipped", ["order:1"], "ship")]
          const results = yield* together(concurrency, () => Effect.void, () => store.append(events, { appendId: "req-1" }))
          expect(new Set(results).size).toBe(1)
          const all = yield* readAll(store)
          expect(all.map(labelOf)).toEqual(["pay", "ship"])
          expect(all[1]!.position).toBe(results[0])
        }))
    })

    describe("validation", () => {
      /** Runs `attempt` on a store holding two events and checks the error's tag and that nothing changed. */
      const rejects = (
        title: string,
        tag: string,
        attempt: (store: Store, first: Position) => Effect.Effect<unknown, unknown>
      ) =>
        test(title, (store) =>
          Effect.gen(function*() {
            const first = yield* store.append([ev("A", ["t:1"], "1")], { appendId: "used" })
            yield* store.append([ev("B", ["t:2"], "2")])
            const before = yield* snapshot(store)
            const error = yield* Effect.flip(attempt(store, first))
            expect((error as { readonly _tag: string })._tag).toBe(tag)
            expect(yield* snapshot(store)).toEqual(before)
          }))

      const tooLong = (n: number) => "x".repeat(n + 1)
      const badItem = Query.fromItems([{ types: ["A"] }, {}])

      rejects("an empty event list", "InvalidAppend", (store) => store.append([]))
      rejects("an empty type", "InvalidEvent", (store) => store.append([ev("", ["t:1"])]))
      rejects("an over-long type", "InvalidEvent", (store) => store.append([ev(tooLong(EventStore.limits.maxTypeLength), [])]))
      rejects("an empty tag", "InvalidEvent", (store) => store.append([ev("A", ["t:1", ""])]))
      rejects("an over-long tag", "InvalidEvent", (store) => store.append([ev("A", [tooLong(EventStore.limits.maxTagLength)])]))
      rejects(
        "too many tags",
        "InvalidEvent",
        (store) => store.append([ev("A", Array.from({ length: EventStore.limits.maxTagsPerEvent + 1 }, (_, i) => `t:${i}`))])
      )
      rejects(
        "a payload too large",
        "InvalidEvent",
        (store) => store.append([{ type: "A", tags: [], data: new Uint8Array(EventStore.limits.maxDataBytes + 1) }])
      )
      rejects("an invalid event after valid ones (nothing of the batch is written)", "InvalidEvent", (store) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(store.append([ev("A", ["t:1"], "ok"), ev("B", ["t:1"], "ok"), ev("", [])]))
          expect((error as EventStore.InvalidEvent).eventIndex).toBe(2)
          return yield* Effect.fail(error)
        }))
      rejects("an empty append id", "InvalidAppend", (store) => store.append([ev("A", [])], { appendId: "" }))
      rejects("a reused append id with different events", "AppendIdReused", (store) =>
        store.append([ev("A", ["t:1"], "not 1")], { appendId: "used" }))
      rejects("a condition query item with neither types nor tags", "InvalidQuery", (store) =>
        store.append([ev("A", [])], { condition: { failIfEventsMatch: badItem } }))
      rejects("an empty condition query", "InvalidQuery", (store) =>
        store.append([ev("A", [])], { condition: { failIfEventsMatch: Query.fromItems([]) } }))
      rejects("a condition query with an empty tag", "InvalidQuery", (store) =>
        store.append([ev("A", [])], { condition: { failIfEventsMatch: Query.fromItems([{ tags: [""] }]) } }))
      rejects("a read query item with neither types nor tags", "InvalidQuery", (store) => readAll(store, badItem))
      rejects("a read query item with empty lists", "InvalidQuery", (store) =>
        readAll(store, Query.fromItems([{ types: [], tags: [] }])))
      rejects("an empty read query", "InvalidQuery", (store) => readAll(store, Query.fromItems([])))
      rejects("a subscription query item with neither types nor tags", "InvalidQuery", (store) =>
        Stream.runCollect(Stream.take(store.subscribe(badItem), 1)))
      rejects("a zero limit", "InvalidReadOptions", (store) => readAll(store, Query.all(), { limit: 0 }))
      rejects("a negative limit", "InvalidReadOptions", (store) => readAll(store, Query.all(), { limit: -3 }))
      rejects("a non-integer limit", "InvalidReadOptions", (store) => readAll(store, Query.all(), { limit: 1.5 }))
      rejects("a NaN limit", "InvalidReadOptions", (store) => readAll(store, Query.all(), { limit: Number.NaN }))
      // a position is a non-negative bigint (the brand is only a type: untyped callers can pass anything)
      const negative = -1n as Position
      rejects("a negative condition position (it would hide every event)", "InvalidAppend", (store) =>
        store.append([ev("A", [])], { condition: { failIfEventsMatch: Query.all(), after: negative } }))
      rejects("a condition position that is not a bigint", "InvalidAppend", (store) =>
        store.append([ev("A", [])], { condition: { failIfEventsMatch: Query.all(), after: 1 as unknown as Position } }))
      rejects("a negative read position", "InvalidReadOptions", (store) => readAll(store, Query.all(), { after: negative }))
      rejects("a negative before", "InvalidReadOptions", (store) => readAll(store, Query.all(), { before: negative }))
      rejects("a before that is not a bigint", "InvalidReadOptions", (store) =>
        readAll(store, Query.all(), { before: 3 as unknown as Position, backwards: true }))
      rejects("a bad query among several conditions", "InvalidQuery", (store) =>
        store.append([ev("A", [])], { conditions: [{ failIfEventsMatch: Query.all() }, { failIfEventsMatch: badItem }] }))
      rejects("a bad position among several conditions", "InvalidAppend", (store) =>
        store.append([ev("A", [])], {
          condition: { failIfEventsMatch: Query.all() },
          conditions: [{ failIfEventsMatch: Query.all(), after: negative }]
        }))
      rejects("a condition without a query", "InvalidQuery", (store) =>
        store.append([ev("A", [])], { conditions: [{ failIfEventsMatch: Query.all() }, {} as never] }))
      rejects("a read query that is not a query", "InvalidQuery", (store) => readAll(store, { _tag: "Items" } as never))
      rejects("conditions that are not an array", "InvalidAppend", (store) =>
        store.append([ev("A", [])], { conditions: { failIfEventsMatch: Query.all() } as never }))
      rejects("more conditions than the limit", "InvalidAppend", (store) =>
        store.append([ev("A", [])], {
          conditions: Array.from({ length: EventStore.limits.maxConditionsPerAppend + 1 }, () => ({ failIfEventsMatch: Query.all() }))
        }))
      rejects("a negative subscription position", "InvalidReadOptions", (store) =>
        Stream.runCollect(Stream.take(store.subscribe(Query.all(), { after: negative }), 1)))

      test("events at the limits are accepted", (store) =>
        Effect.gen(function*() {
          const type = "T".repeat(EventStore.limits.maxTypeLength)
          const tags = Array.from(
            { length: EventStore.limits.maxTagsPerEvent },
            (_, i) => `${i}:`.padEnd(EventStore.limits.maxTagLength, "v")
          )
          const data = new Uint8Array(EventStore.limits.maxDataBytes).fill(7)
          const p = yield* store.append([{ type, tags, data }])
          const [event] = yield* readAll(store, Query.fromItems([{ types: [type], tags: [tags[3]!] }]))
          expect(event?.position).toBe(p)
          expect([...event!.tags].sort()).toEqual([...tags].sort())
          expect(event!.data.byteLength).toBe(EventStore.limits.maxDataBytes)
        }))
    })

    describe("concurrency", () => {
      test(
        `${concurrency} fibers racing the same decision: exactly one wins each round`,
        (store) =>
          Effect.gen(function*() {
            const decision = Query.fromItems([{ types: ["SeatBooked"], tags: ["seat:1"] }])
            const rounds = 5
            let previousWinner: Position | undefined
            for (let round = 0; round < rounds; round++) {
              // noise that must not disturb the decision
              yield* store.append([ev("SeatBooked", ["seat:2"], `noise-${round}`)])
              const results = yield* together(
                concurrency,
                () => lastPosition(store, decision),
                (i, last) =>
                  Effect.result(store.append([ev("SeatBooked", ["seat:1"], `r${round}-w${i}`)], {
                    condition: { failIfEventsMatch: decision, ...(last !== undefined ? { after: last } : {}) }
                  }))
              )
              const wins = results.filter(Result.isSuccess)
              expect(wins, `round ${round}`).toHaveLength(1)
              const winner = wins[0]!.success
              expect(previousWinner === undefined || winner > previousWinner).toBe(true)
              for (const result of results) {
                if (Result.isFailure(result)) {
                  expect(result.failure._tag).toBe("AppendConditionFailed")
                  const failed = result.failure as EventStore.AppendConditionFailed
                  expect(failed.conflictingPosition).toBe(winner)
                  expect(failed.after).toBe(previousWinner)
                }
              }
              previousWinner = winner
            }
            const booked = yield* readAll(store, decision)
            expect(booked).toHaveLength(rounds)
            booked.forEach((event, round) => expect(labelOf(event)).toMatch(new RegExp(`^r${round}-w\\d+$`)))
            expect(booked.at(-1)?.position).toBe(previousWinner)
          }),
        120_000
      )

      test(
        `${concurrency} fibers appending under conditions on disjoint tags all win`,
        (store) =>
          Effect.gen(function*() {
            const perWriter = 3
            yield* together(concurrency, () => Effect.void, (i) =>
              Effect.gen(function*() {
                const mine = Query.fromItems([{ tags: [`account:${i}`] }])
                for (let k = 0; k < perWriter; k++) {
                  const last = yield* lastPosition(store, mine)
                  yield* store.append([ev("Deposited", [`account:${i}`, "bank:1"], `${i}-${k}`)], {
                    condition: { failIfEventsMatch: mine, ...(last !== undefined ? { after: last } : {}) }
                  })
                }
              }))
            const all = yield* readAll(store)
            expect(all).toHaveLength(concurrency * perWriter)
            expectAscending(positions(all))
            for (let i = 0; i < concurrency; i++) {
              expect(yield* labels(store, Query.fromItems([{ tags: [`account:${i}`] }]))).toEqual(
                Array.from({ length: perWriter }, (_, k) => `${i}-${k}`)
              )
            }
          }),
        120_000
      )

      test(
        "concurrent readers never see part of a multi-event append",
        (store) =>
          Effect.gen(function*() {
            const batches = 4
            const size = 5
            let writersDone = false
            let reads = 0
            const check = Effect.gen(function*() {
              const all = yield* readAll(store)
              expectAscending(positions(all))
              const counts = new Map<string, number>()
              for (const e of all) counts.set(e.tags[0]!, (counts.get(e.tags[0]!) ?? 0) + 1)
              for (const [batch, count] of counts) expect(count, batch).toBe(size)
              reads++
            })
            const reader = yield* Effect.forkChild(
              Effect.gen(function*() {
                while (!writersDone) {
                  yield* check
                  yield* Effect.yieldNow
                }
                yield* check
              }),
              { startImmediately: true }
            )
            yield* together(concurrency, () => Effect.void, (w) =>
              Effect.forEach(
                Array.from({ length: batches }, (_, b) => b),
                (b) =>
                  Effect.andThen(
                    Effect.yieldNow,
                    store.append(Array.from({ length: size }, (_, k) => ev("Item", [`batch:${w}-${b}`], `${w}-${b}-${k}`)))
                  ),
                { discard: true }
              ))
            writersDone = true
            yield* guard(Fiber.join(reader))
            expect(reads).toBeGreaterThan(0)
            expect(yield* readAll(store)).toHaveLength(concurrency * batches * size)
          }),
        120_000
      )
    })

    describe("subscribe", () => {
      const collect = (store: Store, query: Query.Query, n: number, options?: EventStore.SubscribeOptions) =>
        Effect.forkChild(Stream.runCollect(Stream.take(store.subscribe(query, options), n)), { startImmediately: true })

      test("catches up, then follows new appends", (store) =>
        Effect.gen(function*() {
          yield* appendEach(store, fixture.slice(0, 3))
          const fiber = yield* collect(store, Query.all(), 6)
          yield* appendEach(store, fixture.slice(3))
          const got = yield* guard(Fiber.join(fiber))
          expect(got.map(labelOf)).toEqual(["e1", "e2", "e3", "e4", "e5", "e6"])
          expect(positions(got)).toEqual(positions(yield* readAll(store)))
        }))

      test("on an empty store, waits for the first append", (store) =>
        Effect.gen(function*() {
          const fiber = yield* collect(store, Query.all(), 2)
          yield* Effect.yieldNow
          yield* store.append([ev("A", [], "1"), ev("B", [], "2")])
          expect((yield* guard(Fiber.join(fiber))).map(labelOf)).toEqual(["1", "2"])
        }))

      test("starts strictly after `after`", (store) =>
        Effect.gen(function*() {
          const ps = yield* appendEach(store, fixture.slice(0, 3))
          const fiber = yield* collect(store, Query.all(), 3, { after: ps[1]! })
          yield* appendEach(store, fixture.slice(3, 5))
          expect((yield* guard(Fiber.join(fiber))).map(labelOf)).toEqual(["e3", "e4", "e5"])
          // after the head: only new events
          const head = Option.getOrThrow(yield* store.head)
          const fiber2 = yield* collect(store, Query.all(), 1, { after: head })
          yield* store.append([ev("Z", [], "new")])
          expect((yield* guard(Fiber.join(fiber2))).map(labelOf)).toEqual(["new"])
        }))

      test(
        `with ${concurrency} writers racing: no gap, no duplicate, in order`,
        (store) =>
          Effect.gen(function*() {
            const perWriter = 5
            const pre = yield* appendEach(store, [ev("Pre", ["w:pre"], "p0"), ev("Pre", ["w:pre"], "p1"), ev("Pre", ["w:pre"], "p2")])
            // writer w appends batches of 1 or 2 events
            const eventsPerWriter = Array.from({ length: perWriter }, (_, k) => 1 + (k % 2)).reduce((a, b) => a + b, 0)
            const total = pre.length + concurrency * eventsPerWriter + 1
            const fromStart = yield* collect(store, Query.all(), total)
            const fromAfter = yield* collect(store, Query.all(), total - 2, { after: pre[1]! })
            yield* together(concurrency, () => Effect.void, (w) =>
              Effect.forEach(
                Array.from({ length: perWriter }, (_, k) => k),
                (k) =>
                  Effect.andThen(
                    Effect.yieldNow,
                    store.append(Array.from({ length: 1 + (k % 2) }, (_, j) => ev("Written", [`w:${w}`], `${w}-${k}-${j}`)))
                  ),
                { discard: true }
              ))
            // one more after the race has settled: the subscriptions are live
            yield* store.append([ev("Last", [], "last")])
            const all = yield* readAll(store)
            expect(all).toHaveLength(total)
            const got = yield* guard(Fiber.join(fromStart))
            expect(positions(got)).toEqual(positions(all))
            expect(got.map(labelOf)).toEqual(all.map(labelOf))
            const gotAfter = yield* guard(Fiber.join(fromAfter))
            expect(positions(gotAfter)).toEqual(positions(all.slice(2)))
          }),
        120_000
      )

      test(
        "a subscription to a query delivers only matching events",
        (store) =>
          Effect.gen(function*() {
            const query = Query.fromItems([{ types: ["Match"] }, { tags: ["hot"] }])
            yield* store.append([ev("Match", [], "m-pre"), ev("Other", [], "o-pre")])
            const perWriter = 6
            // writer w, event k: "Match" when k % 3 == 0, tagged "hot" when k % 3 == 1, else neither
            const matchingPerWriter = Array.from({ length: perWriter }, (_, k) => k % 3 !== 2).filter(Boolean).length
            const total = 1 + concurrency * matchingPerWriter + 1
            const fiber = yield* collect(store, query, total)
            yield* together(concurrency, () => Effect.void, (w) =>
              Effect.forEach(
                Array.from({ length: perWriter }, (_, k) => k),
                (k) =>
                  store.append([
                    k % 3 === 0
                      ? ev("Match", [`w:${w}`], `${w}-${k}`)
                      : ev("Other", k % 3 === 1 ? ["hot", `w:${w}`] : [`w:${w}`], `${w}-${k}`)
                  ]),
                { discard: true }
              ))
            yield* store.append([ev("Other", [], "o-last")])
            yield* store.append([ev("Match", [], "m-last")])
            const got = yield* guard(Fiber.join(fiber))
            const matching = yield* readAll(store, query)
            expect(matching).toHaveLength(total)
            expect(positions(got)).toEqual(positions(matching))
            for (const e of got) expect(e.type === "Match" || e.tags.includes("hot"), labelOf(e)).toBe(true)
          }),
        120_000
      )

      test("a subscription can be interrupted while it waits", (store) =>
        Effect.gen(function*() {
          const first = yield* Deferred.make<void>()
          yield* store.append([ev("A", [], "1")])
          const fiber = yield* Effect.forkChild(
            Stream.runDrain(Stream.tap(store.subscribe(Query.all()), () => Deferred.succeed(first, undefined))),
            { startImmediately: true }
          )
          yield* guard(Deferred.await(first))
          yield* guard(Fiber.interrupt(fiber))
          const exit = yield* Fiber.await(fiber)
          expect(Exit.hasInterrupts(exit)).toBe(true)
          // the store still works
          yield* store.append([ev("A", [], "2")])
          expect(yield* labels(store, Query.all())).toEqual(["1", "2"])
        }))
    })

    describe("property", () => {
      it.live.prop(
        "random appends (with conditions and ids) and reads agree with a reference model",
        { ops: OpsArbitrary },
        ({ ops }) => runScenario(ops).pipe(Effect.provide(makeLayer())),
        { timeout: 300_000, arbitrary: { runs: propertyRuns, seed: 20_261_123, size: 40 } }
      )
    })
  })
}

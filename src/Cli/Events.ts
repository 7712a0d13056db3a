/**
 * `fairway events read|tail|stats`: looking at a store's event log from the
 * command line.
 *
 * The functions here work on the `EventStore` in context (the CLI provides
 * the in-memory demo store or a FoundationDB cluster); each event prints as
 * one line, or as one JSON object per line with `--json`.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as DcbEvent from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Query from "../Dcb/Query.ts"
import type * as SequencePosition from "../Dcb/SequencePosition.ts"

/**
 * Which events to show.
 *
 * @category models
 * @since 0.1.0
 */
export interface Filter {
  /** Event types (OR'ed); none: every type. */
  readonly types: ReadonlyArray<string>
  /** Tags (AND'ed); none: any tags. */
  readonly tags: ReadonlyArray<string>
}

/**
 * The query of a filter: every event when it is empty.
 *
 * @category models
 * @since 0.1.0
 */
export const toQuery = (filter: Filter): Query.Query =>
  filter.types.length === 0 && filter.tags.length === 0
    ? Query.all()
    : Query.item({
      ...(filter.types.length > 0 ? { types: filter.types } : {}),
      ...(filter.tags.length > 0 ? { tags: filter.tags } : {})
    })

const decoder = new TextDecoder("utf-8", { fatal: true })

const payloadText = (data: Uint8Array): { readonly text: string } | { readonly base64: string } => {
  try {
    return { text: decoder.decode(data) }
  } catch {
    return { base64: Buffer.from(data).toString("base64") }
  }
}

/**
 * One event as one line: position, type, payload (UTF-8, or base64), tags.
 * With `json`, one JSON object.
 *
 * @category formatting
 * @since 0.1.0
 */
export const format = (event: DcbEvent.SequencedEvent, json: boolean): string => {
  const payload = payloadText(event.data)
  if (json) {
    return JSON.stringify({
      position: event.position.toString(),
      type: event.type,
      tags: event.tags,
      ...("text" in payload ? { data: payload.text } : { dataBase64: payload.base64 }),
      ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
      recordedAt: event.recordedAt.epochMilliseconds
    })
  }
  const data = "text" in payload ? payload.text : `base64:${payload.base64}`
  return `#${event.position} ${event.type} ${data} [${event.tags.join(", ")}]`
}

/**
 * Options of {@link read}.
 *
 * @category models
 * @since 0.1.0
 */
export interface ReadOptions extends Filter {
  readonly after?: SequencePosition.SequencePosition | undefined
  readonly limit?: number | undefined
  readonly backwards?: boolean | undefined
  readonly json?: boolean | undefined
}

/**
 * Prints the matching events.
 *
 * @category commands
 * @since 0.1.0
 */
export const read = (options: ReadOptions): Effect.Effect<void, EventStore.ReadError, EventStore.EventStore> =>
  EventStore.read(toQuery(options), {
    ...(options.after !== undefined ? { after: options.after } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.backwards === true ? { backwards: true } : {})
  }).pipe(Stream.runForEach((event) => Console.log(format(event, options.json === true))))

/**
 * Options of {@link tail}.
 *
 * @category models
 * @since 0.1.0
 */
export interface TailOptions extends Filter {
  /** Start after this position (default: the current head: only new events). */
  readonly after?: SequencePosition.SequencePosition | undefined
  /** Stop after this many events (default: follow forever). */
  readonly count?: number | undefined
  readonly json?: boolean | undefined
}

/**
 * Prints the matching events as they are appended.
 *
 * @category commands
 * @since 0.1.0
 */
export const tail = (options: TailOptions): Effect.Effect<void, EventStore.ReadError, EventStore.EventStore> =>
  Effect.gen(function* () {
    const after = options.after ?? Option.getOrUndefined(yield* EventStore.head)
    const live = EventStore.subscribe(toQuery(options), after !== undefined ? { after } : undefined)
    const stream = options.count !== undefined ? Stream.take(live, options.count) : live
    yield* Stream.runForEach(stream, (event) => Console.log(format(event, options.json === true)))
  })

/**
 * The statistics of a store.
 *
 * @category models
 * @since 0.1.0
 */
export interface Stats {
  readonly events: number
  readonly head: Option.Option<SequencePosition.SequencePosition>
  readonly payloadBytes: number
  /** Events per type, sorted by type. */
  readonly types: ReadonlyArray<readonly [string, number]>
  /** Events per tag key (the part before the first `:`), sorted by key. */
  readonly tagKeys: ReadonlyArray<readonly [string, number]>
}

/**
 * Computes the statistics of the matching events (one streamed pass).
 *
 * @category commands
 * @since 0.1.0
 */
export const computeStats = (filter: Filter): Effect.Effect<Stats, EventStore.ReadError, EventStore.EventStore> =>
  Effect.gen(function* () {
    const head = yield* EventStore.head
    const types = new Map<string, number>()
    const tagKeys = new Map<string, number>()
    let events = 0
    let payloadBytes = 0
    yield* EventStore.read(toQuery(filter)).pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          events++
          payloadBytes += event.data.byteLength
          types.set(event.type, (types.get(event.type) ?? 0) + 1)
          for (const key of new Set(event.tags.map((t) => t.split(":")[0]!))) tagKeys.set(key, (tagKeys.get(key) ?? 0) + 1)
        })
      )
    )
    const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return { events, head, payloadBytes, types: sorted(types), tagKeys: sorted(tagKeys) }
  })

/**
 * Prints the statistics of the matching events.
 *
 * @category commands
 * @since 0.1.0
 */
export const stats = (
  options: Filter & { readonly json?: boolean | undefined }
): Effect.Effect<void, EventStore.ReadError, EventStore.EventStore> =>
  Effect.gen(function* () {
    const s = yield* computeStats(options)
    if (options.json === true) {
      return yield* Console.log(JSON.stringify({
        events: s.events,
        head: Option.match(s.head, { onNone: () => null, onSome: (p) => p.toString() }),
        payloadBytes: s.payloadBytes,
        types: Object.fromEntries(s.types),
        tagKeys: Object.fromEntries(s.tagKeys)
      }))
    }
    yield* Console.log(`events: ${s.events}`)
    yield* Console.log(`head: ${Option.match(s.head, { onNone: () => "none", onSome: (p) => p.toString() })}`)
    yield* Console.log(`payload bytes: ${s.payloadBytes}`)
    yield* Console.log("by type:")
    for (const [type, n] of s.types) yield* Console.log(`  ${type}: ${n}`)
    yield* Console.log("by tag key:")
    for (const [key, n] of s.tagKeys) yield* Console.log(`  ${key}: ${n}`)
  })

const json = (value: unknown) => JSON.stringify(value)

/**
 * The events of the demo store: three courses, a few subscriptions, a
 * waitlist and an unsubscription.
 *
 * @category demo
 * @since 0.1.0
 */
export const demoEvents: ReadonlyArray<DcbEvent.NewEvent> = [
  DcbEvent.make("CourseDefined", ["course:math"], json({ courseId: "math", capacity: 2 })),
  DcbEvent.make("CourseDefined", ["course:physics"], json({ courseId: "physics", capacity: 3 })),
  DcbEvent.make("CourseDefined", ["course:history"], json({ courseId: "history", capacity: 10 })),
  ...[["alice", "math"], ["bob", "math"], ["alice", "history"], ["carol", "physics"]].map(([s, c]) =>
    DcbEvent.make("StudentSubscribedToCourse", [`student:${s}`, `course:${c}`], json({ studentId: s, courseId: c }))
  ),
  DcbEvent.make("StudentJoinedCourseWaitlist", ["student:dave", "course:math"], json({ studentId: "dave", courseId: "math" })),
  DcbEvent.make("StudentUnsubscribedFromCourse", ["student:bob", "course:math"], json({ studentId: "bob", courseId: "math" })),
  DcbEvent.make("StudentSubscribedToCourse", ["student:dave", "course:math"], json({ studentId: "dave", courseId: "math" }))
]

/**
 * An in-memory store holding {@link demoEvents} (one append per event).
 *
 * @category demo
 * @since 0.1.0
 */
export const layerDemo: Layer.Layer<EventStore.EventStore> = Layer.effect(
  EventStore.EventStore,
  Effect.gen(function* () {
    const store = yield* EventStore.makeMemory
    for (const event of demoEvents) yield* Effect.orDie(store.append([event]))
    return store
  })
)

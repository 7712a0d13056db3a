/**
 * `fairway events read|tail|stats`: looking at a store's event log from the
 * command line.
 *
 * The functions here work on the `EventStore` in context (the CLI provides
 * the app's store from `--app <module>` or `package.json`'s `fairway.app`,
 * a FoundationDB cluster, or the in-memory demo store); each event prints as
 * one line, or as one JSON object per line with `--json`, its payload as
 * JSON (checked against the event's definition when the app defines it).
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
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
 * The event definitions the app declares, by type: `--json` checks payloads
 * against them. Empty by default (the payload is shown as stored).
 *
 * @category services
 * @since 0.1.0
 */
export const Definitions = Context.Reference<ReadonlyMap<string, DcbEvent.Any>>("fairway/Cli/Events/Definitions", {
  defaultValue: () => new Map()
})

const jsonPayload = (
  event: DcbEvent.SequencedEvent,
  text: string,
  definition: DcbEvent.Any | undefined
): Record<string, unknown> => {
  let parsed: { readonly value: unknown } | undefined
  try {
    parsed = text === "" ? undefined : { value: JSON.parse(text) }
  } catch {
    parsed = undefined
  }
  const checked = definition === undefined ? undefined : DcbEvent.syncDecoder(definition)?.(event)
  const error = checked instanceof DcbEvent.EventDecodeError ? { payloadError: checked.reason } : {}
  return parsed === undefined ? { data: text, ...error } : { payload: parsed.value, ...error }
}

/**
 * One event as one line: position, type, payload (UTF-8, or base64), tags.
 * With `json`, one JSON object whose `payload` is the payload itself (JSON;
 * `data` when the payload is text that is not JSON, `dataBase64` when it is
 * not text), with `payloadError` when it does not decode through the event's
 * definition (`definitions`, by type).
 *
 * @category formatting
 * @since 0.1.0
 */
export const format = (
  event: DcbEvent.SequencedEvent,
  json: boolean,
  definitions?: ReadonlyMap<string, DcbEvent.Any>
): string => {
  const payload = payloadText(event.data)
  if (json) {
    return JSON.stringify({
      position: event.position.toString(),
      type: event.type,
      tags: event.tags,
      ...("text" in payload ? jsonPayload(event, payload.text, definitions?.get(event.type)) : { dataBase64: payload.base64 }),
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
  /** Only events after this position (exclusive). */
  readonly after?: SequencePosition.SequencePosition | undefined
  /** Only events before this position (exclusive): with `backwards` and `limit`, the page just before it. */
  readonly before?: SequencePosition.SequencePosition | undefined
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
    ...(options.before !== undefined ? { before: options.before } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.backwards === true ? { backwards: true } : {})
  }).pipe(printEach(options.json === true))

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
    // on stderr: stdout holds only events (one JSON object per line with --json)
    yield* Console.error(
      `waiting for new events after ${after === undefined ? "the start of the log" : `#${after}`}` +
        `${options.count !== undefined ? ` (stopping after ${options.count})` : ""}; Ctrl-C to stop`
    )
    yield* printEach(options.json === true)(stream)
  })

const printEach = (json: boolean) => <E, R>(stream: Stream.Stream<DcbEvent.SequencedEvent, E, R>) =>
  Effect.flatMap(
    Effect.service(Definitions),
    (definitions) => Stream.runForEach(stream, (event) => Console.log(format(event, json, definitions)))
  )

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

// -- the app's store ------------------------------------------------------------

/**
 * The app module given to `--app` (or `package.json`'s `fairway.app`) cannot
 * be used: missing, failing to load, or not exporting a `layer`.
 *
 * @category errors
 * @since 0.1.0
 */
export class AppModuleInvalid extends Schema.TaggedError<AppModuleInvalid>()("AppModuleInvalid", {
  module: Schema.String,
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {
  override get message(): string {
    return `app module ${this.module}: ${this.reason}`
  }
}

/**
 * The app module of a project: `fairway.app` in the `package.json` of `dir`
 * (resolved against it), if any.
 *
 * @category app
 * @since 0.1.0
 */
export const appFromPackageJson = (dir: string): string | undefined => {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { fairway?: { app?: unknown } }
    return typeof pkg.fairway?.app === "string" ? path.resolve(dir, pkg.fairway.app) : undefined
  } catch {
    return undefined
  }
}

// event definitions among a module's exports (and the namespaces it re-exports)
const definitionsOf = (exports: Readonly<Record<string, unknown>>): ReadonlyMap<string, DcbEvent.Any> => {
  const found = new Map<string, DcbEvent.Any>()
  const visit = (value: unknown, depth: number) => {
    if (DcbEvent.isDefinition(value)) found.set(value.type, value)
    else if (depth > 0 && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const v of Object.values(value)) visit(v, depth - 1)
    } else if (depth > 0 && Array.isArray(value)) for (const v of value) visit(v, depth - 1)
  }
  for (const value of Object.values(exports)) visit(value, 2)
  return found
}

/**
 * The store of an app: its module (a path) exports `layer`, a `Layer` that
 * provides the `EventStore` (with whatever else the app runs on), and the
 * event definitions it exports are used to check payloads. Importing it
 * registers the app's modules, as when the app starts.
 *
 * @example
 * ```ts partial
 * // src/app.ts, named by `"fairway": { "app": "src/app.ts" }` in package.json
 * export * from "./events.ts"
 * export const layer = FoundationDb.layer({ modules: Registry.registered() })
 * ```
 *
 * @category app
 * @since 0.1.0
 */
export const layerApp = (module: string): Layer.Layer<EventStore.EventStore, unknown> =>
  Layer.unwrap(Effect.gen(function*() {
    const file = path.resolve(module)
    if (!fs.existsSync(file)) return yield* new AppModuleInvalid({ module, reason: "no such file" })
    const exports = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>,
      catch: (cause) => new AppModuleInvalid({ module, reason: `it does not load (${String(cause)})`, cause })
    })
    const layer = exports.layer
    if (!Layer.isLayer(layer)) {
      return yield* new AppModuleInvalid({
        module,
        reason: "it exports no `layer` (a Layer providing the EventStore, e.g. FoundationDb.layer({ modules }))"
      })
    }
    return Layer.merge(
      layer as Layer.Layer<EventStore.EventStore, unknown>,
      Layer.succeed(Definitions, definitionsOf(exports))
    )
  }))

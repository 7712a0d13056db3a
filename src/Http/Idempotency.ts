/**
 * `Idempotency-Key`: a repeated request returns the first response.
 *
 * A client that may retry a state-changing request (POST, PUT, PATCH,
 * DELETE) sends an `Idempotency-Key` header. The first request with a key
 * runs; every later one with the same key (also one racing the first, still
 * in flight) waits for it and gets the same status, headers and body, with
 * `Idempotency-Replayed: true`, and runs nothing. A key reused for a different
 * request (method, path or body) gets 422. A first attempt that ends in a 5xx
 * or is interrupted, or answers with a streamed body (not recorded), does not
 * count: the next attempt runs.
 *
 * The key also reaches the command (`Route.command` passes it as the
 * command's idempotency key, which becomes the append id), so even a retry
 * that lands on another process writes nothing twice.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as AppendCondition from "../Dcb/AppendCondition.ts"
import * as DcbEvent from "../Dcb/Event.ts"
import * as EventStore from "../Dcb/EventStore.ts"
import * as Fingerprint from "../Dcb/internal/fingerprint.ts"
import * as Query from "../Dcb/Query.ts"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

/**
 * The request header carrying the key.
 *
 * @category constants
 * @since 0.1.0
 */
export const header = "idempotency-key"

/**
 * The response header set on a replayed response.
 *
 * @category constants
 * @since 0.1.0
 */
export const replayedHeader = "idempotency-replayed"

/**
 * A response as recorded for replay.
 *
 * @category models
 * @since 0.1.0
 */
export interface RecordedResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly contentType: string | undefined
  readonly body: Uint8Array
}

/**
 * What {@link IdempotencyStoreShape.begin} found for a key.
 *
 * @category models
 * @since 0.1.0
 */
export type Begin =
  /**
   * Nobody ran this key yet: run, then `complete` with the response (which
   * answers the response to send: the first one recorded for the key) or
   * `abandon` (5xx, interrupted: the next attempt runs).
   */
  | {
    readonly _tag: "Run"
    readonly complete: (response: RecordedResponse) => Effect.Effect<RecordedResponse>
    readonly abandon: Effect.Effect<void>
  }
  /** The key was used (or is in flight): wait for this response (`undefined`: abandoned, begin again). */
  | { readonly _tag: "Replay"; readonly response: Effect.Effect<RecordedResponse | undefined> }
  /** The key was used by a different request. */
  | { readonly _tag: "Mismatch" }

/**
 * Where keys and their responses live.
 *
 * @category models
 * @since 0.1.0
 */
export interface IdempotencyStoreShape {
  /** Claims `key` for a request with this fingerprint, or finds its response. */
  readonly begin: (key: string, fingerprint: string) => Effect.Effect<Begin>
}

/**
 * The idempotency store service.
 *
 * @category services
 * @since 0.1.0
 */
export class IdempotencyStore extends Context.Service<IdempotencyStore, IdempotencyStoreShape>()(
  "fairway/Http/IdempotencyStore"
) {}

interface Entry {
  readonly fingerprint: string
  readonly done: Deferred.Deferred<RecordedResponse | undefined>
  settled: boolean
}

/**
 * The in-process part of every store: one entry per key, so racing requests
 * in this process share one run. Keeps the last `capacity` settled keys.
 */
const makeLocal = (capacity: number) => {
  const entries = new Map<string, Entry>()
  const evict = () => {
    if (entries.size <= capacity) return
    for (const [key, entry] of entries) {
      if (entries.size <= capacity) break
      if (entry.settled) entries.delete(key)
    }
  }
  const settle = (key: string, entry: Entry, response: RecordedResponse | undefined) => {
    entry.settled = true
    if (response === undefined && entries.get(key) === entry) entries.delete(key)
    Deferred.doneUnsafe(entry.done, Exit.succeed(response))
    evict()
  }
  /** The entry for `key`, or a new one (`created`). Synchronous: no interleaving. */
  const claim = (key: string, fingerprint: string) => {
    const existing = entries.get(key)
    if (existing !== undefined) return { created: false as const, entry: existing }
    const entry: Entry = { fingerprint, done: Deferred.makeUnsafe(), settled: false }
    entries.set(key, entry)
    return { created: true as const, entry }
  }
  const replayOf = (entry: Entry, fingerprint: string): Begin =>
    entry.fingerprint !== fingerprint ? { _tag: "Mismatch" } : { _tag: "Replay", response: Deferred.await(entry.done) }
  return { entries, settle, claim, replayOf }
}

/**
 * An in-process store holding the last `capacity` keys (oldest evicted
 * first). Racing requests in this process share one run; another process
 * does not see the keys (see {@link makeEventStore}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = (options?: { readonly capacity?: number | undefined }): Effect.Effect<IdempotencyStoreShape> =>
  Effect.sync(() => {
    const local = makeLocal(options?.capacity ?? 10_000)
    return {
      begin: (key, fingerprint) =>
        Effect.sync((): Begin => {
          const { created, entry } = local.claim(key, fingerprint)
          if (!created) return local.replayOf(entry, fingerprint)
          return {
            _tag: "Run",
            complete: (response) => Effect.sync(() => {
              local.settle(key, entry, response)
              return response
            }),
            abandon: Effect.sync(() => local.settle(key, entry, undefined))
          }
        })
    }
  })

/**
 * The in-process {@link IdempotencyStore}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemory = (options?: { readonly capacity?: number | undefined }): Layer.Layer<IdempotencyStore> =>
  Layer.effect(IdempotencyStore, makeMemory(options))

/**
 * The event a recorded response is kept as, in the event store (tagged
 * `fairway.http-idempotency:<key>`).
 *
 * @category event store
 * @since 0.1.0
 */
export const ResponseRecorded = DcbEvent.define("fairway.HttpResponseRecorded", {
  payload: Schema.Struct({
    key: Schema.String,
    fingerprint: Schema.String,
    status: Schema.Int,
    headers: Schema.Record(Schema.String, Schema.String),
    contentType: Schema.optionalKey(Schema.String),
    body: Schema.String
  }),
  tags: (p) => [keyTag(p.key)]
})

const keyTag = (key: string): string => {
  const tag = `fairway.http-idempotency:${key}`
  return tag.length <= 200 ? tag : `fairway.http-idempotency:#${Fingerprint.ofText(key)}:${key.length}`
}

/** Responses larger than this are not recorded in the store (the event would be too large). */
const maxRecordedBytes = 60_000

const toRecorded = (payload: typeof ResponseRecorded.payload.Type): RecordedResponse => ({
  status: payload.status,
  headers: payload.headers,
  contentType: payload.contentType,
  body: Buffer.from(payload.body, "base64")
})

/**
 * A store that also records each response in the event store, so a request
 * repeated on another process (sharing the store) gets the first response
 * too. Two processes racing on one key both run (the command's own
 * idempotency key keeps the writes single); the first recorded response wins
 * and the other process answers with it. Responses over 60 kB are kept in
 * process only.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeEventStore = (
  options?: { readonly capacity?: number | undefined }
): Effect.Effect<IdempotencyStoreShape, never, EventStore.EventStore> =>
  Effect.gen(function*() {
    const store = yield* EventStore.EventStore
    const local = makeLocal(options?.capacity ?? 10_000)
    const readRecorded = (key: string) =>
      Stream.runCollect(store.read(Query.item({ types: [ResponseRecorded.type], tags: [keyTag(key)] }), { limit: 1 })).pipe(
        Effect.flatMap((events) => events.length === 0 ? Effect.succeed(undefined) : ResponseRecorded.decode(events[0]!)),
        Effect.map((decoded) => decoded?.payload),
        Effect.orElseSucceed(() => undefined)
      )
    const begin = (key: string, fingerprint: string): Effect.Effect<Begin> =>
      Effect.suspend(() => {
        const { created, entry } = local.claim(key, fingerprint)
        if (!created) return Effect.succeed(local.replayOf(entry, fingerprint))
        // interrupted before answering (the client went away): release the claim, or the key waits forever
        const released = Effect.onInterrupt(readRecorded(key), () => Effect.sync(() => local.settle(key, entry, undefined)))
        return Effect.flatMap(released, (recorded): Effect.Effect<Begin> => {
          if (recorded !== undefined) {
            // another process answered this key: replay its response (or refuse a different request)
            local.settle(key, entry, undefined)
            const settled = local.claim(key, recorded.fingerprint)
            local.settle(key, settled.entry, toRecorded(recorded))
            return Effect.succeed(local.replayOf(settled.entry, fingerprint))
          }
          const complete = (response: RecordedResponse) =>
            Effect.gen(function*() {
              let canonical = response
              if (response.body.byteLength <= maxRecordedBytes) {
                const event = ResponseRecorded.make({
                  key,
                  fingerprint,
                  status: response.status,
                  headers: { ...response.headers },
                  ...(response.contentType !== undefined ? { contentType: response.contentType } : {}),
                  body: Buffer.from(response.body).toString("base64")
                })
                const query = Query.item({ types: [ResponseRecorded.type], tags: [keyTag(key)] })
                const appended = yield* Effect.exit(store.append([event], { condition: AppendCondition.make(query) }))
                if (appended._tag === "Failure") {
                  const first = yield* readRecorded(key)
                  if (first !== undefined && first.fingerprint === fingerprint) canonical = toRecorded(first)
                }
              }
              local.settle(key, entry, canonical)
              return canonical
            })
          return Effect.succeed({
            _tag: "Run",
            complete,
            abandon: Effect.sync(() => local.settle(key, entry, undefined))
          })
        })
      })
    return { begin }
  })

/**
 * The {@link IdempotencyStore} recording responses in the event store (see
 * {@link makeEventStore}).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerEventStore = (
  options?: { readonly capacity?: number | undefined }
): Layer.Layer<IdempotencyStore, never, EventStore.EventStore> => Layer.effect(IdempotencyStore, makeEventStore(options))

const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"])

const fingerprintOf = (request: HttpServerRequest.HttpServerRequest, body: string): string => {
  const text = `${request.method} ${request.url}\n${body}`
  return `${text.length}:${Fingerprint.ofText(text)}`
}

const record = (response: HttpServerResponse.HttpServerResponse): RecordedResponse | undefined => {
  const body = response.body
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === "string") headers[name] = value
  }
  if (body._tag === "Uint8Array") {
    return { status: response.status, headers, contentType: body.contentType, body: body.body }
  }
  if (body._tag === "Empty") return { status: response.status, headers, contentType: undefined, body: new Uint8Array(0) }
  return undefined
}

const replay = (recorded: RecordedResponse): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.uint8Array(recorded.body, {
    status: recorded.status,
    headers: { ...recorded.headers, [replayedHeader]: "true" },
    ...(recorded.contentType !== undefined ? { contentType: recorded.contentType } : {})
  })

const mismatch = (key: string) =>
  HttpServerResponse.jsonUnsafe({
    _tag: "IdempotencyKeyReused",
    message: `the Idempotency-Key "${key}" was already used by a different request`,
    key
  }, { status: 422 })

/**
 * Wraps a request handler with the `Idempotency-Key` behaviour, keeping keys
 * in `store`.
 *
 * @category middleware
 * @since 0.1.0
 */
export const wrap = (store: IdempotencyStoreShape) =>
<E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const key = request.headers[header]
    if (key === undefined || key === "" || !unsafeMethods.has(request.method)) return yield* httpEffect
    const body = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
    const fingerprint = fingerprintOf(request, body)
    // uninterruptible between a claim ("Run") and its complete / abandon: an interruption in between
    // would leave the key claimed, and every later request with it waiting forever
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        while (true) {
          const begin = yield* restore(store.begin(key, fingerprint))
          if (begin._tag === "Mismatch") return mismatch(key)
          if (begin._tag === "Replay") {
            const recorded = yield* restore(begin.response)
            if (recorded !== undefined) return replay(recorded)
            continue // the first attempt was abandoned: try to claim the key again
          }
          const exit = yield* Effect.exit(restore(httpEffect))
          const recorded = Exit.isSuccess(exit) && exit.value.status < 500 ? record(exit.value) : undefined
          if (recorded === undefined) {
            yield* begin.abandon
            return yield* exit
          }
          const canonical = yield* begin.complete(recorded)
          return canonical === recorded ? yield* exit : replay(canonical)
        }
      })
    )
  })

/**
 * The `Idempotency-Key` behaviour as a global router middleware (installed
 * by `App.make`'s layer).
 *
 * @category middleware
 * @since 0.1.0
 */
export const middleware = HttpRouter.middleware(Effect.map(IdempotencyStore, wrap), { global: true })

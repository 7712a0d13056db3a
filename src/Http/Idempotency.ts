/**
 * `Idempotency-Key`: a repeated request returns the first response — to the
 * same caller only.
 *
 * A client that may retry a state-changing request (POST, PUT, PATCH,
 * DELETE) sends an `Idempotency-Key` header (1 to {@link maxKeyLength}
 * characters; a longer key is a 400). What is guaranteed:
 *
 * - **Scoped to the caller.** A response is stored under the request's
 *   *principal* (derived by the route, `Route.withPrincipal`, or the app,
 *   `App.make(…, { principal })`; by default the SHA-256 digest of the
 *   `Authorization` and `Cookie` headers, see {@link Principal}), method, URL and key. Another
 *   caller sending the same key and body runs its own request: it never sees
 *   somebody else's response. Requests without credentials share the
 *   `anonymous` principal (a replay still needs the same body).
 * - **Same request or not.** The body's SHA-256 digest is stored with the
 *   response: the same key with another body (same caller, method and URL)
 *   is a 422 `IdempotencyKeyReused`, and runs nothing.
 * - **Final outcomes only.** 2xx responses and deterministic 4xx ones are
 *   stored; 401, 403, 408, 409, 425, 429, 5xx, interrupted requests,
 *   streamed bodies and responses over {@link maxRecordedBytes} are not:
 *   the next attempt runs (a command's own idempotency key still keeps its
 *   writes single).
 * - **Replays say so.** A replayed response has `Idempotency-Replayed: true`,
 *   and a JSON body's top-level `replayed` field is `true` too (a response
 *   whose body says `replayed: true` carries the header).
 * - **Bounded.** The in-process store keeps at most `capacity` keys and
 *   `maxBytes` bytes of responses (oldest evicted first).
 *
 * Racing requests with one key share one run. The key also reaches the
 * command (`Route.command` passes it, scoped to the principal, as the
 * command's idempotency key), so even a retry that lands on another process
 * writes nothing twice.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Option from "effect/Option"
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
 * The longest `Idempotency-Key` accepted; a longer one answers 400.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxKeyLength = 255

/**
 * The largest response body recorded for replay (1 MB); a larger response
 * is sent but not stored.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxRecordedBytes = 1_000_000

/**
 * How a request's caller is identified for idempotency: a string naming the
 * principal (never the raw credentials: a digest). The default,
 * {@link principalFromCredentials}, digests the `Authorization` and `Cookie`
 * headers.
 *
 * @category models
 * @since 0.1.0
 */
export type PrincipalOf = (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<string>

/**
 * The principal of a request without credentials.
 *
 * @category constants
 * @since 0.1.0
 */
export const anonymous = "anonymous"

/**
 * The default principal, from the credentials a request carries: its
 * `Authorization` header and its `Cookie` header (a session cookie is a
 * credential too). `anonymous` without either, else
 * `credentials:<SHA-256 digest of them>`. Callers with different
 * credentials never share a stored response or a command key; a client whose
 * credentials change between attempts (a refreshed token, a rotated cookie)
 * is another caller: scope keys to the verified user instead with
 * `App.make(…, { principal })` or `Route.withPrincipal`.
 *
 * @category principals
 * @since 0.1.0
 */
export const principalFromCredentials: PrincipalOf = (request) =>
  Effect.sync(() => {
    const authorization = request.headers["authorization"] ?? ""
    const cookie = request.headers["cookie"] ?? ""
    if (authorization === "" && cookie === "") return anonymous
    return cookie === ""
      ? `credentials:${Fingerprint.ofText(authorization)}`
      : `credentials:${new Fingerprint.Fingerprint().text(authorization).text(cookie).digest()}`
  })

/**
 * How the app derives the principal (set with `App.make(…, { principal })`;
 * default {@link principalFromCredentials}: the `Authorization` and `Cookie`
 * headers). An app may derive it from the verified user id instead.
 *
 * @category principals
 * @since 0.1.0
 */
export const Principal = Context.Reference<PrincipalOf>("fairway/Http/Principal", {
  defaultValue: () => principalFromCredentials
})

/**
 * The principal of the request being handled (set by the app's middleware;
 * derived again when absent).
 *
 * @category principals
 * @since 0.1.0
 */
export const CurrentPrincipal = Context.Reference<Option.Option<string>>("fairway/Http/CurrentPrincipal", {
  defaultValue: () => Option.none()
})

/**
 * The principal of the current request: the one the middleware derived, or
 * {@link Principal} applied to the request (`anonymous` outside a request).
 *
 * @category principals
 * @since 0.1.0
 */
export const currentPrincipal: Effect.Effect<string> = Effect.gen(function*() {
  const known = yield* CurrentPrincipal
  if (Option.isSome(known)) return known.value
  const request = yield* Effect.serviceOption(HttpServerRequest.HttpServerRequest)
  if (Option.isNone(request)) return anonymous
  return yield* (yield* Principal)(request.value)
})

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
  bytes: number
}

/**
 * Options of the stores: at most `capacity` keys (default 10,000) and
 * `maxBytes` bytes of recorded responses (default 32 MB), oldest evicted
 * first.
 *
 * @category models
 * @since 0.1.0
 */
export interface StoreOptions {
  readonly capacity?: number | undefined
  readonly maxBytes?: number | undefined
}

const sizeOf = (response: RecordedResponse): number => {
  let bytes = response.body.byteLength + 64
  for (const [name, value] of Object.entries(response.headers)) bytes += name.length + value.length
  return bytes
}

/**
 * The in-process part of every store: one entry per key, so racing requests
 * in this process share one run. Keeps the last `capacity` settled keys,
 * holding at most `maxBytes` of responses.
 */
const makeLocal = (options: StoreOptions | undefined) => {
  const capacity = options?.capacity ?? 10_000
  const maxBytes = options?.maxBytes ?? 32_000_000
  const entries = new Map<string, Entry>()
  let bytes = 0
  const evict = () => {
    if (entries.size <= capacity && bytes <= maxBytes) return
    for (const [key, entry] of entries) {
      if (entries.size <= capacity && bytes <= maxBytes) break
      if (entry.settled) {
        entries.delete(key)
        bytes -= entry.bytes
      }
    }
  }
  const settle = (key: string, entry: Entry, response: RecordedResponse | undefined) => {
    entry.settled = true
    if (response === undefined && entries.get(key) === entry) entries.delete(key)
    if (response !== undefined && entries.get(key) === entry) {
      entry.bytes = sizeOf(response)
      bytes += entry.bytes
    }
    Deferred.doneUnsafe(entry.done, Exit.succeed(response))
    evict()
  }
  /** The entry for `key`, or a new one (`created`). Synchronous: no interleaving. */
  const claim = (key: string, fingerprint: string) => {
    const existing = entries.get(key)
    if (existing !== undefined) return { created: false as const, entry: existing }
    const entry: Entry = { fingerprint, done: Deferred.makeUnsafe(), settled: false, bytes: 0 }
    entries.set(key, entry)
    return { created: true as const, entry }
  }
  const replayOf = (entry: Entry, fingerprint: string): Begin =>
    entry.fingerprint !== fingerprint ? { _tag: "Mismatch" } : { _tag: "Replay", response: Deferred.await(entry.done) }
  return { entries, settle, claim, replayOf }
}

/**
 * An in-process store holding the last `capacity` keys and `maxBytes` of
 * responses (oldest evicted first). Racing requests in this process share
 * one run; another process does not see the keys (see {@link makeEventStore}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = (options?: StoreOptions): Effect.Effect<IdempotencyStoreShape> =>
  Effect.sync(() => {
    const local = makeLocal(options)
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
export const layerMemory = (options?: StoreOptions): Layer.Layer<IdempotencyStore> =>
  Layer.effect(IdempotencyStore, makeMemory(options))

/**
 * The event a recorded response is kept as, in the event store (tagged
 * `fairway.http-idempotency:<scoped key>`; the scoped key is a digest of
 * principal, method, URL and key, so neither credentials nor raw keys are
 * stored).
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

/** Responses larger than this are not recorded in the event store (the event would be too large). */
const maxEventBytes = 60_000

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
  options?: StoreOptions
): Effect.Effect<IdempotencyStoreShape, never, EventStore.EventStore> =>
  Effect.gen(function*() {
    const store = yield* EventStore.EventStore
    const local = makeLocal(options)
    const readRecorded = (key: string) =>
      Stream.runCollect(store.read(Query.item({ types: [ResponseRecorded.type], tags: [keyTag(key)] }), { limit: 1 })).pipe(
        Effect.flatMap((events) => events.length === 0 ? Effect.succeed(undefined) : ResponseRecorded.decode(events[0]!)),
        Effect.map((decoded) => decoded?.payload),
        Effect.orElseSucceed(() => undefined)
      )
    const begin = (key: string, fingerprint: string): Effect.Effect<Begin> =>
      // interruptible only while reading: an interruption between the claim and the answer would leave it claimed
      Effect.uninterruptibleMask((restore) => Effect.suspend(() => {
        const { created, entry } = local.claim(key, fingerprint)
        if (!created) return Effect.succeed(local.replayOf(entry, fingerprint))
        // interrupted before answering (the client went away): release the claim, or the key waits forever
        const released = Effect.onInterrupt(
          restore(readRecorded(key)),
          () => Effect.sync(() => local.settle(key, entry, undefined))
        )
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
              if (response.body.byteLength <= maxEventBytes) {
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
      }))
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
  options?: StoreOptions
): Layer.Layer<IdempotencyStore, never, EventStore.EventStore> => Layer.effect(IdempotencyStore, makeEventStore(options))

const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"])

/** The key a response is stored under: the caller's principal, the method, the URL and the client's key. */
const scopedKey = (principal: string, request: HttpServerRequest.HttpServerRequest, key: string): string =>
  Fingerprint.ofFields(principal, request.method, request.url, key)

/**
 * Statuses that are not final outcomes: the same request may get another
 * answer later (credentials, a conflict, a rate limit, a server failure), so
 * they are never replayed.
 *
 * @category constants
 * @since 0.1.0
 */
export const notRecordedStatuses: ReadonlySet<number> = new Set([401, 403, 408, 409, 425, 429])

/**
 * Whether a response with this status is a final outcome, stored for replay:
 * 2xx, and 4xx but {@link notRecordedStatuses}.
 *
 * @category predicates
 * @since 0.1.0
 */
export const isFinal = (status: number): boolean =>
  (status >= 200 && status < 300) || (status >= 400 && status < 500 && !notRecordedStatuses.has(status))

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

const isJson = (contentType: string | undefined) => contentType !== undefined && /[/+]json\b/.test(contentType)

/** The top-level `replayed` field of a JSON object body, if any. */
const replayedField = (recorded: RecordedResponse): boolean | undefined => {
  if (!isJson(recorded.contentType) || recorded.body.byteLength > maxRecordedBytes) return undefined
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(recorded.body))
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      const replayed = (parsed as Record<string, unknown>)["replayed"]
      return typeof replayed === "boolean" ? replayed : undefined
    }
  } catch {
    // not JSON after all
  }
  return undefined
}

const replay = (recorded: RecordedResponse): HttpServerResponse.HttpServerResponse => {
  let body = recorded.body
  // the body says what the header says
  if (replayedField(recorded) === false) {
    const parsed = JSON.parse(new TextDecoder().decode(recorded.body)) as Record<string, unknown>
    body = new TextEncoder().encode(JSON.stringify({ ...parsed, replayed: true }))
  }
  return HttpServerResponse.uint8Array(body, {
    status: recorded.status,
    headers: { ...recorded.headers, [replayedHeader]: "true" },
    ...(recorded.contentType !== undefined ? { contentType: recorded.contentType } : {})
  })
}

const mismatch = (key: string) =>
  HttpServerResponse.jsonUnsafe({
    _tag: "IdempotencyKeyReused",
    message: `the Idempotency-Key "${key}" was already used by a different request`,
    key
  }, { status: 422 })

const keyTooLong = (key: string) =>
  HttpServerResponse.jsonUnsafe({
    _tag: "IdempotencyKeyInvalid",
    message: `an Idempotency-Key is at most ${maxKeyLength} characters, got ${key.length}`
  }, { status: 400 })

/**
 * Wraps a request handler with the `Idempotency-Key` behaviour, keeping keys
 * in `store`, scoped to the principal `principal` derives (default
 * {@link principalFromCredentials}). The principal is also provided to the
 * handler as {@link CurrentPrincipal}.
 *
 * @category middleware
 * @since 0.1.0
 */
export const wrap = (store: IdempotencyStoreShape, principal: PrincipalOf = principalFromCredentials) =>
<E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const key = request.headers[header]
    if (key === undefined || key === "" || !unsafeMethods.has(request.method)) return yield* httpEffect
    if (key.length > maxKeyLength) return keyTooLong(key)
    const caller = yield* principal(request)
    const handled = Effect.provideService(httpEffect, CurrentPrincipal, Option.some(caller))
    // a body that cannot be read (too large, cut off): no idempotency, the handler answers the failure
    const body = yield* Effect.result(request.arrayBuffer)
    if (body._tag === "Failure") return yield* handled
    const fingerprint = `sha256:${new Fingerprint.Fingerprint().bytes(new Uint8Array(body.success)).digest()}`
    const scoped = scopedKey(caller, request, key)
    // uninterruptible between a claim ("Run") and its complete / abandon: an interruption in between
    // would leave the key claimed, and every later request with it waiting forever
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        while (true) {
          const begin = yield* restore(store.begin(scoped, fingerprint))
          if (begin._tag === "Mismatch") return mismatch(key)
          if (begin._tag === "Replay") {
            const recorded = yield* restore(begin.response)
            if (recorded !== undefined) return replay(recorded)
            continue // the first attempt was abandoned: try to claim the key again
          }
          const exit = yield* Effect.exit(restore(handled))
          const response = Exit.isSuccess(exit) ? exit.value : undefined
          const recorded = response !== undefined && isFinal(response.status) ? record(response) : undefined
          if (response === undefined || recorded === undefined || recorded.body.byteLength > maxRecordedBytes) {
            yield* begin.abandon
            return yield* exit
          }
          const canonical = yield* begin.complete(recorded)
          if (canonical !== recorded) return replay(canonical)
          // a command replayed by its own key (the first response was not recorded here): say so in the header too
          return replayedField(recorded) === true ? HttpServerResponse.setHeader(response, replayedHeader, "true") : response
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
export const middleware = HttpRouter.middleware(
  Effect.gen(function*() {
    const store = yield* IdempotencyStore
    const principal = yield* Principal
    return wrap(store, principal)
  }),
  { global: true }
)

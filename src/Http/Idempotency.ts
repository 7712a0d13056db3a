/**
 * `Idempotency-Key`: a repeated request returns the first response.
 *
 * A client that may retry a state-changing request (POST, PUT, PATCH,
 * DELETE) sends an `Idempotency-Key` header. The first request with a key
 * runs; every later one with the same key (also one racing the first, still
 * in flight) waits for it and gets the same status, headers and body, with
 * `Idempotency-Replayed: true`, and runs nothing. A key reused for a different
 * request (method, path or body) gets 422. A first attempt that ends in a 5xx
 * or is interrupted does not count: the next attempt runs.
 *
 * The key also reaches the command (`Route.command` passes it as the
 * command's idempotency key, which becomes the append id), so even a retry
 * that lands on another process writes nothing twice.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
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
  /** Nobody ran this key yet: run, then `complete` or `abandon`. */
  | { readonly _tag: "Run" }
  /** The key was used (or is in flight): wait for this response. */
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
  /** Records the response of a claimed key and wakes the waiters. */
  readonly complete: (key: string, response: RecordedResponse) => Effect.Effect<void>
  /** Releases a claimed key without a response (5xx, interrupted): the next attempt runs. */
  readonly abandon: (key: string) => Effect.Effect<void>
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

/**
 * An in-process store holding the last `capacity` keys (oldest evicted
 * first). Racing requests in this process share one run.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = (options?: { readonly capacity?: number | undefined }): Effect.Effect<IdempotencyStoreShape> =>
  Effect.sync(() => {
    const capacity = options?.capacity ?? 10_000
    const entries = new Map<string, {
      readonly fingerprint: string
      readonly done: Deferred.Deferred<RecordedResponse | undefined>
    }>()
    const begin = (key: string, fingerprint: string) =>
      Effect.sync((): Begin => {
        const entry = entries.get(key)
        if (entry !== undefined) {
          if (entry.fingerprint !== fingerprint) return { _tag: "Mismatch" }
          return { _tag: "Replay", response: Deferred.await(entry.done) }
        }
        entries.set(key, { fingerprint, done: Deferred.makeUnsafe() })
        while (entries.size > capacity) {
          const oldest = entries.keys().next().value
          if (oldest === undefined) break
          entries.delete(oldest)
        }
        return { _tag: "Run" }
      })
    const complete = (key: string, response: RecordedResponse) =>
      Effect.suspend(() => {
        const entry = entries.get(key)
        return entry === undefined ? Effect.void : Deferred.succeed(entry.done, response).pipe(Effect.asVoid)
      })
    const abandon = (key: string) =>
      Effect.suspend(() => {
        const entry = entries.get(key)
        if (entry === undefined) return Effect.void
        entries.delete(key)
        return Deferred.succeed(entry.done, undefined).pipe(Effect.asVoid)
      })
    return { begin, complete, abandon }
  })

/**
 * The in-process {@link IdempotencyStore}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemory = (options?: { readonly capacity?: number | undefined }): Layer.Layer<IdempotencyStore> =>
  Layer.effect(IdempotencyStore, makeMemory(options))

const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"])

const fnv = (text: string, seed: number): string => {
  let h = seed
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(16).padStart(8, "0")
}

const fingerprintOf = (request: HttpServerRequest.HttpServerRequest, body: string): string => {
  const text = `${request.method} ${request.url}\n${body}`
  return `${text.length}:${fnv(text, 0x811c9dc5)}${fnv(text, 0x9747b28c)}`
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
    while (true) {
      const begin = yield* store.begin(key, fingerprint)
      if (begin._tag === "Mismatch") return mismatch(key)
      if (begin._tag === "Replay") {
        const recorded = yield* begin.response
        if (recorded !== undefined) return replay(recorded)
        continue // the first attempt was abandoned: try to claim the key again
      }
      return yield* httpEffect.pipe(Effect.onExit((exit) => {
        const recorded = Exit.isSuccess(exit) && exit.value.status < 500 ? record(exit.value) : undefined
        return recorded === undefined ? store.abandon(key) : store.complete(key, recorded)
      }))
    }
  })

/**
 * The `Idempotency-Key` behaviour as a global router middleware (installed
 * by `App.make`'s layer).
 *
 * @category middleware
 * @since 0.1.0
 */
export const middleware = HttpRouter.middleware(Effect.map(IdempotencyStore, wrap), { global: true })

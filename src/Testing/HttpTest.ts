/**
 * An in-memory client for an app's HTTP API: requests run through the whole
 * server chain (routing, `Idempotency-Key`, error handling, the log line)
 * with no socket, on a fresh backend (memory by default). Requests run on the
 * live clock (a command backing off after a conflict really waits), also
 * under `it.effect`.
 *
 * @example
 * ```ts
 * import { it, expect } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { HttpTest } from "fairway/Testing"
 *
 * it.effect("POST then GET", () =>
 *   Effect.gen(function* () {
 *     const api = yield* HttpTest.make(app)
 *     expect((yield* api.post("/courses", { courseId: "c1", capacity: 2 })).status).toBe(200)
 *     expect((yield* api.get("/courses/c1")).body).toEqual({ capacity: 2, students: 0 })
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as App from "../Http/App.ts"
import type * as Idempotency from "../Http/Idempotency.ts"
import type * as Route from "../Http/Route.ts"
import * as Backend from "./Backend.ts"

/**
 * A response as a test sees it: status, headers, the body as text and
 * parsed from JSON (`undefined` when empty or not JSON).
 *
 * @category models
 * @since 0.1.0
 */
export interface TestResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly body: any
}

/**
 * Options of one request.
 *
 * @category models
 * @since 0.1.0
 */
export interface RequestOptions {
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * The in-memory client.
 *
 * @category models
 * @since 0.1.0
 */
export interface TestClient<Id extends string, Routes extends ReadonlyArray<Route.Any>> {
  readonly request: (method: string, path: string, options?: RequestOptions) => Effect.Effect<TestResponse>
  readonly get: (path: string, options?: RequestOptions) => Effect.Effect<TestResponse>
  readonly post: (path: string, body?: unknown, options?: RequestOptions) => Effect.Effect<TestResponse>
  readonly put: (path: string, body?: unknown, options?: RequestOptions) => Effect.Effect<TestResponse>
  readonly delete: (path: string, options?: RequestOptions) => Effect.Effect<TestResponse>
  /** A raw `HttpClient` over the app. */
  readonly http: HttpClient.HttpClient
  /** The app's typed client (from its HttpApi). */
  readonly typed: Effect.Effect<App.TypedClient<Id, Routes>>
  /** The backend's services (the store the app writes to), to set up or inspect state. */
  readonly context: Context.Context<Backend.Services>
  /** Runs an effect against the app's backend. */
  readonly use: <A, E>(effect: Effect.Effect<A, E, Backend.Services>) => Effect.Effect<A, E>
}

/**
 * Options of {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<RL> {
  /** Where to run (default {@link Backend.fromEnv}: memory). */
  readonly backend?: Backend.Backend | undefined
  /** More services the app's handlers need, built over the backend. */
  readonly layer?: Layer.Layer<RL, unknown, Backend.Services> | undefined
  /**
   * The app's minimum log level (default `"Warn"`: the request log lines, at
   * info, stay out of the test output; `"Info"` shows them).
   */
  readonly logLevel?: LogLevel.LogLevel | undefined
}

/**
 * Builds a fresh backend, the app over it, and a client. Released with the
 * scope.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <Id extends string, Routes extends ReadonlyArray<Route.Any>, R, RL = never>(
  app: App.App<Id, Routes, R>,
  options?: Options<RL>
): Effect.Effect<TestClient<Id, Routes>, never, Scope.Scope | Exclude<R, Backend.Services | RL | Idempotency.IdempotencyStore>> =>
  Effect.gen(function*() {
    const backend = options?.backend ?? Backend.fromEnv()
    const context = yield* Layer.build(backend.layer).pipe(Effect.orDie)
    const services = Layer.succeedContext(context)
    const extra = options?.layer === undefined
      ? services
      : Layer.merge(services, options.layer.pipe(Layer.provide(services))) as Layer.Layer<Backend.Services>
    const quiet = Layer.succeed(References.MinimumLogLevel, options?.logLevel ?? "Warn")
    const appLayer = app.layer.pipe(Layer.provide([extra, App.layerDefaults]), Layer.provideMerge(quiet))
    const handler = yield* App.webHandler(appLayer, { inheritContext: false }).pipe(
      Effect.orDie
    ) as Effect.Effect<(request: Request) => Promise<Response>, never, Scope.Scope>
    const http = App.clientFor(handler)
    const request = (method: string, path: string, opts?: RequestOptions) =>
      Effect.gen(function*() {
        let req = HttpClientRequest.make(method as "GET")(path)
        if (opts?.headers !== undefined) req = HttpClientRequest.setHeaders(req, opts.headers)
        if (opts?.body !== undefined) req = HttpClientRequest.bodyJsonUnsafe(req, opts.body)
        const response = yield* http.execute(req)
        const text = yield* response.text
        let body: unknown = undefined
        try {
          body = text === "" ? undefined : JSON.parse(text)
        } catch {
          body = undefined
        }
        return { status: response.status, headers: response.headers, text, body } satisfies TestResponse
      }).pipe(Effect.orDie)
    return {
      request,
      get: (path, opts) => request("GET", path, opts),
      post: (path, body, opts) => request("POST", path, { ...opts, body }),
      put: (path, body, opts) => request("PUT", path, { ...opts, body }),
      delete: (path, opts) => request("DELETE", path, opts),
      http,
      typed: App.typedClient(app, handler),
      context,
      use: (effect) => Effect.provide(effect, context)
    } satisfies TestClient<Id, Routes>
  }) as never

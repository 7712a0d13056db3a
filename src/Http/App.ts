/**
 * An app's HTTP API from its modules' routes, in one call.
 *
 * {@link make} puts the routes in one `HttpApi` (one group named after the
 * app), with Fairway's error handling, every Schema issue reported (not just
 * the first), and the OpenAPI document served at `/openapi.json`. Its `layer`
 * registers the routes, the `Idempotency-Key` behaviour and the request log
 * with an `HttpRouter`; {@link serve} runs them on a Node server and
 * {@link webHandler} without a socket (tests).
 *
 * @example
 * ```ts
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { EventStore } from "fairway/Dcb"
 * import { App } from "fairway/Http"
 *
 * const app = App.make("courses", [subscribe, courseView])
 * App.serve(app.layer, { port: 3000 }).pipe(
 *   Layer.provide([EventStore.layerMemory, App.layerDefaults]), Layer.launch, NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as OpenApi from "effect/http-api/OpenApi"
import { createServer } from "node:http"
import * as ErrorHandling from "./ErrorHandling.ts"
import * as Idempotency from "./Idempotency.ts"
import * as RouteMatch from "./internal/routeMatch.ts"
import * as RequestGuard from "./RequestGuard.ts"
import * as RequestLog from "./RequestLog.ts"
import type * as Route from "./Route.ts"

/**
 * The HttpApi of an app made of routes.
 *
 * @category models
 * @since 0.1.0
 */
export type Api<Id extends string, Routes extends ReadonlyArray<Route.Any>> = HttpApi.HttpApi<
  Id,
  HttpApiGroup.HttpApiGroup<
    Id,
    HttpApiEndpoint.AddMiddleware<Routes[number]["endpoint"], ErrorHandling.ErrorHandling>,
    true
  >
>

/**
 * An app: its HttpApi (for clients and the OpenAPI document) and the layer
 * that serves it.
 *
 * @category models
 * @since 0.1.0
 */
export interface App<Id extends string, Routes extends ReadonlyArray<Route.Any>, R> {
  readonly id: Id
  readonly api: Api<Id, Routes>
  readonly routes: Routes
  /**
   * Registers the routes, the error handling, `Idempotency-Key` and the
   * request log with an `HttpRouter`. Needs the handlers' services and an
   * {@link Idempotency.IdempotencyStore} (see {@link layerDefaults}).
   */
  readonly layer: Layer.Layer<never, never, R | HttpRouter.HttpRouter | Idempotency.IdempotencyStore>
}

/**
 * Options of {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface MakeOptions {
  /** A path prefix for every route (e.g. `"/api"`). */
  readonly prefix?: `/${string}` | undefined
  /** Where the OpenAPI document is served (default `/openapi.json`). */
  readonly openapiPath?: `/${string}` | undefined
  /**
   * What the OpenAPI document says of the API (default: the app's id as its
   * title, version `0.1.0`).
   */
  readonly openapi?: {
    readonly title: string
    readonly version: string
    readonly description?: string | undefined
  } | undefined
  /** How problems become responses (default {@link ErrorHandling.renderDefault}). */
  readonly render?: ErrorHandling.Render | undefined
  /** The request body limit of every route without its own, in bytes (default 1 MB): larger bodies answer 413. */
  readonly maxBodyBytes?: number | undefined
  /**
   * How a request's caller is identified, to scope `Idempotency-Key`s
   * (stored responses and the commands' keys) to it, for every route without
   * its own (`Route.withPrincipal`). Default: the SHA-256 digest of the
   * `Authorization` and `Cookie` headers (`anonymous` without either); see
   * {@link Idempotency.Principal}.
   */
  readonly principal?: Idempotency.PrincipalOf | undefined
}

/**
 * Composes routes into an app.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <const Id extends string, const Routes extends ReadonlyArray<Route.Any>>(
  id: Id,
  routes: Routes,
  options?: MakeOptions
): App<Id, Routes, Route.Services<Routes[number]>> => {
  if (routes.length === 0) throw new TypeError("App.make: an app needs at least one route")
  const seen = new Set<string>()
  for (const r of routes) {
    const name = (r.endpoint as HttpApiEndpoint.Constraint).identifier
    if (seen.has(name)) throw new TypeError(`App.make: two routes are named "${name}"`)
    seen.add(name)
  }
  let group: any = HttpApiGroup.make(id, { topLevel: true }).add(
    ...(routes.map((r) => r.endpoint) as unknown as [HttpApiEndpoint.Top])
  )
  if (options?.prefix !== undefined) group = (group as any).prefix(options.prefix)
  let annotated = (HttpApi.make(id).add(group as any) as any)
    .middleware(ErrorHandling.ErrorHandling)
    .annotate(HttpApi.ParseOptions, { errors: "all" })
    .annotate(OpenApi.Title, options?.openapi?.title ?? id)
    .annotate(OpenApi.Version, options?.openapi?.version ?? "0.1.0")
  if (options?.openapi?.description !== undefined) {
    annotated = annotated.annotate(OpenApi.Description, options.openapi.description)
  }
  const api = annotated as Api<Id, Routes>
  const handlers = HttpApiBuilder.group(api as any, id as never, (h: any) => {
    let acc = h
    for (const r of routes) acc = acc.handle((r.endpoint as HttpApiEndpoint.Constraint).identifier, r.handler)
    return acc
  }) as unknown as Layer.Layer<never>
  const maxBodyBytes = options?.maxBodyBytes
  if (maxBodyBytes !== undefined && (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0)) {
    throw new RangeError(`App.make: maxBodyBytes must be a positive integer, got ${maxBodyBytes}`)
  }
  // every route, with its own settings: requests are matched to them as the router matches them (see RouteMatch)
  const routeSettings = routes.map((r) => {
    const endpoint = r.endpoint as HttpApiEndpoint.Top
    return { method: endpoint.method, path: `${options?.prefix ?? ""}${endpoint.path}`, route: r }
  })
  // one global middleware, in a fixed order: the log line around the guard (body limit, 404, 415) around idempotency
  const middleware = HttpRouter.middleware(
    Effect.gen(function*() {
      const routerConfig = yield* HttpRouter.RouterConfig
      const guard = RequestGuard.wrap({
        maxBodyBytes,
        render: options?.render,
        routerConfig,
        routes: routeSettings.map(({ method, path, route }) => ({ method, path, maxBodyBytes: route.maxBodyBytes }))
      })
      const routePrincipal = RouteMatch.make(
        routeSettings.map(({ method, path, route }) => ({ method, path, value: route.principal })),
        routerConfig
      )
      const store = yield* Idempotency.IdempotencyStore
      const appPrincipal = options?.principal ?? (yield* Idempotency.Principal)
      const idempotent = Idempotency.wrap(store, (request) =>
        (routePrincipal(request.method, request.url) ?? appPrincipal)(request))
      return <E, R>(httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
        RequestLog.wrap(guard(idempotent(httpEffect)))
    }),
    { global: true }
  )
  const layer = HttpApiBuilder.layer(api as any, { openapiPath: options?.openapiPath ?? "/openapi.json" }).pipe(
    Layer.provide(handlers),
    Layer.provide(ErrorHandling.layer({ render: options?.render })),
    Layer.provide(middleware),
    Layer.provide(HttpServer.layerServices)
  ) as unknown as Layer.Layer<never, never, any>
  return { id, api, routes, layer }
}

/**
 * The services an app needs besides its handlers' own: an in-memory
 * {@link Idempotency.IdempotencyStore}.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerDefaults: Layer.Layer<Idempotency.IdempotencyStore> = Idempotency.layerMemory()

/**
 * Serves an app's layer on a Node HTTP server (`port` 0: an ephemeral port;
 * `host` default `0.0.0.0`). The server's own access log is off: the app logs
 * one line per request.
 *
 * @category running
 * @since 0.1.0
 */
export const serve = <E, R>(
  appLayer: Layer.Layer<never, E, R>,
  options: { readonly port: number; readonly host?: string | undefined }
) =>
  HttpRouter.serve(appLayer, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host ?? "0.0.0.0" }))
  )

/**
 * An app as a Fetch-style handler, without a socket: `fetch(request)` runs
 * the whole chain (routing, idempotency, error handling, log line). Released
 * with the scope.
 *
 * By default requests run with the caller's context (its services, logger,
 * tracer, and clock: under `it.effect`, the TestClock, so a handler that
 * sleeps, e.g. a command backing off after a conflict, waits for
 * `TestClock.adjust`). With `inheritContext: false` they run with the app
 * layer's services only, on the live clock.
 *
 * @category running
 * @since 0.1.0
 */
export const webHandler = <E, R>(
  appLayer: Layer.Layer<never, E, R>,
  options?: { readonly inheritContext?: boolean | undefined }
): Effect.Effect<(request: Request) => Promise<Response>, never, Scope.Scope | Exclude<R, HttpRouter.HttpRouter>> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<Exclude<R, HttpRouter.HttpRouter>>()
    const layer = options?.inheritContext === false
      ? appLayer
      : appLayer.pipe(Layer.provideMerge(Layer.succeedContext(context)))
    const { dispose, handler } = HttpRouter.toWebHandler(
      layer as unknown as Layer.Layer<never, never, HttpRouter.HttpRouter>,
      { disableLogger: true }
    )
    yield* Effect.addFinalizer(() => Effect.promise(dispose))
    return handler as (request: Request) => Promise<Response>
  })

/**
 * An `HttpClient` whose requests go to a Fetch-style handler (see
 * {@link webHandler}) instead of the network. Relative URLs resolve against
 * `baseUrl` (default `http://app.test`).
 *
 * @category testing
 * @since 0.1.0
 */
export const clientFor = (
  handler: (request: Request) => Promise<Response>,
  baseUrl = "http://app.test"
): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.tryPromise({
      try: () => {
        const body = request.body
        const init: RequestInit = { method: request.method, headers: request.headers as Record<string, string>, signal }
        if (body._tag === "Uint8Array") {
          init.body = body.body as BodyInit
          if (init.headers !== undefined && !("content-type" in request.headers)) {
            init.headers = { ...request.headers, "content-type": body.contentType }
          }
        } else if (body._tag === "Raw") {
          init.body = body.body as BodyInit
        } else if (body._tag !== "Empty") {
          throw new Error(`Http.clientFor: ${body._tag} bodies are not supported`)
        }
        return handler(new Request(url, init))
      },
      catch: (cause) =>
        new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })
    }).pipe(Effect.map((response) => HttpClientResponse.fromWeb(request, response)))
  ).pipe(HttpClient.mapRequest(HttpClientRequest.prependUrl(baseUrl)))

/**
 * A typed client for an app's API over a Fetch-style handler.
 *
 * @category testing
 * @since 0.1.0
 */
export const typedClient = <Id extends string, Routes extends ReadonlyArray<Route.Any>, R>(
  app: App<Id, Routes, R>,
  handler: (request: Request) => Promise<Response>
): Effect.Effect<TypedClient<Id, Routes>> =>
  HttpApiClient.makeWith(app.api, { httpClient: clientFor(handler, ""), baseUrl: "http://app.test" }) as never

/**
 * The typed client of an app (see {@link typedClient}).
 *
 * @category testing
 * @since 0.1.0
 */
export type TypedClient<Id extends string, Routes extends ReadonlyArray<Route.Any>> = HttpApiClient.Client<
  HttpApiGroup.HttpApiGroup<Id, HttpApiEndpoint.AddMiddleware<Routes[number]["endpoint"], ErrorHandling.ErrorHandling>, true>
>

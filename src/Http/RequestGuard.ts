/**
 * The request defaults every Fairway app has, before any route runs:
 *
 * - **A body limit.** A request body larger than the route's limit (default
 *   {@link defaultMaxBodyBytes}, 1 MB; per app with `App.make(…, {
 *   maxBodyBytes })`, per route with `Route.withMaxBodyBytes`) answers 413:
 *   at once when its `Content-Length` says so (nothing is read), else as soon
 *   as the read passes the limit (nothing more is read, nothing is parsed).
 * - **Unknown routes** answer 404 and **unsupported media types** 415, in the
 *   app's JSON error shape (its `render`), logged at info like any 4xx.
 *
 * Installed by `App.make`'s layer, outside `Idempotency-Key` (so its body
 * read is limited too).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as FindMyWay from "effect/http/FindMyWay"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as ErrorHandling from "./ErrorHandling.ts"
import * as RouteMatch from "./internal/routeMatch.ts"

/**
 * The default request body limit: 1 MB.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultMaxBodyBytes = 1_000_000

/**
 * A route's own body limit, by method and path pattern (`:param` segments).
 *
 * @category models
 * @since 0.1.0
 */
export interface RouteLimit {
  readonly method: string
  readonly path: string
  /** The route's limit (`undefined`: the app's). */
  readonly maxBodyBytes: number | undefined
}

/**
 * Options of {@link wrap}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The app's body limit (default {@link defaultMaxBodyBytes}). */
  readonly maxBodyBytes?: number | undefined
  /** The app's routes, with their own limits (give every route: a request is matched as the router matches it). */
  readonly routes?: ReadonlyArray<RouteLimit> | undefined
  /** The router's configuration (`HttpRouter.RouterConfig`), so that requests are matched as the router matches them. */
  readonly routerConfig?: Partial<FindMyWay.RouterConfig> | undefined
  /** How problems are rendered (default `ErrorHandling.renderDefault`). */
  readonly render?: ErrorHandling.Render | undefined
}


const isRouteNotFound = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) => {
    if (!Cause.isFailReason(reason)) return false
    const error = reason.error as { readonly _tag?: unknown; readonly reason?: { readonly _tag?: unknown } } | null
    return error !== null && typeof error === "object" &&
      (error._tag === "RouteNotFound" || (error._tag === "HttpServerError" && error.reason?._tag === "RouteNotFound"))
  })

const isPlain = (response: HttpServerResponse.HttpServerResponse): boolean => {
  const body = response.body
  const contentType = body._tag === "Uint8Array" ? body.contentType : response.headers["content-type"]
  return contentType === undefined || !/json/.test(contentType)
}

/**
 * Wraps the app (a global router middleware) with the body limit and the
 * JSON 404 / 413 / 415.
 *
 * @category middleware
 * @since 0.1.0
 */
export const wrap = (options?: Options) => {
  const appLimit = options?.maxBodyBytes ?? defaultMaxBodyBytes
  const routeLimit = RouteMatch.make((options?.routes ?? []).map((r) => ({ ...r, value: r.maxBodyBytes })), options?.routerConfig)
  const render = options?.render ?? ErrorHandling.renderDefault
  const limitOf = (request: HttpServerRequest.HttpServerRequest): number =>
    routeLimit(request.method, request.url) ?? appLimit
  const answer = (status: number, tag: ErrorHandling.RequestProblem["_tag"], message: string) => {
    const problem = ErrorHandling.requestProblem(status, tag, message) as Exclude<ErrorHandling.Problem, { _tag: "Interrupted" }>
    return render(problem).pipe(
      Effect.catch(() => Effect.succeed(ErrorHandling.jsonResponse(status, { _tag: tag, message })))
    )
  }
  return <E, R>(
    httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const limit = limitOf(request)
      const length = request.headers["content-length"]
      if (length !== undefined && Number(length) > limit) {
        return yield* answer(413, "PayloadTooLarge", `the request body is ${length} bytes; the limit is ${limit}`)
      }
      const exit = yield* Effect.exit(Effect.provideService(httpEffect, HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit)))
      if (Exit.isFailure(exit)) {
        if (isRouteNotFound(exit.cause)) {
          return yield* answer(404, "NotFound", `no route for ${request.method} ${RouteMatch.pathOf(request.url)}`)
        }
        return yield* exit
      }
      const response = exit.value
      if (response.status === 415 && isPlain(response)) {
        return yield* answer(415, "UnsupportedMediaType", `unsupported content-type: ${request.headers["content-type"] ?? "none"}`)
      }
      if (response.status === 413 && isPlain(response)) {
        return yield* answer(413, "PayloadTooLarge", `the request body is larger than the limit of ${limit} bytes`)
      }
      return response
    })
}

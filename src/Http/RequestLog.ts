/**
 * One log line per request: method, path, status and duration, annotated
 * (`http.method`, `http.path`, `http.status`, `http.duration_ms`) for
 * structured loggers. Installed by `App.make`'s layer; the server's own access
 * logger is turned off by `App.serve` so each request logs once. Requests
 * answered with a 5xx log at error level, the others at info.
 *
 * Why not Effect's `HttpMiddleware.logger`: it logs every response at the
 * fiber's default level (info) as "Sent HTTP response" (or the failure's
 * cause), so a 5xx is not raised to error level for alerting, and the line
 * does not say which request it was without a structured logger. This
 * middleware keeps its annotation style (`http.method`, `http.status`).
 *
 * Every request also runs in a server span (named after the method, by
 * Effect's HTTP server); a command run by the request is its child span
 * (`Http.command <name>`, then `Command.run <name>`): see
 * `docs/observability.md`.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"

const pathOf = (url: string): string => {
  const q = url.indexOf("?")
  return q === -1 ? url : url.slice(0, q)
}

/**
 * Wraps a request handler with the log line.
 *
 * @category middleware
 * @since 0.1.0
 */
export const wrap = <E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const start = performance.now()
    const exit = yield* Effect.exit(httpEffect)
    const durationMs = Math.round((performance.now() - start) * 1000) / 1000
    const status = Exit.isSuccess(exit) ? exit.value.status : Cause.hasInterruptsOnly(exit.cause) ? 499 : 500
    const path = pathOf(request.url)
    const line = `${request.method} ${path} ${status} ${durationMs}ms`
    const log = status >= 500 ? Effect.logError(line) : Effect.logInfo(line)
    yield* log.pipe(Effect.annotateLogs({
      "http.method": request.method,
      "http.path": path,
      "http.status": status,
      "http.duration_ms": durationMs
    }))
    return yield* exit
  })

/**
 * The log line as a global router middleware.
 *
 * @category middleware
 * @since 0.1.0
 */
export const middleware = HttpRouter.middleware(Effect.succeed(wrap), { global: true })

/**
 * The one place where failures become HTTP responses.
 *
 * {@link ErrorHandling} is an `HttpApiMiddleware` that every Fairway API
 * carries. It sorts the cause of a failed request into a {@link Problem}
 * ({@link classify}) and renders it:
 *
 * | failure | status |
 * | --- | --- |
 * | params, query, headers or body failing their Schema (also a command's input) | 422, one issue per problem |
 * | an error declared on the endpoint | its own status (`httpApiStatus` on its class) |
 * | any other error whose class declares `httpApiStatus` | that status, `{ _tag, message, ...fields }` |
 * | a command's domain error declaring no status (`Route.command`) | 400, `{ _tag, message, ...fields }` |
 * | `IdempotencyKeyReused` (a command's key with another input) | 422 |
 * | a body over the route's limit (`PayloadTooLarge`) | 413, before the body is read when `Content-Length` says so |
 * | an event over the store's limits (`InvalidEvent`, `InvalidAppend`) | 413 when too large, else 422, naming the problem |
 * | `AppendConditionFailed` (after the command's retries) | 409 |
 * | `Overloaded`, `BoundaryOverloaded` (admission control) | 503 with `Retry-After` |
 * | an unknown route (`NotFound`) | 404, logged at info |
 * | an unsupported `Content-Type` (`UnsupportedMediaType`) | 415 |
 * | anything else, defects included | 500, `{ _tag: "InternalServerError" }`, cause logged |
 *
 * 404, 413 and 415 reach a custom renderer as `Domain` problems (with that
 * status and a `_tag` / `message`), so every error has the app's JSON shape.
 *
 * An app with its own error body (RealWorld's `{"errors": {"body": [...]}}`)
 * keeps the classification and swaps the rendering with {@link layer}.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiError from "effect/http-api/HttpApiError"
import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpError from "./HttpError.ts"

/**
 * What went wrong with a request, independent of how it is rendered.
 *
 * @category models
 * @since 0.1.0
 */
export type Problem =
  | { readonly _tag: "Validation"; readonly issues: ReadonlyArray<HttpError.Issue> }
  | { readonly _tag: "Declared"; readonly error: unknown }
  | { readonly _tag: "Domain"; readonly status: number; readonly error: DomainErrorLike }
  | { readonly _tag: "Conflict"; readonly message: string }
  | { readonly _tag: "Overloaded"; readonly retryAfterSeconds: number }
  | { readonly _tag: "Internal"; readonly cause: Cause.Cause<unknown> }
  | { readonly _tag: "Interrupted"; readonly cause: Cause.Cause<unknown> }

/**
 * A tagged error, as the HTTP layer sees a domain error.
 *
 * @category models
 * @since 0.1.0
 */
export interface DomainErrorLike {
  readonly _tag: string
  readonly message?: string | undefined
}

/**
 * Error tags that mean "the command's append condition kept failing".
 *
 * @category classification
 * @since 0.1.0
 */
export const conflictTags: ReadonlySet<string> = new Set([
  "AppendConditionFailed",
  "CommandConflict"
])

/**
 * Error tags that mean "input failed its Schema" (the issue is in `issue`,
 * or in `cause.issue`).
 *
 * @category classification
 * @since 0.1.0
 */
export const validationTags: ReadonlySet<string> = new Set(["SchemaError", "CommandInputInvalid"])

const formatStandard = SchemaIssue.makeFormatterStandardSchemaV1()

const pathSegment = (segment: unknown): string => {
  const key = typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment
  return String(key)
}

/**
 * The issues of a Schema issue, one per problem, each with a dotted path
 * (prefixed by `prefix` when given, e.g. `"payload"`).
 *
 * @category formatting
 * @since 0.1.0
 */
export const issuesOf = (issue: SchemaIssue.Issue, prefix?: string): ReadonlyArray<HttpError.Issue> =>
  formatStandard(issue).issues.map((i) => {
    const segments = (i.path ?? []).map(pathSegment)
    const all = prefix === undefined ? segments : [prefix, ...segments]
    return { path: all.join("."), message: i.message }
  })

const slotName: Record<HttpApiError.HttpApiSchemaError["kind"], string> = {
  Params: "params",
  Headers: "headers",
  Query: "query",
  Payload: "payload",
  Body: "body",
  ResponseHeaders: "responseHeaders"
}

const isTagged = (u: unknown): u is DomainErrorLike =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string"

const findSchemaIssue = (u: unknown): SchemaIssue.Issue | undefined => {
  if (Schema.isSchemaError(u)) return u.issue
  if (typeof u === "object" && u !== null) {
    if ("issue" in u && SchemaIssue.isIssue(u.issue)) return u.issue
    if ("cause" in u && Schema.isSchemaError(u.cause)) return u.cause.issue
  }
  return undefined
}

/**
 * The HTTP status declared on an error's class (`httpApiStatus`), if any.
 *
 * @category classification
 * @since 0.1.0
 */
export const declaredStatus = (error: unknown): number | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  const ast = (error.constructor as { readonly ast?: { readonly annotations?: Record<string, unknown> } }).ast
  const status = ast?.annotations?.["httpApiStatus"]
  return typeof status === "number" ? status : undefined
}

const retryAfterOf = (error: unknown): number => {
  if (typeof error === "object" && error !== null) {
    for (const key of ["retryAfterSeconds", "retryAfter"]) {
      const value = (error as Record<string, unknown>)[key]
      if (typeof value === "number" && Number.isFinite(value) && value > 0) return Math.ceil(value)
    }
  }
  return 1
}

const domainErrors = new WeakSet<object>()

/**
 * The failures of storage, never domain errors even when a decision fails
 * with them (a decision that reads a store during an outage): they stay
 * server errors, so a retry runs again instead of replaying a 400.
 */
const storageTags: ReadonlySet<string> = new Set(["StorageError", "FdbError", "FdbUnavailable"])

/**
 * Marks an error as a domain error (a command's decision failed with it):
 * without a declared status it answers 400 instead of 500. `Route.command`
 * marks its command's decision failures. A storage failure
 * (`StorageError`) is never marked: it answers 500.
 *
 * @category classification
 * @since 0.1.0
 */
export const markDomainError = (error: unknown): void => {
  if (typeof error !== "object" || error === null) return
  const tag = (error as { readonly _tag?: unknown })._tag
  if (typeof tag === "string" && storageTags.has(tag)) return
  domainErrors.add(error)
}

/**
 * A request problem Fairway answers itself (unknown route, unsupported media
 * type, body too large, a store limit), as the error of a `Domain` problem.
 *
 * @category models
 * @since 0.1.0
 */
export interface RequestProblem extends DomainErrorLike {
  readonly _tag: "NotFound" | "UnsupportedMediaType" | "PayloadTooLarge" | "InvalidEvent" | "InvalidAppend" | "BadRequest"
  readonly message: string
}

/**
 * A `Domain` problem for a request problem with a status.
 *
 * @category classification
 * @since 0.1.0
 */
export const requestProblem = (status: number, _tag: RequestProblem["_tag"], message: string): Problem => ({
  _tag: "Domain",
  status,
  error: { _tag, message } satisfies RequestProblem
})

/** The store's limits: too large is 413, anything else invalid is 422. */
const storeLimitProblem = (error: DomainErrorLike): Problem => {
  const reason = String((error as { readonly reason?: unknown }).reason ?? error.message ?? "")
  const tooLarge = /bytes|at most \d+ events|too large/.test(reason)
  const index = (error as { readonly eventIndex?: unknown }).eventIndex
  const message = typeof index === "number" ? `event ${index}: ${reason}` : reason
  return requestProblem(tooLarge ? 413 : 422, error._tag as RequestProblem["_tag"], message)
}

/** Whether an error is the body read failing for its size (`RequestParseError`, reason `BodyTooLarge`). */
const isBodyTooLarge = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  const reason = (error as { readonly reason?: unknown }).reason
  const tagged = (error as { readonly _tag?: unknown })._tag === "RequestParseError" ? error : reason
  return typeof tagged === "object" && tagged !== null && (tagged as { readonly _tag?: unknown })._tag === "RequestParseError" &&
    (tagged as { readonly reason?: unknown }).reason === "BodyTooLarge"
}

const isDeclared = (endpoint: HttpApiEndpoint.Top | undefined, error: unknown): boolean => {
  if (endpoint === undefined) return false
  for (const schema of endpoint.error) {
    if (Schema.is(Schema.toType(schema))(error)) return true
  }
  return false
}

/**
 * Sorts a failed request's cause into a {@link Problem}.
 *
 * @category classification
 * @since 0.1.0
 */
export const classify = (cause: Cause.Cause<unknown>, endpoint?: HttpApiEndpoint.Top): Problem => {
  // a body read past its limit (HttpApi reports it as a defect)
  const tooLarge = cause.reasons.some((reason) =>
    isBodyTooLarge(Cause.isFailReason(reason) ? reason.error : Cause.isDieReason(reason) ? reason.defect : undefined)
  )
  if (tooLarge) return requestProblem(413, "PayloadTooLarge", "the request body is larger than the limit")
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure === undefined) {
    if (cause.reasons.length > 0 && cause.reasons.every(Cause.isInterruptReason)) return { _tag: "Interrupted", cause }
    return { _tag: "Internal", cause }
  }
  const error = failure.error
  if (HttpApiError.HttpApiSchemaError.is(error)) {
    if (error.kind === "Body" || error.kind === "ResponseHeaders") return { _tag: "Internal", cause }
    return { _tag: "Validation", issues: issuesOf(error.cause.issue, slotName[error.kind]) }
  }
  if (isDeclared(endpoint, error)) return { _tag: "Declared", error }
  if (isTagged(error)) {
    if (error._tag === "InvalidEvent" || error._tag === "InvalidAppend") return storeLimitProblem(error)
    if (conflictTags.has(error._tag)) {
      return { _tag: "Conflict", message: "the request conflicted with concurrent changes; retry it" }
    }
    if (error._tag === "Overloaded" || error._tag === "BoundaryOverloaded") return { _tag: "Overloaded", retryAfterSeconds: retryAfterOf(error) }
    if (validationTags.has(error._tag)) {
      const issue = findSchemaIssue(error)
      if (issue !== undefined) return { _tag: "Validation", issues: issuesOf(issue) }
      const reason = (error as { readonly reason?: unknown }).reason
      return { _tag: "Validation", issues: [{ path: "", message: typeof reason === "string" ? reason : error.message ?? "" }] }
    }
    const status = declaredStatus(error)
    if (status !== undefined) return { _tag: "Domain", status, error }
    if (domainErrors.has(error)) return { _tag: "Domain", status: 400, error }
  }
  return { _tag: "Internal", cause }
}

const encodeBody = (error: DomainErrorLike): Record<string, unknown> => {
  let fields: Record<string, unknown> = { _tag: error._tag }
  try {
    const schema = error.constructor as unknown as Schema.Top
    fields = Schema.encodeUnknownSync(schema as Schema.Codec<unknown, unknown>)(error) as Record<string, unknown>
  } catch {
    // not a Schema class: the tag and message are enough
  }
  return { ...fields, message: error.message ?? "" }
}

/**
 * How a {@link Problem} becomes a response: either a response, or a failure
 * with an error the endpoint (or middleware) declares, for HttpApi to encode.
 *
 * @category models
 * @since 0.1.0
 */
export type Render = (
  problem: Exclude<Problem, { readonly _tag: "Interrupted" }>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>

/**
 * A JSON response with a status and optional headers (for {@link Render}
 * functions).
 *
 * @category rendering
 * @since 0.1.0
 */
export const jsonResponse = (
  status: number,
  body: unknown,
  headers?: Record<string, string>
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(body, headers === undefined ? { status } : { status, headers })

const json = jsonResponse

/**
 * Fairway's default rendering: the {@link HttpError} classes as JSON bodies.
 *
 * @category rendering
 * @since 0.1.0
 */
export const renderDefault: Render = (problem) => {
  switch (problem._tag) {
    case "Validation":
      return Effect.succeed(json(422, {
        _tag: "ValidationFailed",
        message: problem.issues.map((i) => i.path === "" ? i.message : `${i.path}: ${i.message}`).join("; "),
        issues: problem.issues
      }))
    case "Declared":
      return Effect.fail(problem.error)
    case "Domain":
      return Effect.succeed(json(problem.status, encodeBody(problem.error)))
    case "Conflict":
      return Effect.succeed(json(409, { _tag: "Conflict", message: problem.message }))
    case "Overloaded":
      return Effect.succeed(json(503, {
        _tag: "ServiceUnavailable",
        message: "the service is overloaded; retry later",
        retryAfterSeconds: problem.retryAfterSeconds
      }, { "retry-after": String(problem.retryAfterSeconds) }))
    case "Internal":
      return Effect.succeed(json(500, { _tag: "InternalServerError", message: "internal server error" }))
  }
}

/**
 * The error-handling middleware. Add it to an API with
 * `HttpApi.make(...).add(...).middleware(ErrorHandling)` (done by
 * `App.make`), provide it with {@link layer}.
 *
 * @category middleware
 * @since 0.1.0
 */
export class ErrorHandling extends HttpApiMiddleware.Service<ErrorHandling>()("fairway/Http/ErrorHandling", {
  error: [
    HttpError.ValidationFailed,
    HttpError.Conflict,
    HttpError.ServiceUnavailable,
    HttpError.InternalServerError,
    HttpError.IdempotencyKeyReused
  ]
}) {}

/**
 * Provides {@link ErrorHandling}, rendering with `render` (default:
 * {@link renderDefault}). Internal failures are logged with their cause.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: { readonly render?: Render | undefined }): Layer.Layer<ErrorHandling> => {
  const render = options?.render ?? renderDefault
  return Layer.succeed(ErrorHandling, (httpEffect, { endpoint }) =>
    Effect.catchCause(httpEffect, (cause) => {
      const problem = classify(cause, endpoint as HttpApiEndpoint.Top)
      if (problem._tag === "Interrupted") return Effect.failCause(cause)
      const logged = problem._tag === "Internal"
        ? Effect.logError("request failed", problem.cause)
        : Effect.void
      return Effect.andThen(logged, render(problem))
    }) as Effect.Effect<HttpServerResponse.HttpServerResponse, never>)
}

/**
 * The error bodies Fairway's HTTP layer answers with, one class per status it
 * decides itself: 422 for input that fails its Schema, 409 for a command that
 * kept conflicting, 503 when the store sheds load, 500 for everything
 * unexpected. Domain errors keep their own class and declare their status
 * with the `httpApiStatus` annotation.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 *
 * // a domain error that answers 404
 * class CourseNotFound extends Schema.TaggedError<CourseNotFound>()(
 *   "CourseNotFound", { courseId: Schema.String }, { httpApiStatus: 404 }
 * ) {}
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * One problem of an input: where (`path`, e.g. `"payload.title"`) and what.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Issue = Schema.Struct({
  path: Schema.String,
  message: Schema.String
})

/**
 * One problem of an input.
 *
 * @category models
 * @since 0.1.0
 */
export type Issue = typeof Issue.Type

/**
 * The request's parameters, query, headers or body failed their Schema:
 * 422, with one issue per problem.
 *
 * @category errors
 * @since 0.1.0
 */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  message: Schema.String,
  issues: Schema.Array(Issue)
}, { httpApiStatus: 422 }) {}

/**
 * A command's append condition still failed after its retries (too much
 * contention on its consistency boundary): 409. Retrying later may succeed.
 *
 * @category errors
 * @since 0.1.0
 */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String
}, { httpApiStatus: 409 }) {}

/**
 * The store refused the command at once because too many were in flight: 503,
 * with a `Retry-After` header (seconds) and the same figure in the body.
 *
 * @category errors
 * @since 0.1.0
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  message: Schema.String,
  retryAfterSeconds: Schema.Int
}, { httpApiStatus: 503 }) {}

/**
 * Anything unexpected: 500, with no internals in the body (the cause is
 * logged, not sent).
 *
 * @category errors
 * @since 0.1.0
 */
export class InternalServerError extends Schema.TaggedError<InternalServerError>()("InternalServerError", {
  message: Schema.String
}, { httpApiStatus: 500 }) {}

/**
 * The `Idempotency-Key` was already used by a different request (another
 * method, path or body): 422, nothing run.
 *
 * @category errors
 * @since 0.1.0
 */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  message: Schema.String,
  key: Schema.String
}, { httpApiStatus: 422 }) {}

/**
 * HTTP for Fairway modules: Commands and Views behind Effect's HttpApi, one
 * mapping from failures to responses, `Idempotency-Key`, a span and a log
 * line per request.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as App from "./App.ts"
/** @since 0.1.0 */
export * as ErrorHandling from "./ErrorHandling.ts"
/** @since 0.1.0 */
export * as HttpError from "./HttpError.ts"
/** @since 0.1.0 */
export * as Idempotency from "./Idempotency.ts"
/** @since 0.1.0 */
export * as RequestGuard from "./RequestGuard.ts"
/** @since 0.1.0 */
export * as RequestLog from "./RequestLog.ts"
/** @since 0.1.0 */
export * as Route from "./Route.ts"

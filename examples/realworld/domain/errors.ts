/**
 * Conduit's domain errors, each with the status the spec gives it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** No valid token: 401. @category errors @since 0.1.0 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}, { httpApiStatus: 401 }) {}

/** Not yours (another author's article or comment): 403. @category errors @since 0.1.0 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}, { httpApiStatus: 403 }) {}

/** No such user, article or comment: 404. @category errors @since 0.1.0 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}, { httpApiStatus: 404 }) {}

/**
 * A well-formed request the domain refuses (a username or e-mail already
 * taken, wrong credentials at login): 422, as the spec's error model.
 *
 * @category errors
 * @since 0.1.0
 */
export class Unprocessable extends Schema.TaggedError<Unprocessable>()("Unprocessable", {
  message: Schema.String
}, { httpApiStatus: 422 }) {}

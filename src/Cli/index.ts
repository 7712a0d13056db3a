/**
 * The `fairway` command line: module generation and event log inspection.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Events from "./Events.ts"
/** @since 0.1.0 */
export * as Generate from "./Generate.ts"
/** @since 0.1.0 */
export * as Main from "./Main.ts"

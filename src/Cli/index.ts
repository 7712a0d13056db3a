/**
 * The `fairway` command line: module generation, event log inspection and
 * the dead letters of views and automations.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as DeadLetters from "./DeadLetters.ts"
/** @since 0.1.0 */
export * as Events from "./Events.ts"
/** @since 0.1.0 */
export * as Generate from "./Generate.ts"
/** @since 0.1.0 */
export * as Main from "./Main.ts"

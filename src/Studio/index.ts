/**
 * Fairway Studio: a web UI for a Fairway store — the event log, the
 * consistency boundary of every command run (and its conflicts), views and
 * automations. See `docs/studio.md`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Boundaries from "./Boundaries.ts"
/** @since 0.1.0 */
export * as Demo from "./Demo.ts"
/** @since 0.1.0 */
export * as Studio from "./Studio.ts"

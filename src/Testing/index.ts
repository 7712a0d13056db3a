/**
 * The test kit: given / when / then for commands, views and automations, and
 * an in-memory client for an app's HTTP API, on the memory stores by default
 * and on the FoundationDB simulator when asked.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Backend from "./Backend.ts"
/** @since 0.1.0 */
export * as Decider from "./Decider.ts"
/** @since 0.1.0 */
export * as Diff from "./Diff.ts"
/** @since 0.1.0 */
export * as HttpTest from "./HttpTest.ts"
/** @since 0.1.0 */
export * as Scenario from "./Scenario.ts"

/**
 * Fairway on FoundationDB: the `FdbDatabase` service (live binding and
 * deterministic simulator), the tuple encoding, the key layout, and the
 * `EventStore`, `ViewStore` and `AutomationStore` implementations.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AutomationStoreFdb from "./AutomationStoreFdb.ts"
/** @since 0.1.0 */
export * as EventStoreFdb from "./EventStoreFdb.ts"
/** @since 0.1.0 */
export * as FdbDatabase from "./FdbDatabase.ts"
/** @since 0.1.0 */
export * as FdbError from "./FdbError.ts"
/** @since 0.1.0 */
export * as FdbSimulator from "./FdbSimulator.ts"
/** @since 0.1.0 */
export * as KeyLayout from "./KeyLayout.ts"
/** @since 0.1.0 */
export * as TransactionSize from "./TransactionSize.ts"
/** @since 0.1.0 */
export * as Tuple from "./Tuple.ts"
/** @since 0.1.0 */
export * as ViewStoreFdb from "./ViewStoreFdb.ts"

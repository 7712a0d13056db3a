/**
 * The DCB core, storage-agnostic: sequence positions, queries, events (and
 * typed event definitions), append conditions, decision models, and the
 * `EventStore` service with its in-memory layer.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AppendCondition from "./AppendCondition.ts"
/** @since 0.1.0 */
export * as DecisionModel from "./DecisionModel.ts"
/** @since 0.1.0 */
export * as Event from "./Event.ts"
/** @since 0.1.0 */
export * as EventStore from "./EventStore.ts"
/** @since 0.1.0 */
export * as Query from "./Query.ts"
/** @since 0.1.0 */
export * as SequencePosition from "./SequencePosition.ts"

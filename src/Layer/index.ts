/**
 * Ready compositions of Fairway's stores: everything in memory, everything on
 * a FoundationDB cluster, everything on the FoundationDB simulator. Each can
 * also run a registry's views and automations.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as FoundationDb from "./FoundationDb.ts"
/** @since 0.1.0 */
export * as Memory from "./Memory.ts"
/** @since 0.1.0 */
export * as Simulated from "./Simulated.ts"

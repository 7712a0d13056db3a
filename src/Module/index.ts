/**
 * Modules: what users write every day on top of the DCB core. A `Command`
 * reads the smallest decision model it needs, decides, and appends under the
 * append condition derived from what it read; views and automations follow
 * the log; the registry names them all.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Command from "./Command.ts"

/** @since 0.1.0 */
export * as Admission from "./Admission.ts"
/** @since 0.1.0 */
export * as Automation from "./Automation.ts"
/** @since 0.1.0 */
export * as AutomationStore from "./AutomationStore.ts"
/** @since 0.1.0 */
export * as Checkpoint from "./Checkpoint.ts"
/** @since 0.1.0 */
export * as DecisionCache from "./DecisionCache.ts"
/** @since 0.1.0 */
export * as Registry from "./Registry.ts"
/** @since 0.1.0 */
export * as View from "./View.ts"
/** @since 0.1.0 */
export * as ViewStore from "./ViewStore.ts"

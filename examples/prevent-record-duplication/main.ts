/**
 * Prevent record duplication, the program
 * (`npm run example -- prevent-record-duplication`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { printLog, runExample } from "../runtime.ts"
import { concurrently, successes } from "../testing.ts"
import { PlaceOrder } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  yield* Console.log("By hand (the token is a tag, and a used token decides nothing):")
  const first = yield* Command.run(PlaceOrder, { orderId: "o1", idempotencyToken: "t-1", product: "book" })
  yield* Console.log(`  place o1 with token t-1: appended at position ${first.position}`)
  const again = yield* Command.run(PlaceOrder, { orderId: "o1", idempotencyToken: "t-1", product: "book" })
  yield* Console.log(`  the same request again: ${again.events.length} events appended (a no-op)`)
  const burst = yield* concurrently(
    Array.from({ length: 6 }, () => Command.run(PlaceOrder, { orderId: "o2", idempotencyToken: "t-2", product: "pen" }))
  )
  const written = successes(burst).filter((r) => r.events.length > 0).length
  yield* Console.log(`  a double-click sends o2 six times at once: ${written} appended, ${6 - written} no-ops`)

  yield* Console.log("\nBuilt in (Command.run's idempotencyKey option, for any command):")
  const keyed = yield* Command.run(PlaceOrder, { orderId: "o3", idempotencyToken: "t-3", product: "cup" }, {
    idempotencyKey: "request-42"
  })
  const replay = yield* Command.run(PlaceOrder, { orderId: "o3", idempotencyToken: "t-3", product: "cup" }, {
    idempotencyKey: "request-42"
  })
  yield* Console.log(`  first run: position ${keyed.position}; repeated run: position ${replay.position}, replayed=${replay.replayed}`)
  yield* Console.log("\nThe event log:")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

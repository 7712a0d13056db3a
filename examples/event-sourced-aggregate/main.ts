/**
 * The event-sourced aggregate, the program
 * (`npm run example -- event-sourced-aggregate`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { DecisionModel } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { describe, printLog, runExample } from "../runtime.ts"
import { concurrently, failureTags, successes } from "../testing.ts"
import { AddItem, cart, CreateCart, RemoveItem, SubmitCart } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  const show = (label: string, effect: Effect.Effect<unknown, { _tag: string; message: string }, EventStore.EventStore>) =>
    Effect.flatMap(describe(effect, () => "ok"), (o) => Console.log(`  ${label}: ${o}`))
  yield* show("create cart k1", Command.run(CreateCart, { cartId: "k1" }))
  yield* show("submit k1", Command.run(SubmitCart, { cartId: "k1" }))
  yield* show("add apple", Command.run(AddItem, { cartId: "k1", itemId: "apple" }))
  yield* show("remove pear", Command.run(RemoveItem, { cartId: "k1", itemId: "pear" }))
  const burst = yield* concurrently(
    ["pear", "plum", "kiwi", "fig", "lime"].map((itemId) => Command.run(AddItem, { cartId: "k1", itemId }))
  )
  yield* Console.log(`  five items added at once to a cart holding 1 of 3: ${successes(burst).length} added, the others ${[...failureTags(burst)].join(", ")}`)
  yield* show("submit k1", Command.run(SubmitCart, { cartId: "k1" }))
  yield* show("add melon", Command.run(AddItem, { cartId: "k1", itemId: "melon" }))
  const { state } = yield* DecisionModel.read(cart("k1"))
  yield* Console.log(`  the aggregate now: ${JSON.stringify(state)}`)
  yield* Console.log("\nThe event log (one tag per aggregate, like a stream):")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

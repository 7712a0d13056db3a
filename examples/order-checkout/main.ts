/**
 * Order checkout, the program (`npm run example -- order-checkout`): a
 * checkout reads the cart, then the prices of exactly the products in it, and
 * appends under one condition per read.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import { DecisionModel, type EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { describe, printLog, runExample } from "../runtime.ts"
import { AddItem, CheckOut, checkoutModel, SetPrice } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  const checkOut = (cartId: string, expectedTotalCents: number) =>
    describe(
      Command.run(CheckOut, { cartId, expectedTotalCents }),
      (r) => `checked out (${r.attempts} attempt${r.attempts > 1 ? "s" : ""})`
    ).pipe(Effect.flatMap((o) => Console.log(`  check out ${cartId} for ${expectedTotalCents}: ${o}`)))
  yield* Command.run(SetPrice, { productId: "lamp", priceCents: 4_000 })
  yield* Command.run(SetPrice, { productId: "desk", priceCents: 25_000 })
  yield* Command.run(SetPrice, { productId: "chair", priceCents: 9_000 })
  yield* Command.run(AddItem, { cartId: "c1", productId: "lamp", quantity: 2 })
  yield* Command.run(AddItem, { cartId: "c1", productId: "desk", quantity: 1 })
  yield* Console.log("cart c1: 2 lamps (4000) and a desk (25000)")

  const { conditions, state } = yield* DecisionModel.read(checkoutModel("c1"))
  yield* Console.log(`the checkout reads twice: the cart, then the prices of ${[...state.prices.keys()].join(" and ")}`)
  for (const [i, condition] of conditions.entries()) {
    yield* Console.log(`  condition ${i}: ${JSON.stringify(condition.failIfEventsMatch)} after ${condition.after}`)
  }

  yield* Console.log("the chair's price changes: not in the cart, not in the boundary")
  yield* Command.run(SetPrice, { productId: "chair", priceCents: 9_500 })
  yield* Console.log("the lamp's price changes: the customer was shown 33000")
  yield* Command.run(SetPrice, { productId: "lamp", priceCents: 4_200 })
  yield* checkOut("c1", 33_000)
  yield* checkOut("c1", 33_400)
  yield* checkOut("c1", 33_400)
  yield* Console.log("\nThe event log:")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

/**
 * Dynamic product price, the program (`npm run example -- dynamic-product-price`).
 *
 * @since 0.1.0
 */
import { Console, Duration, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { describe, printLog, runExample } from "../runtime.ts"
import { ChangePrice, DefineProduct, OrderProduct, PriceGracePeriod } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  const order = (orderId: string, displayedPriceCents: number) =>
    describe(Command.run(OrderProduct, { orderId, productId: "lamp", displayedPriceCents }), () => "ordered").pipe(
      Effect.flatMap((o) => Console.log(`  order ${orderId} at ${displayedPriceCents}: ${o}`))
    )
  yield* Command.run(DefineProduct, { productId: "lamp", priceCents: 4_000 })
  yield* Console.log("lamp costs 4000")
  yield* order("o1", 4_000)
  yield* order("o2", 3_500)
  yield* Command.run(ChangePrice, { productId: "lamp", newPriceCents: 4_500 })
  yield* Console.log("lamp now costs 4500 (a customer who saw 4000 has a 10-minute grace period)")
  yield* order("o3", 4_000)
  yield* order("o4", 4_500)
  yield* Console.log("with a grace period of 0 (provided as PriceGracePeriod):")
  yield* order("o5", 4_000).pipe(Effect.provideService(PriceGracePeriod, Duration.zero))
  yield* Console.log("\nThe event log:")
  yield* printLog()
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, type Layer } from "effect"
import { TestClock } from "effect/testing"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, decodedEvents, failureTags, onStore } from "../testing.ts"
import { ChangePrice, DefineProduct, OrderProduct, PriceGracePeriod, ProductOrdered, ProductPriceChanged } from "./domain.ts"

export const dynamicPriceTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`dynamic product price (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("orders racing a price change: with no grace period, no order at the old price lands after the change", () =>
      run(Effect.gen(function* () {
        yield* Command.run(DefineProduct, { productId: "p1", priceCents: 100 })
        const orders = Array.from({ length: 20 }, (_, i) =>
          Command.run(OrderProduct, { orderId: `o${i}`, productId: "p1", displayedPriceCents: i % 2 === 0 ? 100 : 120 }))
        const results = yield* concurrently([
          ...orders.slice(0, 10),
          Command.run(ChangePrice, { productId: "p1", newPriceCents: 120 }),
          ...orders.slice(10)
        ])
        expect([...failureTags(results)].every((t) => t === "InvalidPrice")).toBe(true)
        const [change] = yield* decodedEvents(ProductPriceChanged)
        expect(change).toBeDefined()
        const placed = yield* decodedEvents(ProductOrdered)
        for (const order of placed) {
          // the price an order was accepted at was the current one at its position in the log
          expect(order.payload.priceCents).toBe(order.position < change!.position ? 100 : 120)
        }
      }).pipe(Effect.provideService(PriceGracePeriod, Duration.zero))))

    it.effect("a replaced price is valid for the grace period, then rejected", () =>
      run(Effect.gen(function* () {
        yield* Command.run(DefineProduct, { productId: "p1", priceCents: 100 })
        yield* TestClock.adjust("1 hour")
        yield* Command.run(ChangePrice, { productId: "p1", newPriceCents: 120 })
        yield* TestClock.adjust("9 minutes")
        yield* Command.run(OrderProduct, { orderId: "o1", productId: "p1", displayedPriceCents: 100 })
        yield* TestClock.adjust("2 minutes")
        const late = yield* Effect.flip(Command.run(OrderProduct, { orderId: "o2", productId: "p1", displayedPriceCents: 100 }))
        expect(late._tag).toBe("InvalidPrice")
        yield* Command.run(OrderProduct, { orderId: "o3", productId: "p1", displayedPriceCents: 120 })
        const never = yield* Effect.flip(Command.run(OrderProduct, { orderId: "o4", productId: "p1", displayedPriceCents: 90 }))
        expect(never._tag).toBe("InvalidPrice")
        expect((yield* decodedEvents(ProductOrdered)).map((o) => o.payload.orderId)).toEqual(["o1", "o3"])
      })))

    it.effect("an unknown product is rejected", () =>
      run(Effect.gen(function* () {
        const error = yield* Effect.flip(Command.run(OrderProduct, { orderId: "o1", productId: "nope", displayedPriceCents: 1 }))
        expect(error._tag).toBe("ProductNotFound")
      })))
  })

for (const backend of backends) dynamicPriceTests(backend.name, backend.layer)

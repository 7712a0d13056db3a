import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, decodedEvents, onStore, successes } from "../testing.ts"
import { OrderPlaced, PlaceOrder } from "./domain.ts"

export const preventDuplicationTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`prevent record duplication (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("the same request sent 10 times at once places one order; other tokens are not affected", () =>
      run(Effect.gen(function* () {
        const results = yield* concurrently([
          ...Array.from({ length: 10 }, () =>
            Command.run(PlaceOrder, { orderId: "o1", idempotencyToken: "t1", product: "book" })),
          ...Array.from({ length: 5 }, (_, i) =>
            Command.run(PlaceOrder, { orderId: `other-${i}`, idempotencyToken: `u${i}`, product: "pen" }))
        ])
        expect(successes(results)).toHaveLength(15) // duplicates are no-ops, not errors
        const orders = yield* decodedEvents(OrderPlaced)
        expect(orders.filter((o) => o.payload.idempotencyToken === "t1")).toHaveLength(1)
        expect(orders).toHaveLength(6)
        expect(successes(results).slice(0, 10).filter((r) => r.events.length === 1)).toHaveLength(1)
      })))

    it.live("with Command.run's idempotency key, concurrent repeats all return the first write", () =>
      run(Effect.gen(function* () {
        const results = yield* concurrently(
          Array.from({ length: 8 }, (_, i) =>
            // one key, different payloads: the first run wins, the others are refused (IdempotencyKeyReused)
            Command.run(PlaceOrder, { orderId: `o${i}`, idempotencyToken: `t${i}`, product: "cup" }, {
              idempotencyKey: "req-1"
            }))
        )
        const positions = new Set(successes(results).map((r) => r.position))
        expect(positions.size).toBe(1)
        expect(successes(results).filter((r) => !r.replayed)).toHaveLength(1)
        expect(successes(results)).toHaveLength(1)
        expect(yield* decodedEvents(OrderPlaced)).toHaveLength(1)
      })))
  })

for (const backend of backends) preventDuplicationTests(backend.name, backend.layer)

import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, failureTags, onStore, successes } from "../testing.ts"
import { AddItem, CreateCart, maxItems, RemoveItem, SubmitCart } from "./domain.ts"

const typesOf = (cartId: string) =>
  Effect.map(Stream.runCollect(EventStore.read(Query.item({ tags: [`cart:${cartId}`] }))), (events) =>
    events.map((e) => e.type))

export const aggregateTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`event-sourced aggregate (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("10 concurrent additions to one cart: exactly the maximum are added", () =>
      run(Effect.gen(function* () {
        yield* Command.run(CreateCart, { cartId: "k1" })
        const results = yield* concurrently(
          Array.from({ length: 10 }, (_, i) => Command.run(AddItem, { cartId: "k1", itemId: `i${i}` }))
        )
        expect(successes(results)).toHaveLength(maxItems)
        expect(failureTags(results)).toEqual(new Set(["CartError"]))
        expect((yield* typesOf("k1")).filter((t) => t === "ItemAdded")).toHaveLength(maxItems)
      })))

    it.live("a submission racing changes: nothing changes the cart after CartSubmitted, and it is submitted once", () =>
      run(Effect.gen(function* () {
        yield* Command.run(CreateCart, { cartId: "k1" })
        yield* Command.run(AddItem, { cartId: "k1", itemId: "a" })
        yield* concurrently([
          Command.run(AddItem, { cartId: "k1", itemId: "b" }),
          Command.run(SubmitCart, { cartId: "k1" }),
          Command.run(RemoveItem, { cartId: "k1", itemId: "a" }),
          Command.run(SubmitCart, { cartId: "k1" }),
          Command.run(AddItem, { cartId: "k1", itemId: "c" }),
          Command.run(SubmitCart, { cartId: "k1" })
        ])
        const types = yield* typesOf("k1")
        expect(types.filter((t) => t === "CartSubmitted")).toHaveLength(1)
        expect(types[types.length - 1]).toBe("CartSubmitted")
      })))

    it.live("different aggregates never conflict: 10 carts changed concurrently decide once each", () =>
      run(Effect.gen(function* () {
        const carts = Array.from({ length: 10 }, (_, i) => `k${i}`)
        yield* Effect.forEach(carts, (cartId) => Command.run(CreateCart, { cartId }))
        const results = yield* concurrently(carts.map((cartId) => Command.run(AddItem, { cartId, itemId: "x" })))
        expect(successes(results).map((r) => r.attempts)).toEqual(Array(10).fill(1))
      })))
  })

for (const backend of backends) aggregateTests(backend.name, backend.layer)

import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Result, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends, contended } from "../backends.ts"
import { concurrently, decodedEvents, successes } from "../testing.ts"
import { AddItem, CartCheckedOut, CheckOut, ItemAdded, ItemRemoved, PriceSet, RemoveItem, SetPrice } from "./domain.ts"

/**
 * A store whose next read of prices, or next append, first runs a writer
 * (once): a concurrent writer landing exactly between the checkout's two
 * reads, or between its reads and its append.
 */
const interleaving = (makeLayer: Backend["layer"]) => {
  let beforePrices: Effect.Effect<unknown, unknown, EventStore.EventStore> | undefined
  let beforeAppend: Effect.Effect<unknown, unknown, EventStore.EventStore> | undefined
  const readsPrices = (query: Query.Query) =>
    query._tag === "Items" && query.items.some((item) => item.types?.includes(PriceSet.type) === true)
  const layer = Layer.effect(
    EventStore.EventStore,
    Effect.map(EventStore.EventStore, (store) => {
      const run = (writer: Effect.Effect<unknown, unknown, EventStore.EventStore>) =>
        Effect.orDie(Effect.provideService(writer, EventStore.EventStore, store))
      return EventStore.EventStore.of({
        ...store,
        read: (query, options) => {
          const writer = beforePrices
          if (writer === undefined || !readsPrices(query)) return store.read(query, options)
          beforePrices = undefined
          return Stream.unwrap(Effect.as(run(writer), store.read(query, options)))
        },
        append: (events, options) => {
          const writer = beforeAppend
          if (writer === undefined) return store.append(events, options)
          beforeAppend = undefined
          return Effect.andThen(run(writer), store.append(events, options))
        }
      })
    })
  ).pipe(Layer.provide(makeLayer()))
  return {
    layer,
    beforePrices: (writer: Effect.Effect<unknown, unknown, EventStore.EventStore>) => Effect.sync(() => { beforePrices = writer }),
    beforeAppend: (writer: Effect.Effect<unknown, unknown, EventStore.EventStore>) => Effect.sync(() => { beforeAppend = writer })
  }
}

/**
 * Replays the log and checks every checkout against the cart and the prices
 * as of its position: the same products and quantities, the current prices,
 * the right total; and that nothing was added to a cart after its checkout.
 */
const checkInvariant = Effect.gen(function* () {
  const carts = new Map<string, Map<string, number>>()
  const checkedOut = new Set<string>()
  const prices = new Map<string, number>()
  const events = yield* Stream.runCollect(EventStore.read(Query.all()))
  let checkouts = 0
  for (const event of events) {
    if (event.type === PriceSet.type) {
      const { payload } = yield* PriceSet.decode(event)
      prices.set(payload.productId, payload.priceCents)
    } else if (event.type === ItemAdded.type) {
      const { payload } = yield* ItemAdded.decode(event)
      expect(checkedOut.has(payload.cartId), `item added to ${payload.cartId} after its checkout`).toBe(false)
      const cart = carts.get(payload.cartId) ?? new Map<string, number>()
      cart.set(payload.productId, (cart.get(payload.productId) ?? 0) + payload.quantity)
      carts.set(payload.cartId, cart)
    } else if (event.type === ItemRemoved.type) {
      const { payload } = yield* ItemRemoved.decode(event)
      carts.get(payload.cartId)?.delete(payload.productId)
    } else if (event.type === CartCheckedOut.type) {
      const { payload } = yield* CartCheckedOut.decode(event)
      checkouts++
      expect(checkedOut.has(payload.cartId), `${payload.cartId} checked out twice`).toBe(false)
      checkedOut.add(payload.cartId)
      const cart = carts.get(payload.cartId) ?? new Map<string, number>()
      expect(payload.lines.map((l) => [l.productId, l.quantity]), `lines of ${payload.cartId}`).toEqual([...cart.entries()])
      for (const line of payload.lines) expect(line.priceCents, `price of ${line.productId}`).toBe(prices.get(line.productId))
      expect(payload.totalCents).toBe(payload.lines.reduce((sum, l) => sum + l.quantity * l.priceCents, 0))
    }
  }
  return checkouts
})

export const orderCheckoutTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`order checkout (${name})`, () => {
    const setUp = Effect.gen(function* () {
      yield* Command.run(SetPrice, { productId: "p1", priceCents: 100 })
      yield* Command.run(SetPrice, { productId: "p2", priceCents: 50 })
      yield* Command.run(AddItem, { cartId: "c1", productId: "p1", quantity: 1 })
    })

    it.effect("the checkout reads the cart, then the prices of its products: one condition per read", () => {
      const store = interleaving(makeLayer)
      return Effect.gen(function* () {
        yield* setUp
        yield* Command.run(SetPrice, { productId: "other", priceCents: 7 })
        const ok = yield* Command.run(CheckOut, { cartId: "c1", expectedTotalCents: 100 })
        expect(ok.attempts).toBe(1)
        const again = yield* Effect.flip(Command.run(CheckOut, { cartId: "c1", expectedTotalCents: 100 }))
        expect(again._tag).toBe("CartCheckedOutAlready")
        const added = yield* Effect.flip(Command.run(AddItem, { cartId: "c1", productId: "p2", quantity: 1 }))
        expect(added._tag).toBe("CartCheckedOutAlready")
        const empty = yield* Effect.flip(Command.run(CheckOut, { cartId: "c2", expectedTotalCents: 0 }))
        expect(empty._tag).toBe("EmptyCart")
        yield* Command.run(AddItem, { cartId: "c3", productId: "nope", quantity: 1 })
        const unavailable = yield* Effect.flip(Command.run(CheckOut, { cartId: "c3", expectedTotalCents: 0 }))
        expect(unavailable._tag).toBe("ProductUnavailable")
        expect(yield* checkInvariant).toBe(1)
      }).pipe(Effect.provide(store.layer))
    })

    it.live("an item added between the two reads fails the cart's condition: the checkout decides again on the new cart", () => {
      const store = interleaving(makeLayer)
      return Effect.gen(function* () {
        yield* setUp
        // between the reads: an item lands in the cart, then the price of the product read changes
        // (so the prices read ends after the cart change: one condition after the last position read would miss it)
        yield* store.beforePrices(Effect.andThen(
          Command.run(AddItem, { cartId: "c1", productId: "p2", quantity: 1 }),
          Command.run(SetPrice, { productId: "p1", priceCents: 100 })
        ))
        const error = yield* Effect.flip(Command.run(CheckOut, { cartId: "c1", expectedTotalCents: 100 }))
        expect(error._tag).toBe("TotalChanged")
        expect(error).toMatchObject({ expectedCents: 100, actualCents: 150 })
        expect(yield* decodedEvents(CartCheckedOut)).toEqual([])
        // shown the new total, it succeeds with both items
        const ok = yield* Command.run(CheckOut, { cartId: "c1", expectedTotalCents: 150 })
        expect(ok.attempts).toBe(1)
        expect(yield* checkInvariant).toBe(1)
      }).pipe(Effect.provide(store.layer))
    })

    it.live("a price changed between the two reads was seen: no conflict, no retry", () => {
      const store = interleaving(makeLayer)
      return Effect.gen(function* () {
        yield* setUp
        // the customer saw 130: the price changes after the cart read, before the prices read
        yield* store.beforePrices(Command.run(SetPrice, { productId: "p1", priceCents: 130 }))
        const result = yield* Command.run(CheckOut, { cartId: "c1", expectedTotalCents: 130 })
        // one condition after the first read's position would fail here on the price the decision already saw
        expect(result.attempts).toBe(1)
        expect((yield* decodedEvents(CartCheckedOut)).map((e) => e.payload.totalCents)).toEqual([130])
        expect(yield* checkInvariant).toBe(1)
      }).pipe(Effect.provide(store.layer))
    })

    it.live("a price changed after the second read fails the prices' condition: the retry sees it", () => {
      const store = interleaving(makeLayer)
      return Effect.gen(function* () {
        yield* setUp
        yield* store.beforeAppend(Command.run(SetPrice, { productId: "p1", priceCents: 140 }))
        const error = yield* Effect.flip(Command.run(CheckOut, { cartId: "c1", expectedTotalCents: 100 }))
        expect(error).toMatchObject({ _tag: "TotalChanged", expectedCents: 100, actualCents: 140 })
        expect(yield* decodedEvents(CartCheckedOut)).toEqual([])
      }).pipe(Effect.provide(store.layer))
    })

    it.live("concurrent checkouts, cart changes and price changes: every checkout matches its cart and the prices at its position", () =>
      Effect.gen(function* () {
        const products = ["p0", "p1", "p2", "p3", "p4", "p5"]
        for (const [i, productId] of products.entries()) yield* Command.run(SetPrice, { productId, priceCents: 100 + i })
        const carts = Array.from({ length: 8 }, (_, i) => `c${i}`)
        for (const [i, cartId] of carts.entries()) {
          yield* Command.run(AddItem, { cartId, productId: products[i % 6]!, quantity: 1 })
          yield* Command.run(AddItem, { cartId, productId: products[(i + 1) % 6]!, quantity: 2 })
        }
        // a customer checking out for the total shown, shown the new total each time it changed
        const checkOut = (cartId: string) => {
          const attempt = (expectedTotalCents: number, left: number): Effect.Effect<Command.Result, unknown> =>
            Effect.catchTag(
              Command.run(CheckOut, { cartId, expectedTotalCents }),
              "TotalChanged",
              (changed) => (left > 0 ? attempt(changed.actualCents, left - 1) : Effect.fail(changed))
            ) as Effect.Effect<Command.Result, unknown>
          return attempt(-1, 20)
        }
        const results = yield* concurrently([
          ...carts.map(checkOut),
          ...carts.map((cartId, i) => Command.run(AddItem, { cartId, productId: products[(i + 3) % 6]!, quantity: 1 })),
          ...carts.slice(0, 4).map((cartId, i) => Command.run(RemoveItem, { cartId, productId: products[i % 6]! })),
          ...products.map((productId, i) => Command.run(SetPrice, { productId, priceCents: 200 + i }))
        ])
        const checkedOut = successes(results.slice(0, carts.length))
        expect(checkedOut.length).toBeGreaterThan(0)
        for (const result of results) {
          if (Result.isFailure(result)) {
            expect(["TotalChanged", "CartCheckedOutAlready", "CommandConflict"]).toContain((result.failure as { _tag: string })._tag)
          }
        }
        expect(yield* checkInvariant).toBe(checkedOut.length)
      }).pipe(Effect.provide(contended(makeLayer()))), 60_000)

    it.live("price changes of products in no cart never make a checkout retry", () =>
      Effect.gen(function* () {
        for (const productId of ["p1", "p2", "x1", "x2", "x3"]) yield* Command.run(SetPrice, { productId, priceCents: 10 })
        const carts = Array.from({ length: 6 }, (_, i) => `c${i}`)
        for (const cartId of carts) yield* Command.run(AddItem, { cartId, productId: "p1", quantity: 2 })
        const results = yield* concurrently([
          ...carts.map((cartId) => Command.run(CheckOut, { cartId, expectedTotalCents: 20 })),
          ...["x1", "x2", "x3", "x1", "x2", "x3"].map((productId, i) => Command.run(SetPrice, { productId, priceCents: 20 + i }))
        ])
        const checkouts = successes(results.slice(0, carts.length))
        expect(checkouts).toHaveLength(carts.length)
        expect(checkouts.every((r) => r.attempts === 1)).toBe(true)
        expect(yield* checkInvariant).toBe(carts.length)
      }).pipe(Effect.provide(contended(makeLayer()))), 60_000)
  })

for (const backend of backends) orderCheckoutTests(backend.name, backend.layer)

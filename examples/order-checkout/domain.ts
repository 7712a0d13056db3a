/**
 * Order checkout: a cart is checked out at the current prices of exactly the
 * products in it, for the total the customer was shown.
 *
 * The checkout's decision needs two reads, and the second depends on the
 * first: read the cart (which products, how many), then the prices of
 * exactly those products. No fixed query can say which products to read
 * before the cart is known, and reading the prices of every product would put
 * every price change of the shop in the checkout's consistency boundary.
 *
 * The checkout model is dependent ({@link checkoutModel}: the cart, then
 * `DecisionModel.bind` of the prices of its products), and each read
 * contributes its own append condition: the cart's query after the last cart
 * event the first read saw, the products' price query after the last price
 * event the second read saw. So
 *
 * - an item added to the cart between the two reads fails the checkout
 *   (the cart's condition), which decides again on the new cart;
 * - a price changed between the two reads was seen by the second read: no
 *   conflict, no retry;
 * - a price changed after the second read fails the checkout (the prices'
 *   condition).
 *
 * One condition for both reads could not do this: after the later read's
 * position it would miss the cart change, after the earlier one it would fail
 * on the price change the decision already saw.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/** @category events @since 0.1.0 */
export const PriceSet = Event.define("PriceSet", {
  payload: Schema.Struct({ productId: Schema.String, priceCents: Schema.Int }),
  tags: (p) => [`product:${p.productId}`]
})

/** @category events @since 0.1.0 */
export const ItemAdded = Event.define("ItemAdded", {
  payload: Schema.Struct({ cartId: Schema.String, productId: Schema.String, quantity: Schema.Int }),
  tags: (p) => [`cart:${p.cartId}`]
})

/** @category events @since 0.1.0 */
export const ItemRemoved = Event.define("ItemRemoved", {
  payload: Schema.Struct({ cartId: Schema.String, productId: Schema.String }),
  tags: (p) => [`cart:${p.cartId}`]
})

/** One line of a checkout: a product, its quantity, and the unit price charged. */
const Line = Schema.Struct({ productId: Schema.String, quantity: Schema.Int, priceCents: Schema.Int })

/** @category events @since 0.1.0 */
export const CartCheckedOut = Event.define("CartCheckedOut", {
  payload: Schema.Struct({ cartId: Schema.String, lines: Schema.Array(Line), totalCents: Schema.Int }),
  tags: (p) => [`cart:${p.cartId}`]
})

/** @category errors @since 0.1.0 */
export class CartCheckedOutAlready extends Schema.TaggedError<CartCheckedOutAlready>()("CartCheckedOutAlready", {
  cartId: Schema.String
}) {
  override get message() {
    return `cart ${this.cartId} is checked out already`
  }
}

/** @category errors @since 0.1.0 */
export class EmptyCart extends Schema.TaggedError<EmptyCart>()("EmptyCart", { cartId: Schema.String }) {
  override get message() {
    return `cart ${this.cartId} is empty`
  }
}

/** @category errors @since 0.1.0 */
export class ProductUnavailable extends Schema.TaggedError<ProductUnavailable>()("ProductUnavailable", {
  productId: Schema.String
}) {
  override get message() {
    return `product ${this.productId} has no price`
  }
}

/** @category errors @since 0.1.0 */
export class TotalChanged extends Schema.TaggedError<TotalChanged>()("TotalChanged", {
  expectedCents: Schema.Int,
  actualCents: Schema.Int
}) {
  override get message() {
    return `the total is ${this.actualCents}, not the ${this.expectedCents} shown: show the new total`
  }
}

/**
 * A cart: its items (product → quantity, in the order added) and whether it
 * was checked out.
 *
 * @category models
 * @since 0.1.0
 */
export interface Cart {
  readonly items: ReadonlyMap<string, number>
  readonly checkedOut: boolean
}

/**
 * The first read: a cart.
 *
 * @category models
 * @since 0.1.0
 */
export const cart = (cartId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [ItemAdded.type, ItemRemoved.type, CartCheckedOut.type], tags: [`cart:${cartId}`] }),
    initial: { items: new Map(), checkedOut: false } as Cart,
    events: [ItemAdded, ItemRemoved, CartCheckedOut],
    evolve: (state, event): Cart => {
      switch (event.type) {
        case "ItemAdded": {
          const items = new Map(state.items)
          items.set(event.payload.productId, (items.get(event.payload.productId) ?? 0) + event.payload.quantity)
          return { ...state, items }
        }
        case "ItemRemoved": {
          const items = new Map(state.items)
          items.delete(event.payload.productId)
          return { ...state, items }
        }
        case "CartCheckedOut":
          return { ...state, checkedOut: true }
      }
    }
  })

/**
 * The second read: the current price of each of `productIds` (absent: never
 * priced). With no product, it reads the prices of the product with an
 * empty id, which no command can create: nothing.
 *
 * @category models
 * @since 0.1.0
 */
export const prices = (productIds: ReadonlyArray<string>) =>
  DecisionModel.make({
    query: Query.fromItems(
      (productIds.length === 0 ? [""] : productIds).map((id) => ({ types: [PriceSet.type], tags: [`product:${id}`] }))
    ),
    initial: new Map() as ReadonlyMap<string, number>,
    events: [PriceSet],
    evolve: (state, event) => new Map(state).set(event.payload.productId, event.payload.priceCents)
  })

/**
 * The checkout's model: the cart, then the prices of exactly the products in
 * it. Reading it yields two append conditions, one per read.
 *
 * @category models
 * @since 0.1.0
 */
export const checkoutModel = (cartId: string) =>
  DecisionModel.bind(DecisionModel.combine({ cart: cart(cartId) }), "prices", ({ cart }) => prices([...cart.items.keys()]))

const Id = Schema.NonEmptyString
const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/** @category commands @since 0.1.0 */
export const SetPrice = Command.make({
  name: "SetPrice",
  input: Schema.Struct({ productId: Id, priceCents: Positive }),
  model: ({ productId }) => prices([productId]),
  decide: (_, input) => Effect.succeed([PriceSet.make(input)])
})

/** @category commands @since 0.1.0 */
export const AddItem = Command.make({
  name: "AddItem",
  input: Schema.Struct({ cartId: Id, productId: Id, quantity: Positive }),
  model: ({ cartId }) => cart(cartId),
  decide: (state, input) =>
    state.checkedOut ? Effect.fail(new CartCheckedOutAlready({ cartId: input.cartId })) : Effect.succeed([ItemAdded.make(input)])
})

/** @category commands @since 0.1.0 */
export const RemoveItem = Command.make({
  name: "RemoveItem",
  input: Schema.Struct({ cartId: Id, productId: Id }),
  model: ({ cartId }) => cart(cartId),
  decide: (state, input) =>
    state.checkedOut
      ? Effect.fail(new CartCheckedOutAlready({ cartId: input.cartId }))
      : Effect.succeed(state.items.has(input.productId) ? [ItemRemoved.make(input)] : [])
})

/**
 * Checks a cart out for the total the customer was shown: every product
 * priced, the total at the current prices equal to `expectedTotalCents`.
 *
 * @category commands
 * @since 0.1.0
 */
export const CheckOut = Command.make({
  name: "CheckOut",
  input: Schema.Struct({ cartId: Id, expectedTotalCents: Schema.Int }),
  model: ({ cartId }) => checkoutModel(cartId),
  decide: ({ cart, prices }, { cartId, expectedTotalCents }) =>
    Effect.gen(function* () {
      if (cart.checkedOut) return yield* new CartCheckedOutAlready({ cartId })
      if (cart.items.size === 0) return yield* new EmptyCart({ cartId })
      const lines: Array<typeof Line.Type> = []
      for (const [productId, quantity] of cart.items) {
        const priceCents = prices.get(productId)
        if (priceCents === undefined) return yield* new ProductUnavailable({ productId })
        lines.push({ productId, quantity, priceCents })
      }
      const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.priceCents, 0)
      if (totalCents !== expectedTotalCents) {
        return yield* new TotalChanged({ expectedCents: expectedTotalCents, actualCents: totalCents })
      }
      return [CartCheckedOut.make({ cartId, lines, totalCents })]
    })
})

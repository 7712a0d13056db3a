/**
 * Dynamic product price: an order is placed at the price the customer was
 * shown. That price is valid if it is the current one, or if it was replaced
 * less than a grace period ago ({@link PriceGracePeriod}).
 *
 * The decision model of a product reads its price events only (orders do not
 * change prices, so concurrent orders never conflict with each other), and
 * the append condition makes an order fail and decide again when the price
 * changed between its read and its append. Times come from Effect's `Clock`.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/**
 * How long a replaced price stays valid for orders (10 minutes unless
 * provided otherwise).
 *
 * @category policy
 * @since 0.1.0
 */
export const PriceGracePeriod = Context.Reference<Duration.Duration>("examples/PriceGracePeriod", {
  defaultValue: () => Duration.minutes(10)
})

/** @category events @since 0.1.0 */
export const ProductDefined = Event.define("ProductDefined", {
  payload: Schema.Struct({ productId: Schema.String, priceCents: Schema.Int }),
  tags: (p) => [`product:${p.productId}`]
})

/** @category events @since 0.1.0 */
export const ProductPriceChanged = Event.define("ProductPriceChanged", {
  payload: Schema.Struct({ productId: Schema.String, newPriceCents: Schema.Int, changedAtMillis: Schema.Number }),
  tags: (p) => [`product:${p.productId}`]
})

/** @category events @since 0.1.0 */
export const ProductOrdered = Event.define("ProductOrdered", {
  payload: Schema.Struct({ orderId: Schema.String, productId: Schema.String, priceCents: Schema.Int }),
  tags: (p) => [`product:${p.productId}`, `order:${p.orderId}`]
})

/** @category errors @since 0.1.0 */
export class ProductNotFound extends Schema.TaggedError<ProductNotFound>()("ProductNotFound", {
  productId: Schema.String
}) {
  override get message() {
    return `product ${this.productId} does not exist`
  }
}

/** @category errors @since 0.1.0 */
export class InvalidPrice extends Schema.TaggedError<InvalidPrice>()("InvalidPrice", {
  productId: Schema.String,
  priceCents: Schema.Int
}) {
  override get message() {
    return `${this.priceCents} is not a valid price for ${this.productId} (any more)`
  }
}

/**
 * A product's prices: the current one, and those replaced (with when).
 *
 * @category models
 * @since 0.1.0
 */
export interface Prices {
  readonly current: number | undefined
  readonly replaced: ReadonlyArray<{ readonly priceCents: number; readonly replacedAtMillis: number }>
}

/**
 * The prices of a product.
 *
 * @category models
 * @since 0.1.0
 */
export const prices = (productId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [ProductDefined.type, ProductPriceChanged.type], tags: [`product:${productId}`] }),
    initial: { current: undefined, replaced: [] } as Prices,
    events: [ProductDefined, ProductPriceChanged],
    evolve: (state, event): Prices =>
      event.type === "ProductDefined"
        ? { current: event.payload.priceCents, replaced: [] }
        : {
          current: event.payload.newPriceCents,
          replaced: state.current === undefined
            ? state.replaced
            : [...state.replaced, { priceCents: state.current, replacedAtMillis: event.payload.changedAtMillis }]
        }
  })

const ProductId = Schema.NonEmptyString
const Cents = Schema.Int.check(Schema.isGreaterThan(0))

/** @category commands @since 0.1.0 */
export const DefineProduct = Command.make({
  name: "DefineProduct",
  input: Schema.Struct({ productId: ProductId, priceCents: Cents }),
  model: ({ productId }) => prices(productId),
  decide: (state, { priceCents, productId }) =>
    Effect.succeed(state.current === undefined ? [ProductDefined.make({ productId, priceCents })] : [])
})

/** @category commands @since 0.1.0 */
export const ChangePrice = Command.make({
  name: "ChangePrice",
  input: Schema.Struct({ productId: ProductId, newPriceCents: Cents }),
  model: ({ productId }) => prices(productId),
  decide: (state, { newPriceCents, productId }) =>
    Effect.gen(function* () {
      if (state.current === undefined) return yield* new ProductNotFound({ productId })
      if (state.current === newPriceCents) return []
      const changedAtMillis = yield* Clock.currentTimeMillis
      return [ProductPriceChanged.make({ productId, newPriceCents, changedAtMillis })]
    })
})

/**
 * Orders a product at the price the customer was shown.
 *
 * @category commands
 * @since 0.1.0
 */
export const OrderProduct = Command.make({
  name: "OrderProduct",
  input: Schema.Struct({ orderId: Schema.NonEmptyString, productId: ProductId, displayedPriceCents: Cents }),
  model: ({ productId }) => prices(productId),
  decide: (state, { displayedPriceCents, orderId, productId }) =>
    Effect.gen(function* () {
      if (state.current === undefined) return yield* new ProductNotFound({ productId })
      const now = yield* Clock.currentTimeMillis
      const grace = Duration.toMillis(yield* PriceGracePeriod)
      const valid = displayedPriceCents === state.current ||
        state.replaced.some((p) => p.priceCents === displayedPriceCents && now - p.replacedAtMillis < grace)
      if (!valid) return yield* new InvalidPrice({ productId, priceCents: displayedPriceCents })
      return [ProductOrdered.make({ orderId, productId, priceCents: displayedPriceCents })]
    })
})

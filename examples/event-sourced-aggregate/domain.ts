/**
 * The event-sourced aggregate, expressed with DCB: one tag per aggregate
 * (`cart:<id>`) plays the role of the stream, the aggregate's state is a
 * decision model over that tag, and the append condition
 * `{ failIfEventsMatch: cart:<id>, after: <last position read> }` is the
 * classic "expected version" check. Everything the aggregate pattern gives
 * you is there, and nothing forces every decision through it.
 *
 * The cart: created, holds at most {@link maxItems} items, submitted once,
 * and unchangeable after submission.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/**
 * The most items in a cart.
 *
 * @category invariants
 * @since 0.1.0
 */
export const maxItems = 3

const cartTag = (cartId: string) => `cart:${cartId}`

/** @category events @since 0.1.0 */
export const CartCreated = Event.define("CartCreated", {
  payload: Schema.Struct({ cartId: Schema.String }),
  tags: (p) => [cartTag(p.cartId)]
})

/** @category events @since 0.1.0 */
export const ItemAdded = Event.define("ItemAdded", {
  payload: Schema.Struct({ cartId: Schema.String, itemId: Schema.String }),
  tags: (p) => [cartTag(p.cartId)]
})

/** @category events @since 0.1.0 */
export const ItemRemoved = Event.define("ItemRemoved", {
  payload: Schema.Struct({ cartId: Schema.String, itemId: Schema.String }),
  tags: (p) => [cartTag(p.cartId)]
})

/** @category events @since 0.1.0 */
export const CartSubmitted = Event.define("CartSubmitted", {
  payload: Schema.Struct({ cartId: Schema.String }),
  tags: (p) => [cartTag(p.cartId)]
})

/** @category errors @since 0.1.0 */
export class CartError extends Schema.TaggedError<CartError>()("CartError", {
  cartId: Schema.String,
  reason: Schema.Literals(["not found", "already exists", "full", "submitted", "empty", "no such item"])
}) {
  override get message() {
    return `cart ${this.cartId}: ${this.reason}`
  }
}

/**
 * The state of the cart aggregate.
 *
 * @category models
 * @since 0.1.0
 */
export interface Cart {
  readonly created: boolean
  readonly items: ReadonlyArray<string>
  readonly submitted: boolean
}

/**
 * The cart aggregate: every event of its tag, folded.
 *
 * @category models
 * @since 0.1.0
 */
export const cart = (cartId: string) =>
  DecisionModel.make({
    query: Query.item({ tags: [cartTag(cartId)] }),
    initial: { created: false, items: [], submitted: false } as Cart,
    events: [CartCreated, ItemAdded, ItemRemoved, CartSubmitted],
    evolve: (state, event): Cart => {
      switch (event.type) {
        case "CartCreated":
          return { ...state, created: true }
        case "ItemAdded":
          return { ...state, items: [...state.items, event.payload.itemId] }
        case "ItemRemoved":
          return { ...state, items: state.items.filter((i) => i !== event.payload.itemId) }
        case "CartSubmitted":
          return { ...state, submitted: true }
      }
    }
  })

/**
 * The decisions of the aggregate, as plain functions of its state: what the
 * aggregate's methods would be.
 *
 * @category decisions
 * @since 0.1.0
 */
export const decisions = {
  create: (state: Cart, cartId: string) =>
    state.created ? Effect.fail(new CartError({ cartId, reason: "already exists" })) : Effect.succeed([CartCreated.make({ cartId })]),
  addItem: (state: Cart, cartId: string, itemId: string) => {
    if (!state.created) return Effect.fail(new CartError({ cartId, reason: "not found" }))
    if (state.submitted) return Effect.fail(new CartError({ cartId, reason: "submitted" }))
    if (state.items.length >= maxItems) return Effect.fail(new CartError({ cartId, reason: "full" }))
    return Effect.succeed([ItemAdded.make({ cartId, itemId })])
  },
  removeItem: (state: Cart, cartId: string, itemId: string) => {
    if (!state.created) return Effect.fail(new CartError({ cartId, reason: "not found" }))
    if (state.submitted) return Effect.fail(new CartError({ cartId, reason: "submitted" }))
    if (!state.items.includes(itemId)) return Effect.fail(new CartError({ cartId, reason: "no such item" }))
    return Effect.succeed([ItemRemoved.make({ cartId, itemId })])
  },
  submit: (state: Cart, cartId: string) => {
    if (!state.created) return Effect.fail(new CartError({ cartId, reason: "not found" }))
    if (state.submitted) return Effect.fail(new CartError({ cartId, reason: "submitted" }))
    if (state.items.length === 0) return Effect.fail(new CartError({ cartId, reason: "empty" }))
    return Effect.succeed([CartSubmitted.make({ cartId })])
  }
}

const CartId = Schema.NonEmptyString
const ItemId = Schema.NonEmptyString

/** @category commands @since 0.1.0 */
export const CreateCart = Command.make({
  name: "CreateCart",
  input: Schema.Struct({ cartId: CartId }),
  model: ({ cartId }) => cart(cartId),
  decide: (state, { cartId }) => decisions.create(state, cartId)
})

/** @category commands @since 0.1.0 */
export const AddItem = Command.make({
  name: "AddItem",
  input: Schema.Struct({ cartId: CartId, itemId: ItemId }),
  model: ({ cartId }) => cart(cartId),
  decide: (state, { cartId, itemId }) => decisions.addItem(state, cartId, itemId),
  retry: { times: 20 }
})

/** @category commands @since 0.1.0 */
export const RemoveItem = Command.make({
  name: "RemoveItem",
  input: Schema.Struct({ cartId: CartId, itemId: ItemId }),
  model: ({ cartId }) => cart(cartId),
  decide: (state, { cartId, itemId }) => decisions.removeItem(state, cartId, itemId),
  retry: { times: 20 }
})

/** @category commands @since 0.1.0 */
export const SubmitCart = Command.make({
  name: "SubmitCart",
  input: Schema.Struct({ cartId: CartId }),
  model: ({ cartId }) => cart(cartId),
  decide: (state, { cartId }) => decisions.submit(state, cartId),
  retry: { times: 20 }
})

/**
 * Prevent record duplication: the client picks an idempotency token for a
 * request; sending the request again (a retry after a timeout, a double
 * click) is a no-op.
 *
 * Done in DCB terms, by hand: the order event is tagged with the token, the
 * decision model asks "was this token used?", and a used token makes the
 * decision return no events (nothing is appended). Two copies of the request
 * racing each other conflict on that tag, and the loser, deciding again,
 * sees the token used. (`Command.run`'s `idempotencyKey` option does the same
 * for any command, and returns the first result: see `main.ts`.)
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/** @category events @since 0.1.0 */
export const OrderPlaced = Event.define("OrderPlaced", {
  payload: Schema.Struct({ orderId: Schema.String, idempotencyToken: Schema.String, product: Schema.String }),
  tags: (p) => [`order:${p.orderId}`, `idempotency:${p.idempotencyToken}`]
})

/**
 * The order already placed with a token, if any.
 *
 * @category models
 * @since 0.1.0
 */
export const orderWithToken = (idempotencyToken: string) =>
  DecisionModel.make({
    query: Query.item({ types: [OrderPlaced.type], tags: [`idempotency:${idempotencyToken}`] }),
    initial: undefined as string | undefined,
    events: [OrderPlaced],
    evolve: (_, event) => event.payload.orderId
  })

/**
 * Places an order, once per idempotency token.
 *
 * @category commands
 * @since 0.1.0
 */
export const PlaceOrder = Command.make({
  name: "PlaceOrder",
  input: Schema.Struct({ orderId: Schema.NonEmptyString, idempotencyToken: Schema.NonEmptyString, product: Schema.String }),
  model: ({ idempotencyToken }) => orderWithToken(idempotencyToken),
  decide: (placed, { idempotencyToken, orderId, product }) =>
    Effect.succeed(placed === undefined ? [OrderPlaced.make({ orderId, idempotencyToken, product })] : [])
})

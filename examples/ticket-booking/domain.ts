/**
 * Ticket booking: a concert never sells more seats than it has, however many
 * buyers try at once.
 *
 * The decision model of a concert counts its seats and the tickets sold
 * (the events tagged `concert:<id>`). A booking appends under the condition
 * "no new booking for this concert since I counted": of two buyers who both
 * saw the last seat free, one gets it and the other re-counts.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/** @category events @since 0.1.0 */
export const ConcertScheduled = Event.define("ConcertScheduled", {
  payload: Schema.Struct({ concertId: Schema.String, seats: Schema.Int }),
  tags: (p) => [`concert:${p.concertId}`]
})

/** @category events @since 0.1.0 */
export const TicketsBooked = Event.define("TicketsBooked", {
  payload: Schema.Struct({ concertId: Schema.String, customer: Schema.String, quantity: Schema.Int }),
  tags: (p) => [`concert:${p.concertId}`, `customer:${p.customer}`]
})

/** @category errors @since 0.1.0 */
export class ConcertNotFound extends Schema.TaggedError<ConcertNotFound>()("ConcertNotFound", {
  concertId: Schema.String
}) {
  override get message() {
    return `concert ${this.concertId} is not scheduled`
  }
}

/** @category errors @since 0.1.0 */
export class NotEnoughSeats extends Schema.TaggedError<NotEnoughSeats>()("NotEnoughSeats", {
  concertId: Schema.String,
  requested: Schema.Int,
  available: Schema.Int
}) {
  override get message() {
    return `${this.requested} seats requested, ${this.available} left for ${this.concertId}`
  }
}

/**
 * A concert: its seats (undefined: not scheduled) and the seats sold.
 *
 * @category models
 * @since 0.1.0
 */
export const concert = (concertId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [ConcertScheduled.type, TicketsBooked.type], tags: [`concert:${concertId}`] }),
    initial: { seats: undefined as number | undefined, sold: 0 },
    events: [ConcertScheduled, TicketsBooked],
    evolve: (state, event) =>
      event.type === "ConcertScheduled"
        ? { ...state, seats: event.payload.seats }
        : { ...state, sold: state.sold + event.payload.quantity }
  })

/** @category commands @since 0.1.0 */
export const ScheduleConcert = Command.make({
  name: "ScheduleConcert",
  input: Schema.Struct({ concertId: Schema.NonEmptyString, seats: Schema.Int.check(Schema.isGreaterThan(0)) }),
  model: ({ concertId }) => concert(concertId),
  decide: (state, { concertId, seats }) =>
    Effect.succeed(state.seats === undefined ? [ConcertScheduled.make({ concertId, seats })] : [])
})

/** @category commands @since 0.1.0 */
export const BookTickets = Command.make({
  name: "BookTickets",
  input: Schema.Struct({
    concertId: Schema.NonEmptyString,
    customer: Schema.NonEmptyString,
    quantity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 8 }))
  }),
  model: ({ concertId }) => concert(concertId),
  decide: (state, { concertId, customer, quantity }) => {
    if (state.seats === undefined) return Effect.fail(new ConcertNotFound({ concertId }))
    const available = state.seats - state.sold
    if (quantity > available) return Effect.fail(new NotEnoughSeats({ concertId, requested: quantity, available }))
    return Effect.succeed([TicketsBooked.make({ concertId, customer, quantity })])
  },
  retry: { times: 50, maxDelay: "20 millis" }
})

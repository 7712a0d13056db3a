import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Result } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, decodedEvents, failureTags, onStore, successes } from "../testing.ts"
import { BookTickets, ScheduleConcert, TicketsBooked } from "./domain.ts"

export const ticketBookingTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`ticket booking (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("60 concurrent buyers for 40 seats: never oversold, and every refusal was justified", () =>
      run(Effect.gen(function* () {
        yield* Command.run(ScheduleConcert, { concertId: "gig", seats: 40 })
        const requests = Array.from({ length: 60 }, (_, i) => ({ customer: `b${i}`, quantity: 1 + (i % 3) }))
        const results = yield* concurrently(
          requests.map(({ customer, quantity }) => Command.run(BookTickets, { concertId: "gig", customer, quantity }))
        )
        expect(failureTags(results)).toEqual(new Set(["NotEnoughSeats"]))
        const sold = (yield* decodedEvents(TicketsBooked)).reduce((n, e) => n + e.payload.quantity, 0)
        expect(sold).toBeLessThanOrEqual(40)
        expect(sold).toBe(
          results.reduce((n, r, i) => (Result.isSuccess(r) ? n + requests[i]!.quantity : n), 0)
        )
        // seats never come back, so a buyer refused for q seats means fewer than q were left at the end
        const left = 40 - sold
        results.forEach((r, i) => {
          if (Result.isFailure(r)) expect(left).toBeLessThan(requests[i]!.quantity)
        })
        expect(successes(results).some((r) => r.attempts > 1)).toBe(true)
      })))

    it.live("two concerts do not contend: bookings for one never make the other's retry", () =>
      run(Effect.gen(function* () {
        yield* Command.run(ScheduleConcert, { concertId: "a", seats: 100 })
        yield* Command.run(ScheduleConcert, { concertId: "b", seats: 100 })
        // one booking per concert at a time, the two concerts concurrently
        const results = yield* concurrently(
          ["a", "b"].map((concertId) =>
            Effect.forEach(Array.from({ length: 10 }), (_, i) =>
              Command.run(BookTickets, { concertId, customer: `c${i}`, quantity: 1 })))
        )
        for (const r of results) {
          expect(Result.isSuccess(r) && r.success.every((b) => b.attempts === 1)).toBe(true)
        }
      })))

    it.effect("booking an unknown concert or too many tickets is refused, and writes nothing", () =>
      run(Effect.gen(function* () {
        expect((yield* Effect.flip(Command.run(BookTickets, { concertId: "nope", customer: "x", quantity: 1 })))._tag)
          .toBe("ConcertNotFound")
        yield* Command.run(ScheduleConcert, { concertId: "gig", seats: 2 })
        expect((yield* Effect.flip(Command.run(BookTickets, { concertId: "gig", customer: "x", quantity: 3 })))._tag)
          .toBe("NotEnoughSeats")
        expect((yield* Effect.flip(Command.run(BookTickets, { concertId: "gig", customer: "x", quantity: 9 })))._tag)
          .toBe("CommandInputInvalid")
        expect(yield* decodedEvents(TicketsBooked)).toHaveLength(0)
      })))
  })

for (const backend of backends) ticketBookingTests(backend.name, backend.layer)

/**
 * Ticket booking, the program (`npm run example -- ticket-booking`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { DecisionModel } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { runExample } from "../runtime.ts"
import { concurrently, failureTags, successes } from "../testing.ts"
import { BookTickets, concert, ScheduleConcert } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  yield* Command.run(ScheduleConcert, { concertId: "gig", seats: 50 })
  yield* Console.log("a concert with 50 seats; 40 buyers want 1 to 4 tickets each, all at the same moment...")
  const buyers = Array.from({ length: 40 }, (_, i) => ({ customer: `buyer-${i}`, quantity: 1 + (i % 4) }))
  const results = yield* concurrently(
    buyers.map(({ customer, quantity }) => Command.run(BookTickets, { concertId: "gig", customer, quantity }))
  )
  const booked = successes(results)
  const retried = booked.filter((r) => r.attempts > 1).length
  yield* Console.log(`  ${booked.length} bookings went through (${retried} of them after re-deciding on fresh state)`)
  yield* Console.log(`  ${results.length - booked.length} were refused: ${[...failureTags(results)].join(", ")}`)
  const { state } = yield* DecisionModel.read(concert("gig"))
  yield* Console.log(`  seats sold: ${state.sold} of ${state.seats}`)
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

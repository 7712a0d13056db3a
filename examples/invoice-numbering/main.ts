/**
 * Invoice numbering, the program (`npm run example -- invoice-numbering`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { runExample } from "../runtime.ts"
import { concurrently, decodedEvents, successes } from "../testing.ts"
import { CreateInvoice, InvoiceCreated } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  const first = yield* Command.run(CreateInvoice, { customer: "acme", amountCents: 12_000 })
  yield* Console.log(`one invoice created alone: number 1 at position ${first.position}`)
  yield* Console.log("12 invoices created at once, by 4 customers...")
  const results = yield* concurrently(
    Array.from({ length: 12 }, (_, i) => Command.run(CreateInvoice, { customer: `customer-${i % 4}`, amountCents: 1000 + i }))
  )
  const retries = successes(results).reduce((n, r) => n + r.attempts - 1, 0)
  yield* Console.log(`  ${successes(results).length} created; ${retries} decisions were taken again after a conflict`)
  const numbers = (yield* decodedEvents(InvoiceCreated)).map((e) => e.payload.invoiceNumber)
  yield* Console.log(`  invoice numbers in the log: ${numbers.join(", ")}`)
}) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

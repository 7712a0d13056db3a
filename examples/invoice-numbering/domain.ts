/**
 * Invoice numbering: invoice numbers are consecutive, with no gaps and no
 * duplicates, however many invoices are created at once.
 *
 * The decision model is "the last invoice number": it reads the
 * `InvoiceCreated` events (by type, no tag). Creating invoice n + 1 appends
 * under the condition "no `InvoiceCreated` after the one I read", so two
 * concurrent creations cannot both take n + 1: one of them re-reads and takes
 * n + 2. (On a large log, read the last event only; the in-memory example
 * reads them all.)
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DecisionModel, Event, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

/** @category events @since 0.1.0 */
export const InvoiceCreated = Event.define("InvoiceCreated", {
  payload: Schema.Struct({ invoiceNumber: Schema.Int, customer: Schema.String, amountCents: Schema.Int }),
  tags: (p) => [`invoice:${p.invoiceNumber}`, `customer:${p.customer}`]
})

/**
 * The number of the last invoice (0 before the first).
 *
 * @category models
 * @since 0.1.0
 */
export const lastInvoiceNumber = DecisionModel.make({
  query: Query.item({ types: [InvoiceCreated.type] }),
  initial: 0,
  events: [InvoiceCreated],
  evolve: (_, event) => event.payload.invoiceNumber
})

/**
 * Creates an invoice with the next number. Many concurrent creations all
 * conflict on the same query, so this command retries more than the default.
 *
 * @category commands
 * @since 0.1.0
 */
export const CreateInvoice = Command.make({
  name: "CreateInvoice",
  input: Schema.Struct({
    customer: Schema.NonEmptyString,
    amountCents: Schema.Int.check(Schema.isGreaterThan(0))
  }),
  model: () => lastInvoiceNumber,
  decide: (last, { amountCents, customer }) =>
    Effect.succeed([InvoiceCreated.make({ invoiceNumber: last + 1, customer, amountCents })]),
  retry: { times: 100, base: "1 millis", maxDelay: "20 millis" }
})

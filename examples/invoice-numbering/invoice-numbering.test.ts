import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, decodedEvents, onStore, successes } from "../testing.ts"
import { CreateInvoice, InvoiceCreated } from "./domain.ts"

export const invoiceNumberingTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`invoice numbering (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("30 concurrent creations get the numbers 1..30: no gap, no duplicate", () =>
      run(Effect.gen(function* () {
        const results = yield* concurrently(
          Array.from({ length: 30 }, (_, i) => Command.run(CreateInvoice, { customer: `c${i}`, amountCents: 100 }))
        )
        expect(successes(results)).toHaveLength(30)
        const stored = yield* decodedEvents(InvoiceCreated)
        // in position order, the numbers are exactly 1, 2, 3, ...
        expect(stored.map((e) => e.payload.invoiceNumber)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
        // and each caller got back the event it wrote
        const returned = successes(results).map((r) => r.position).sort((a, b) => (a! < b! ? -1 : 1))
        expect(returned).toEqual(stored.map((e) => e.position))
        expect(successes(results).some((r) => r.attempts > 1)).toBe(true)
      })))

    it.effect("a rejected creation leaves no gap", () =>
      run(Effect.gen(function* () {
        yield* Command.run(CreateInvoice, { customer: "a", amountCents: 1 })
        expect((yield* Effect.flip(Command.run(CreateInvoice, { customer: "b", amountCents: -5 })))._tag)
          .toBe("CommandInputInvalid")
        yield* Command.run(CreateInvoice, { customer: "c", amountCents: 1 })
        expect((yield* decodedEvents(InvoiceCreated)).map((e) => e.payload.invoiceNumber)).toEqual([1, 2])
      })))
  })

for (const backend of backends) invoiceNumberingTests(backend.name, backend.layer)

/**
 * `npm run example -- <name>`: runs one example program on the in-memory
 * store; with no name, lists them (`-- --help`: the flags, parsed with
 * `effect/cli`).
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import type { EventStore } from "fairway/Dcb"
import { exampleStore } from "./runtime.ts"

/**
 * The examples: directory name and the invariant each one shows.
 *
 * @category catalogue
 * @since 0.1.0
 */
export const catalogue: ReadonlyArray<readonly [name: string, invariant: string]> = [
  ["courses", "a course holds at most N students; a student takes at most M courses; no double subscription"],
  ["unique-username", "a username is claimed once; released when the account closes or renames"],
  ["invoice-numbering", "invoice numbers are consecutive with no gaps and no duplicates"],
  ["opt-in-token", "a one-time token confirms an e-mail once, and only before it expires"],
  ["prevent-record-duplication", "a client-chosen idempotency token makes a repeated request a no-op"],
  ["dynamic-product-price", "an order uses the price shown to the customer, valid for a grace period after a change"],
  ["money-transfer", "an account never goes below zero; a transfer touches two accounts in one append"],
  ["ticket-booking", "a concert never sells more seats than it has, under many concurrent buyers"],
  ["event-sourced-aggregate", "the classic aggregate pattern expressed with DCB (one tag per aggregate)"],
  ["observability", "a command's spans exported through OpenTelemetry, and Fairway's metrics"],
  ["schema-evolution", "events written by v1 read by v2: a transformed payload, a renamed field, a renamed type"],
  ["ordered-list", "a list view pages newest first, per tag, without one unbounded value"],
  [
    "order-checkout",
    "a cart is checked out at the current prices of exactly its products: the second read depends on the first"
  ]
]

const names = catalogue.map(([n]) => n)

const list = Effect.gen(function*() {
  yield* Console.log("usage: npm run example -- <name>\n\nexamples:")
  for (const [n, invariant] of catalogue) yield* Console.log(`  ${n.padEnd(28)} ${invariant}`)
})

const example = Command.make("example", {
  name: Argument.Literals("name", names).pipe(
    Argument.withDescription("The example to run (none: the list)"),
    Argument.optional
  )
}, ({ name }) =>
  Option.match(name, {
    onNone: () => list,
    onSome: (name) =>
      Effect.gen(function*() {
        const [, invariant] = catalogue.find(([n]) => n === name)!
        yield* Console.log(`== ${name}: ${invariant} ==\n`)
        const module = yield* Effect.promise(() => import(`./${name}/main.ts`))
        yield* (module.program as Effect.Effect<void, unknown, EventStore.EventStore>)
      })
  })).pipe(Command.withDescription("Runs one example of the DCB catalogue on the in-memory store"))

Command.run(example, { version: "0.1.0" }).pipe(
  Effect.provide([NodeServices.layer, exampleStore]),
  NodeRuntime.runMain
)

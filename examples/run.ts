/**
 * `npm run example -- <name>`: runs one example program on the in-memory
 * store; with no name, lists them.
 *
 * @since 0.1.0
 */
import { runExample } from "./runtime.ts"

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
  ["event-sourced-aggregate", "the classic aggregate pattern expressed with DCB (one tag per aggregate)"]
]

const name = process.argv[2]
const entry = catalogue.find(([n]) => n === name)
if (entry === undefined) {
  if (name !== undefined) console.error(`unknown example "${name}"\n`)
  console.log("usage: npm run example -- <name>\n\nexamples:")
  for (const [n, invariant] of catalogue) console.log(`  ${n.padEnd(28)} ${invariant}`)
  process.exitCode = name === undefined ? 0 : 1
} else {
  console.log(`== ${entry[0]}: ${entry[1]} ==\n`)
  const module = await import(`./${entry[0]}/main.ts`)
  runExample(module.program)
}

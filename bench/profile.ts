/**
 * `node --conditions=source [--cpu-prof] bench/profile.ts [commands] [mode]`: one writer running
 * `Command.run` on small disjoint boundaries (1,024 accounts, ~10 events each),
 * as a promise-based caller would (`mode` = `promise`, one `runPromise` per
 * command, the default) or inside one Effect program (`mode` = `effect`); for
 * `node --cpu-prof` (then `node bench/profileSummary.ts <file.cpuprofile>`).
 * Prints commands/s (wall).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Command from "fairway/Module/Command"
import { COMMAND_EVENT_TYPE, payload } from "./backends/Backend.ts"
import * as Fairway from "./backends/fairway.ts"

const n = Number(process.argv[2] ?? 100_000)
const mode = process.argv[3] ?? "promise"
const ACCOUNTS = 1024

const Deposit = Fairway.depositCommand("Deposit")

const runtime = ManagedRuntime.make(EventStore.layerMemory)
await runtime.runPromise(Effect.gen(function*() {
  const store = yield* EventStore.EventStore
  for (let i = 0; i < 10 * ACCOUNTS; i++) {
    const tag = `account:${i % ACCOUNTS}`
    yield* store.append([{ type: COMMAND_EVENT_TYPE, tags: [tag], data: payload(i) }])
  }
}))
const t0 = performance.now()
if (mode === "promise") {
  for (let i = 0; i < n; i++) await runtime.runPromise(Command.run(Deposit, { tag: `account:${i % ACCOUNTS}` }))
} else {
  await runtime.runPromise(Effect.gen(function*() {
    for (let i = 0; i < n; i++) yield* Command.run(Deposit, { tag: `account:${i % ACCOUNTS}` })
  }))
}
const seconds = (performance.now() - t0) / 1000
console.log(`${mode}: ${n} commands in ${seconds.toFixed(2)} s: ${(n / seconds).toFixed(0)} commands/s`)
await runtime.dispose()

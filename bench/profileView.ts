/**
 * `node --conditions=fairway-source [--cpu-prof] bench/profileView.ts [events] [rounds]`:
 * scenario 5's view catch-up alone, on the memory stores: `events` deposits
 * over 1,000 accounts (default 100,000), then `rounds` catch-ups of the
 * balances view from nothing (a fresh view store each round, default 5), for
 * `node --cpu-prof` (then `node bench/profileSummary.ts <file.cpuprofile>`).
 * Prints the main thread's CPU time per round (the bench's clock) and the best and median rates.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as EventStore from "fairway/Dcb/EventStore"
import * as ViewStore from "fairway/Module/ViewStore"
// loaded up front, as in `npm run bench` (where other scenarios import it): its compilation is not timed
import "fairway/Module/View"
import * as ViewBackend from "./backends/view.ts"
import type { BenchEvent } from "./backends/Backend.ts"
import * as Datasets from "./datasets.ts"
import { threadCpu } from "./harness.ts"

const toNewEvent = (e: BenchEvent) => ({ type: e.type, tags: e.tags, data: e.data })
const n = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 5)

const events = ManagedRuntime.make(EventStore.layerMemory)
const store = await events.runPromise(Effect.service(EventStore.EventStore))
await events.runPromise(Effect.gen(function*() {
  for (const batch of Datasets.depositBatches(n)) yield* store.append(batch.map(toNewEvent))
}))
const rates: Array<number> = []
for (let round = 0; round < rounds; round++) {
  const runtime = ManagedRuntime.make(Layer.merge(Layer.succeed(EventStore.EventStore, store), ViewStore.layerMemory))
  const c0 = threadCpu()
  const applied = await runtime.runPromise(ViewBackend.catchUp)
  const c = threadCpu(c0)
  const seconds = (c.user + c.system) / 1e6
  rates.push(applied / seconds)
  console.log(`round ${round + 1}: ${applied} events, ${(seconds * 1000).toFixed(0)} ms CPU, ${(applied / seconds / 1000).toFixed(0)}k events/s`)
  await runtime.dispose()
}
const sorted = [...rates].sort((a, b) => a - b)
console.log(
  `best ${(sorted[sorted.length - 1]! / 1000).toFixed(0)}k events/s, median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(0)}k events/s (CPU)`
)
await events.dispose()

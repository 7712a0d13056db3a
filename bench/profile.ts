/**
 * `node --conditions=fairway-source [--cpu-prof] bench/profile.ts [commands] [mode]`: one writer running
 * `Command.run` on small disjoint boundaries (1,024 accounts, ~10 events each),
 * as a promise-based caller would (`mode` = `promise`, one `runPromise` per
 * command, the default) or inside one Effect program (`mode` = `effect`, or
 * `traced` with a tracer installed that keeps its spans in a bounded sink); for
 * `node --cpu-prof` (then `node bench/profileSummary.ts <file.cpuprofile>`).
 * Prints CPU time per command; `compare` alternates untraced and traced rounds.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Tracer from "effect/Tracer"
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
// `traced`: inside one Effect program, with a tracer installed (spans go to a bounded in-memory sink)
const sink: Array<Tracer.Span> = []
const tracer = Tracer.make({
  span: (options) => {
    const span = Tracer.nativeTracer.span(options)
    if (sink.length >= 1024) sink.length = 0
    sink.push(span)
    return span
  }
})
const once = async (how: string): Promise<number> => {
  const c0 = process.cpuUsage()
  if (how === "promise") {
    for (let i = 0; i < n; i++) await runtime.runPromise(Command.run(Deposit, { tag: `account:${i % ACCOUNTS}` }))
  } else {
    const program = Effect.gen(function*() {
      for (let i = 0; i < n; i++) yield* Command.run(Deposit, { tag: `account:${i % ACCOUNTS}` })
    })
    await runtime.runPromise(how === "traced" ? Effect.withTracer(program, tracer) : program)
  }
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}
if (mode === "compare") {
  // `compare`: untraced and traced in alternating rounds (the machine's load drifts less between neighbours)
  const sums = { effect: 0, traced: 0 }
  for (let round = 0; round < 6; round++) {
    for (const how of ["effect", "traced"] as const) {
      const us = await once(how)
      if (round > 0) sums[how] += us
    }
  }
  console.log(`CPU µs per command: untraced ${(sums.effect / 5).toFixed(2)}, traced ${(sums.traced / 5).toFixed(2)}` +
    ` (${(sums.traced / sums.effect).toFixed(2)}×)`)
} else {
  const us = await once(mode)
  console.log(`${mode}: ${n} commands, ${us.toFixed(2)} CPU µs each: ${(1e6 / us).toFixed(0)} commands/s (CPU)`)
}
await runtime.dispose()

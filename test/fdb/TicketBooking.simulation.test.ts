/**
 * Deterministic simulation: many concurrent ticket-booking clients on the
 * FoundationDB store over the simulator, with injected faults (conflicts,
 * unknown commit results, delays) and the realistic cost profile (virtual
 * time per operation, transaction age, onError backoff), over many seeds.
 *
 * Invariants, checked for every seed (a failure names its seed; replay it by
 * running `simulate(seed)` alone):
 * - a concert is never oversold;
 * - every successful booking is stored exactly once, at the position its
 *   append returned, and no booking is ever stored twice (even when its
 *   outcome was reported unknown);
 * - positions strictly increase in read order.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Stream } from "effect"
import * as AppendCondition from "fairway/Dcb/AppendCondition"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbSimulator from "fairway/Fdb/FdbSimulator"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const json = (e: Event.SequencedEvent) => JSON.parse(decoder.decode(e.data)) as Record<string, unknown>

const CONCERTS = ["c1", "c2"]
const CAPACITY = 7
const CLIENTS = 10
const BOOKINGS_PER_CLIENT = 3

const concertQuery = (concert: string) =>
  Query.fromItems([{ types: ["ConcertScheduled", "TicketsBooked"], tags: [`concert:${concert}`] }])

type Outcome =
  | { readonly _tag: "Booked"; readonly id: string; readonly concert: string; readonly seats: number; readonly position: bigint }
  | { readonly _tag: "SoldOut"; readonly id: string }
  | { readonly _tag: "Unknown"; readonly id: string }

/** One booking command: read the concert, decide, append under the condition; re-decide on a condition failure. */
const book = (store: EventStore.EventStoreShape, id: string, concert: string, seats: number) => {
  const query = concertQuery(concert)
  const attempt: Effect.Effect<Outcome, EventStore.AppendError | EventStore.ReadError> = Effect.gen(function* () {
    const events = yield* Stream.runCollect(store.read(query))
    let capacity = 0
    let sold = 0
    for (const e of events) {
      if (e.type === "ConcertScheduled") capacity = json(e)["capacity"] as number
      else sold += json(e)["seats"] as number
    }
    if (sold + seats > capacity) return { _tag: "SoldOut", id } as const
    const position = yield* store.append(
      [{ type: "TicketsBooked", tags: [`concert:${concert}`, `booking:${id}`], data: encoder.encode(JSON.stringify({ id, seats })) }],
      { condition: AppendCondition.make(query, events.at(-1)?.position), appendId: id }
    )
    return { _tag: "Booked", id, concert, seats, position } as const
  }).pipe(Effect.catchTag("AppendConditionFailed", () => attempt))
  return attempt.pipe(
    Effect.catchTag("StorageError", () => Effect.succeed<Outcome>({ _tag: "Unknown", id }))
  )
}

/** One seeded run; returns the log and the outcomes, failing with the seed in the message. */
const simulate = (seed: number) =>
  Effect.gen(function* () {
    const sim = FdbSimulator.make({ seed, costs: "realistic" })
    const store = yield* EventStoreFdb.make({ pageSize: 4, retryLimit: 8 }).pipe(
      Effect.provideService(FdbDatabase.FdbDatabase, FdbDatabase.FdbDatabase.of(sim.database))
    )
    for (const concert of CONCERTS) {
      yield* store.append([Event.make("ConcertScheduled", [`concert:${concert}`], JSON.stringify({ capacity: CAPACITY }))])
    }
    yield* sim.control.setFaults({ notCommitted: 0.05, commitUnknownResult: 0.15, delay: 0.5, maxDelayYields: 30 })
    const outcomes = yield* Effect.forEach(
      Array.from({ length: CLIENTS }, (_, c) => c),
      (c) =>
        Effect.forEach(Array.from({ length: BOOKINGS_PER_CLIENT }, (_, b) => b), (b) =>
          book(store, `b${c}-${b}`, CONCERTS[(c + b) % CONCERTS.length]!, 1 + ((c * 7 + b) % 3))),
      { concurrency: "unbounded" }
    ).pipe(Effect.map((xs) => xs.flat()))
    yield* sim.control.setFaults(false)
    yield* sim.control.settle // a commit still in flight lands (or not) now
    const log = yield* Stream.runCollect(store.read(Query.all()))
    const stats = yield* sim.control.stats

    const where = `seed ${seed}`
    // positions strictly increase
    for (let i = 1; i < log.length; i++) assert.isTrue(log[i]!.position > log[i - 1]!.position, `${where}: positions`)
    // never oversold
    for (const concert of CONCERTS) {
      const sold = log.filter((e) => e.type === "TicketsBooked" && e.tags.includes(`concert:${concert}`))
        .reduce((n, e) => n + (json(e)["seats"] as number), 0)
      assert.isAtMost(sold, CAPACITY, `${where}: concert ${concert} oversold`)
    }
    // every booking at most once; every successful one exactly once, at its position
    const byId = new Map<string, Array<Event.SequencedEvent>>()
    for (const e of log) {
      if (e.type !== "TicketsBooked") continue
      const id = json(e)["id"] as string
      byId.set(id, [...(byId.get(id) ?? []), e])
    }
    for (const [id, es] of byId) assert.strictEqual(es.length, 1, `${where}: booking ${id} stored ${es.length} times`)
    for (const o of outcomes) {
      if (o._tag === "Booked") {
        const stored = byId.get(o.id)
        assert.isDefined(stored, `${where}: booking ${o.id} succeeded but is not stored`)
        assert.strictEqual(stored![0]!.position, o.position, `${where}: booking ${o.id} position`)
      }
      if (o._tag === "SoldOut") assert.isUndefined(byId.get(o.id), `${where}: rejected booking ${o.id} is stored`)
    }
    return { log: log.map((e) => [e.position, decoder.decode(e.data)] as const), outcomes, stats }
  }).pipe(
    Effect.catchCause((cause) =>
      Cause.hasFails(cause) || Cause.hasDies(cause)
        ? Effect.die(new Error(`simulation failed with seed ${seed} (replay: simulate(${seed}))\n${Cause.pretty(cause)}`))
        : Effect.failCause(cause)
    )
  )

describe("ticket booking, simulated with faults", () => {
  it.effect("invariants hold over 40 seeds", () =>
    Effect.gen(function* () {
      let booked = 0
      let soldOut = 0
      let unknownCommitted = 0
      let conflicts = 0
      for (let seed = 1; seed <= 40; seed++) {
        const run = yield* simulate(seed)
        booked += run.outcomes.filter((o) => o._tag === "Booked").length
        soldOut += run.outcomes.filter((o) => o._tag === "SoldOut").length
        unknownCommitted += run.stats.unknownResultCommitted
        conflicts += run.stats.conflicts
      }
      // the faults and the contention really happened
      expect(booked).toBeGreaterThan(40 * 4)
      expect(soldOut).toBeGreaterThan(0)
      expect(unknownCommitted).toBeGreaterThan(5)
      expect(conflicts).toBeGreaterThan(40)
      if (process.env["FAIRWAY_SIM_REPORT"]) console.log({ booked, soldOut, unknownCommitted, conflicts })
    }), 60_000)

  it.effect("a seed replays the same run", () =>
    Effect.gen(function* () {
      const a = yield* simulate(7)
      const b = yield* simulate(7)
      expect(b.log.map(([, d]) => d)).toEqual(a.log.map(([, d]) => d))
      expect(b.outcomes).toEqual(a.outcomes)
      expect(b.stats).toEqual(a.stats)
    }))
})

import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Metric, Option, Schedule, Schema, Scope, Stream } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Automation from "fairway/Module/Automation"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as Memory from "fairway/Layer/Memory"
import * as Simulated from "fairway/Layer/Simulated"

const OrderPlaced = Event.define("OrderPlaced", {
  payload: Schema.Struct({ orderId: Schema.String }),
  tags: (p) => [`order:${p.orderId}`]
})
const InvoiceIssued = Event.define("InvoiceIssued", {
  payload: Schema.Struct({ orderId: Schema.String }),
  tags: (p) => [`order:${p.orderId}`]
})

const backends = [
  ["memory", Memory.layer()],
  ["simulated FoundationDB, faults on (seed 7)", Simulated.layer({ seed: 7, faults: true })]
] as const

const fast = { retry: Schedule.spaced("1 millis"), leaseMillis: 60 }
const restartFast = { restart: Schedule.spaced("1 millis") }

/** Issues an invoice for each order, with the trigger's idempotency key as append id. */
const invoicing = (options: {
  readonly name?: string
  readonly before?: (orderId: string, attempt: number) => Effect.Effect<void, string>
  readonly after?: (orderId: string) => Effect.Effect<void>
  readonly maxAttempts?: number
  readonly seen?: Array<string>
}) =>
  Automation.make({
    name: options.name ?? "Invoicing",
    query: Query.item({ types: [OrderPlaced.type] }),
    events: [OrderPlaced],
    ...fast,
    maxAttempts: options.maxAttempts ?? 3,
    handle: (event, trigger) =>
      Effect.gen(function* () {
        options.seen?.push(event.payload.orderId)
        if (options.before) yield* options.before(event.payload.orderId, trigger.attempt)
        yield* EventStore.append([InvoiceIssued.make({ orderId: event.payload.orderId })], {
          appendId: trigger.idempotencyKey
        })
        if (options.after) yield* options.after(event.payload.orderId)
      })
  })

const place = (orderId: string) => EventStore.append([OrderPlaced.make({ orderId })])

const invoices = Effect.map(
  Stream.runCollect(EventStore.read(Query.item({ types: [InvoiceIssued.type] }))),
  (events) => events.map((e) => new TextDecoder().decode(e.data))
)

const until = <E, R>(check: Effect.Effect<boolean, E, R>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 3000; i++) {
      if (yield* check) return
      yield* Effect.sleep("2 millis")
    }
    return yield* Effect.die(`timed out waiting for ${what}`)
  })

const caughtUp = (automation: Automation.Any) =>
  until(Effect.map(Automation.status(automation), (s) => s.caughtUp), `${automation.name} to catch up`)

for (const [backend, Env] of backends) {
describe(`Automation (${backend})`, () => {
  it.live("handles each event once, from its checkpoint, then follows live appends", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const automation = invoicing({ seen })
      yield* place("o1")
      yield* place("o2")
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(automation))
        yield* caughtUp(automation)
        yield* place("o3")
        yield* caughtUp(automation)
        const status = yield* Automation.status(automation)
        expect(status.lag).toBe(0n)
        expect(Option.isSome(status.lease)).toBe(true)
      }).pipe(Effect.scoped)
      expect(seen).toEqual(["o1", "o2", "o3"])
      expect((yield* invoices).length).toBe(3)
      // clean shutdown: the lease is released and nothing runs any more
      expect((yield* Automation.status(automation)).lease).toEqual(Option.none())
      yield* place("o4")
      yield* Effect.sleep("20 millis")
      expect(seen).toEqual(["o1", "o2", "o3"])
      // a new run resumes from the durable checkpoint: only o4 is handled
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(automation))
        yield* caughtUp(automation)
      }).pipe(Effect.scoped)
      expect(seen).toEqual(["o1", "o2", "o3", "o4"])
    }).pipe(Effect.provide(Env)))

  it.live("retries failures, parks an event after maxAttempts without blocking the rest, and retries dead letters", () =>
    Effect.gen(function* () {
      let broken = true
      const attempts = new Map<string, number>()
      const automation = invoicing({
        maxAttempts: 3,
        before: (orderId, attempt) =>
          Effect.suspend(() => {
            attempts.set(orderId, attempt)
            if (orderId === "bad" && broken) return Effect.fail("payment service down")
            if (orderId === "flaky" && attempt < 2) return Effect.fail("transient")
            return Effect.void
          })
      })
      yield* place("flaky")
      const badPosition = yield* place("bad")
      yield* place("ok")
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(automation))
        yield* caughtUp(automation)
      }).pipe(Effect.scoped)
      expect(attempts.get("flaky")).toBe(2)
      expect(attempts.get("bad")).toBe(3)
      expect(attempts.get("ok")).toBe(1)
      const letters = yield* Automation.deadLetters(automation)
      expect(letters.map((l) => [l.position, l.attempts, l.eventType, l.error])).toEqual([
        [badPosition, 3, "OrderPlaced", "payment service down"]
      ])
      expect((yield* Automation.status(automation)).deadLetters).toBe(1)
      const metric = <A>(m: Metric.Metric<A, any>) => Metric.value(Metric.withAttributes(m, { automation: "Invoicing" }))
      expect((yield* metric(Automation.metrics.deadLettered)).count).toBe(1)
      expect((yield* metric(Automation.metrics.handled)).count).toBe(2)
      expect((yield* metric(Automation.metrics.failures)).count).toBe(4) // flaky once, bad three times
      // still broken: the retry fails and the dead letter stays, with its attempts counted
      expect(yield* Automation.retryDeadLetter(automation, badPosition)).toBe(false)
      expect((yield* Automation.deadLetters(automation))[0]?.attempts).toBe(6)
      broken = false
      expect(yield* Automation.retryDeadLetter(automation, badPosition)).toBe(true)
      expect(yield* Automation.deadLetters(automation)).toEqual([])
      expect((yield* invoices).length).toBe(3)
      const missing = yield* Effect.flip(Automation.retryDeadLetter(automation, badPosition))
      expect(missing._tag).toBe("DeadLetterNotFound")
    }).pipe(Effect.provide(Env), Effect.provideService(Metric.MetricRegistry, new Map())))

  it.live("a defect after the effect restarts the fiber; redelivery does not double the effect", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      let crashes = 0
      const automation = invoicing({
        seen,
        // crash after the invoice was appended but before the checkpoint moved
        after: (orderId) =>
          Effect.suspend(() => (orderId === "o2" && crashes++ === 0 ? Effect.die(new Error("process crashed")) : Effect.void))
      })
      yield* place("o1")
      yield* place("o2")
      yield* place("o3")
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(automation, restartFast))
        yield* caughtUp(automation)
      }).pipe(Effect.scoped)
      expect(crashes).toBe(2) // crashed once, then ran again
      expect(seen).toEqual(["o1", "o2", "o2", "o3"]) // o2 was redelivered…
      expect(yield* invoices).toHaveLength(3) // …but invoiced once
      expect(yield* Automation.deadLetters(automation)).toEqual([])
    }).pipe(Effect.provide(Env)))

  it.live("an event that crashes the automation every time is parked after maxAttempts crashes", () =>
    Effect.gen(function* () {
      const automation = invoicing({
        maxAttempts: 2,
        before: (orderId) => (orderId === "poison" ? Effect.die(new Error("boom")) : Effect.void)
      })
      const poison = yield* place("poison")
      yield* place("fine")
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(automation, restartFast))
        yield* caughtUp(automation)
      }).pipe(Effect.scoped)
      const letters = yield* Automation.deadLetters(automation)
      expect(letters.map((l) => l.position)).toEqual([poison])
      expect(letters[0]?.error).toContain("boom")
      expect(yield* invoices).toHaveLength(1)
    }).pipe(Effect.provide(Env)))

  it.live("when a finite restart schedule gives up, the run ends with the last crash as a defect, not as a typed error", () =>
    Effect.gen(function* () {
      const automation = invoicing({ name: "GivesUp", maxAttempts: 5, before: () => Effect.die(new Error("boom")) })
      yield* place("o1")
      const exit = yield* Effect.exit(Automation.run(automation, { restart: Schedule.recurs(1) }))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        expect(Cause.hasFails(exit.cause)).toBe(false) // typed failures are InvalidAutomation only
        expect(Cause.hasDies(exit.cause)).toBe(true)
        expect(Cause.pretty(exit.cause)).toContain("boom")
      }
    }).pipe(Effect.provide(Env)))

  it.live("only one instance runs at a time; the other takes over when the first stops", () =>
    Effect.gen(function* () {
      const byOwner: Array<string> = []
      const make = (owner: string) =>
        Automation.layer(
          invoicing({ before: () => Effect.sync(() => void byOwner.push(owner)) }),
          { owner, ...restartFast }
        )
      const automation = invoicing({})
      for (let i = 0; i < 5; i++) yield* place(`o${i}`)
      const store = yield* AutomationStore.AutomationStore
      const owner = Effect.map(store.lease("Invoicing"), Option.map((l) => l.owner))
      yield* Effect.gen(function* () {
        yield* Effect.gen(function* () {
          yield* Layer.build(make("A"))
          yield* caughtUp(automation)
          yield* Layer.build(make("B")) // B waits for the lease
          for (let i = 5; i < 10; i++) yield* place(`o${i}`)
          yield* caughtUp(automation)
          expect(yield* owner).toEqual(Option.some("A"))
        }).pipe(Effect.scoped) // A stops here (and B's layer too: rebuild B below in the outer scope)
      }).pipe(Effect.scoped)
      expect(byOwner).toEqual(Array.from({ length: 10 }, () => "A"))
      // A and B both running; A stops; B takes over from A's checkpoint
      const scopeA = yield* Scope.make()
      yield* Effect.gen(function* () {
        yield* Layer.buildWithScope(make("A"), scopeA)
        yield* until(Effect.map(owner, (o) => Option.getOrUndefined(o) === "A"), "A to hold the lease")
        yield* Layer.build(make("B"))
        yield* Scope.close(scopeA, Exit.void)
        yield* place("o10")
        yield* until(Effect.map(owner, (o) => Option.getOrUndefined(o) === "B"), "B to take over")
        yield* caughtUp(automation)
      }).pipe(Effect.scoped)
      expect(byOwner.slice(10)).toEqual(["B"])
      expect(yield* invoices).toHaveLength(11)
    }).pipe(Effect.provide(Env)))

  it.live("a stale lease blocks a new instance until it expires; the stale owner is fenced off", () =>
    Effect.gen(function* () {
      const store = yield* AutomationStore.AutomationStore
      const seen: Array<string> = []
      const automation = invoicing({ seen })
      yield* place("o1")
      // a crashed process left its lease behind
      expect(yield* store.acquire("Invoicing", "crashed-process", 300)).toBe(true)
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(automation, { owner: "B" }))
        yield* Effect.sleep("20 millis")
        expect(seen).toEqual([]) // still blocked
        yield* caughtUp(automation)
        expect(seen).toEqual(["o1"])
        // the crashed process comes back: it can no longer move the checkpoint
        const error = yield* Effect.flip(
          store.advance("Invoicing", {
            owner: "crashed-process",
            expected: Option.none(),
            checkpoint: (yield* EventStore.head).pipe(Option.getOrThrow)
          })
        )
        expect(error._tag).toBe("LeaseLost")
      }).pipe(Effect.scoped)
    }).pipe(Effect.provide(Env)))

  it.effect("invalid definitions are typed errors", () =>
    Effect.gen(function* () {
      const bad = Automation.make({ name: "", query: Query.all(), events: [OrderPlaced], handle: () => Effect.void })
      expect((yield* Effect.flip(Automation.run(bad)))._tag).toBe("InvalidAutomation")
      const zero = Automation.make({
        name: "x",
        query: Query.all(),
        events: [OrderPlaced],
        maxAttempts: 0,
        handle: () => Effect.void
      })
      expect((yield* Effect.flip(Automation.run(zero)))._tag).toBe("InvalidAutomation")
    }).pipe(Effect.provide(Env)))
})
}

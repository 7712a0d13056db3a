/**
 * Decision models on the paths mutation testing found untested: event
 * definitions that are not made by `Event.define` (so that they decode through
 * their own `decode`, an Effect), parts built by hand and combined, decode
 * failures (the first bad event is the one reported, and nothing is folded
 * after it), and parts of a combined model that must not see each other's
 * events.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import { AppendCondition, DecisionModel, Event, EventStore, Query } from "fairway/Dcb"

const Deposited = Event.define("Deposited", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Int }),
  tags: (p) => [`account:${p.account}`]
})
const Withdrawn = Event.define("Withdrawn", {
  payload: Schema.Struct({ account: Schema.String, amount: Schema.Int }),
  tags: (p) => [`account:${p.account}`]
})

/**
 * A definition that is not made by `Event.define` (a wrapper, as a library or
 * a migration might write): it decodes through its own `decode` and counts
 * the decodes.
 */
const wrapped = <D extends Event.Any>(definition: D, counter: { n: number }): D => ({
  ...definition,
  decode: (event: Event.SequencedEvent) => Effect.suspend(() => {
    counter.n++
    return definition.decode(event)
  })
})

const balance = (account: string, definitions: { deposited: Event.Any; withdrawn: Event.Any }) =>
  DecisionModel.make({
    query: Query.item({ types: ["Deposited", "Withdrawn"], tags: [`account:${account}`] }),
    initial: 0,
    events: [definitions.deposited, definitions.withdrawn] as const,
    evolve: (state: number, event) =>
      event.type === "Deposited" ? state + (event.payload as { amount: number }).amount : state - (event.payload as { amount: number }).amount
  })

const seed = Effect.gen(function*() {
  yield* EventStore.append([
    Deposited.make({ account: "a", amount: 100 }),
    Deposited.make({ account: "b", amount: 7 }),
    Withdrawn.make({ account: "a", amount: 30 }),
    Event.make("Audited", ["account:a"], "{}"),
    Withdrawn.make({ account: "b", amount: 2 }),
    Deposited.make({ account: "a", amount: 5 })
  ])
})

/** A stored event of a definition's type whose payload does not decode. */
const corrupt = (type: string, account: string) => Event.make(type, [`account:${account}`], JSON.stringify({ account }))

describe("DecisionModel, on the less travelled paths", () => {
  describe("definitions not made by Event.define", () => {
    it.effect("fold through their decode, like defined ones", () =>
      Effect.gen(function*() {
        yield* seed
        const counter = { n: 0 }
        const plain = yield* DecisionModel.read(balance("a", { deposited: Deposited, withdrawn: Withdrawn }))
        const custom = yield* DecisionModel.read(
          balance("a", { deposited: wrapped(Deposited, counter), withdrawn: wrapped(Withdrawn, counter) })
        )
        expect(custom.state).toBe(75)
        expect(plain.state).toBe(75)
        expect(custom.position).toBe(plain.position)
        expect(custom.condition).toEqual(plain.condition)
        // one decode per event of the model's types (not the "Audited" one, nor the other account's)
        expect(counter.n).toBe(3)
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("in a combined model, each part sees only the events of its own query", () =>
      Effect.gen(function*() {
        yield* seed
        const counter = { n: 0 }
        const defs = { deposited: wrapped(Deposited, counter), withdrawn: wrapped(Withdrawn, counter) }
        const model = DecisionModel.combine({ a: balance("a", defs), b: balance("b", defs) })
        const result = yield* DecisionModel.read(model)
        expect(result.state).toEqual({ a: 75, b: 5 })
        expect(counter.n).toBe(5)
        expect(result.condition.failIfEventsMatch).toEqual(
          Query.union(balance("a", defs).query, balance("b", defs).query)
        )
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("two parts reading the same events decode each event once", () =>
      Effect.gen(function*() {
        yield* seed
        const counter = { n: 0 }
        const defs = { deposited: wrapped(Deposited, counter), withdrawn: wrapped(Withdrawn, counter) }
        const result = yield* DecisionModel.read(DecisionModel.combine({ x: balance("a", defs), y: balance("a", defs) }))
        expect(result.state).toEqual({ x: 75, y: 75 })
        expect(counter.n).toBe(3)
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("a payload that does not decode fails the read with the first bad event", () =>
      Effect.gen(function*() {
        yield* seed
        const first = yield* EventStore.append([corrupt("Deposited", "a")])
        yield* EventStore.append([corrupt("Withdrawn", "a")])
        const counter = { n: 0 }
        const error = yield* Effect.flip(
          DecisionModel.read(balance("a", { deposited: wrapped(Deposited, counter), withdrawn: wrapped(Withdrawn, counter) }))
        )
        expect(error._tag).toBe("EventDecodeError")
        expect((error as Event.EventDecodeError).position).toBe(first)
        expect((error as Event.EventDecodeError).type).toBe("Deposited")
      }).pipe(Effect.provide(EventStore.layerMemory)))
  })

  describe("decode failures with defined events", () => {
    it.effect("the first bad event is reported, and nothing after it is folded", () =>
      Effect.gen(function*() {
        yield* seed
        const first = yield* EventStore.append([corrupt("Withdrawn", "a")])
        yield* EventStore.append([corrupt("Deposited", "a")])
        const folded: Array<number> = []
        const model = DecisionModel.make({
          query: Query.item({ tags: ["account:a"] }),
          initial: 0,
          events: [Deposited, Withdrawn],
          evolve: (state, event) => {
            folded.push(event.payload.amount)
            return state + event.payload.amount
          }
        })
        const error = yield* Effect.flip(DecisionModel.read(model))
        expect(error._tag).toBe("EventDecodeError")
        expect((error as Event.EventDecodeError).position).toBe(first)
        expect((error as Event.EventDecodeError).type).toBe("Withdrawn")
        expect(folded).toEqual([100, 30, 5])
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("a combined model fails the same way", () =>
      Effect.gen(function*() {
        yield* seed
        const bad = yield* EventStore.append([corrupt("Withdrawn", "b")])
        const defs = { deposited: Deposited, withdrawn: Withdrawn }
        const error = yield* Effect.flip(DecisionModel.read(DecisionModel.combine({ a: balance("a", defs), b: balance("b", defs) })))
        expect((error as Event.EventDecodeError).position).toBe(bad)
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("step reports a decode failure as a typed error", () =>
      Effect.gen(function*() {
        const bad = yield* EventStore.append([corrupt("Deposited", "a")])
        const model = balance("a", { deposited: Deposited, withdrawn: Withdrawn })
        const event = (yield* collect(Query.all()))[0]!
        const error = yield* Effect.flip(model.step(model.initial, event, new Map()))
        expect(error._tag).toBe("EventDecodeError")
        expect(error.position).toBe(bad)
      }).pipe(Effect.provide(EventStore.layerMemory)))
  })

  describe("parts built by hand", () => {
    /** A model written against the interface: counts events of one type. */
    const handMade = (type: string): DecisionModel.DecisionModel<number> => ({
      [DecisionModel.TypeId]: DecisionModel.TypeId,
      query: Query.item({ types: [type] }),
      initial: 0,
      step: (state, event) => Effect.succeed(event.type === type ? state + 1 : state)
    })

    it.effect("are read with their own step", () =>
      Effect.gen(function*() {
        yield* seed
        const result = yield* DecisionModel.read(handMade("Deposited"))
        expect(result.state).toBe(3)
        const last = (yield* collect(Query.item({ types: ["Deposited"] }))).at(-1)!.position
        expect(result.position).toBe(last)
        expect(result.condition).toEqual(AppendCondition.make(Query.item({ types: ["Deposited"] }), last))
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("combine with made parts, and each part folds only its own events", () =>
      Effect.gen(function*() {
        yield* seed
        const model = DecisionModel.combine({
          deposits: handMade("Deposited"),
          audits: handMade("Audited"),
          a: balance("a", { deposited: Deposited, withdrawn: Withdrawn })
        })
        expect(model.initial).toEqual({ deposits: 0, audits: 0, a: 0 })
        const result = yield* DecisionModel.read(model)
        expect(result.state).toEqual({ deposits: 3, audits: 1, a: 75 })
        const last = (yield* collect(Query.all())).at(-1)!.position
        expect(result.position).toBe(last)
        expect(result.condition.after).toBe(last)
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("a combined model with a hand-built part stops at the first decode failure", () =>
      Effect.gen(function*() {
        yield* seed
        const bad = yield* EventStore.append([corrupt("Deposited", "a")])
        const model = DecisionModel.combine({
          deposits: handMade("Deposited"),
          a: balance("a", { deposited: Deposited, withdrawn: Withdrawn })
        })
        const error = yield* Effect.flip(DecisionModel.read(model))
        expect((error as Event.EventDecodeError).position).toBe(bad)
      }).pipe(Effect.provide(EventStore.layerMemory)))

    it.effect("with no events, the state is the initial one and the condition has no after", () =>
      Effect.gen(function*() {
        const model = DecisionModel.combine({ deposits: handMade("Deposited"), other: handMade("Other") })
        const result = yield* DecisionModel.read(model)
        expect(result.state).toEqual({ deposits: 0, other: 0 })
        expect(result.position).toBeUndefined()
        expect("after" in result.condition).toBe(false)
      }).pipe(Effect.provide(EventStore.layerMemory)))
  })

  describe("the step of a made model", () => {
    it.effect("ignores events outside its query, and folds those inside", () =>
      Effect.gen(function*() {
        yield* seed
        const events = yield* collect(Query.all())
        for (const definitions of [{ deposited: Deposited, withdrawn: Withdrawn }, {
          deposited: wrapped(Deposited, { n: 0 }),
          withdrawn: wrapped(Withdrawn, { n: 0 })
        }]) {
          const model = balance("a", definitions)
          let state = model.initial
          for (const event of events) state = yield* model.step(state, event, new Map())
          expect(state).toBe(75)
          const combined = DecisionModel.combine({ a: model, b: balance("b", definitions) })
          let both = combined.initial
          for (const event of events) both = yield* combined.step(both, event, new Map())
          expect(both).toEqual({ a: 75, b: 5 })
        }
        const raw = DecisionModel.makeRaw({
          query: Query.item({ tags: ["account:b"] }),
          initial: [] as ReadonlyArray<string>,
          evolve: (state, event) => [...state, event.type]
        })
        let seen = raw.initial
        for (const event of events) seen = yield* raw.step(seen, event, new Map())
        expect(seen).toEqual(["Deposited", "Withdrawn"])
      }).pipe(Effect.provide(EventStore.layerMemory)))
  })
})

const collect = (query: Query.Query) => Effect.map(Stream.runCollect(EventStore.read(query)), (events) => Array.from(events))

describe("DecisionModel guards and defects", () => {
  it("isDecisionModel tells a model from anything else", () => {
    const model = DecisionModel.makeRaw({ query: Query.all(), initial: 0, evolve: (n) => n + 1 })
    expect(DecisionModel.isDecisionModel(model)).toBe(true)
    expect(DecisionModel.isDecisionModel(DecisionModel.combine({ a: model }))).toBe(true)
    for (const u of [null, undefined, 0, "model", {}, { query: Query.all(), initial: 0 }, { [DecisionModel.TypeId]: "other" }]) {
      expect(DecisionModel.isDecisionModel(u), String(u)).toBe(false)
    }
  })

  it.effect("an evolve that throws is a defect (the error itself), never a decode failure", () =>
    Effect.gen(function*() {
      yield* seed
      const boom = new Error("boom")
      const model = DecisionModel.make({
        query: Query.item({ types: ["Deposited"] }),
        initial: 0,
        events: [Deposited],
        evolve: (): number => {
          throw boom
        }
      })
      const exit = yield* Effect.exit(DecisionModel.read(model))
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") {
        expect(exit.cause.reasons.some((r) => r._tag === "Die" && r.defect === boom)).toBe(true)
        expect(exit.cause.reasons.some((r) => r._tag === "Fail")).toBe(false)
      }
      const [event] = yield* collect(Query.item({ types: ["Deposited"] }))
      const stepExit = yield* Effect.exit(model.step(0, event!, new Map()))
      expect(stepExit._tag).toBe("Failure")
      if (stepExit._tag === "Failure") {
        expect(stepExit.cause.reasons.some((r) => r._tag === "Die" && r.defect === boom)).toBe(true)
      }
    }).pipe(Effect.provide(EventStore.layerMemory)))
})

/**
 * Views and automations on the FoundationDB stores over the simulator with
 * the realistic cost profile by default (virtual time per operation,
 * transaction age, `onError` backoff): nothing wedges at FoundationDB's
 * limits.
 * - A batch whose commit would exceed 10,000,000 bytes is refused by the
 *   store (`ViewCommitTooLarge`) and applied in smaller commits: every event
 *   applied, none parked.
 * - An event producing a state over 100,000 bytes is parked (its dead letter
 *   names the `ViewStateTooLarge`), and the view goes on.
 * - An automation whose handler fails with a 150 KB error parks the event
 *   (the error text bounded) after its attempts: the handler is not re-run
 *   forever.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schedule, Schema } from "effect"
import * as Event from "fairway/Dcb/Event"
import * as EventStore from "fairway/Dcb/EventStore"
import * as Query from "fairway/Dcb/Query"
import * as Simulated from "fairway/Layer/Simulated"
import * as Automation from "fairway/Module/Automation"
import * as AutomationStore from "fairway/Module/AutomationStore"
import * as View from "fairway/Module/View"

const Filled = Event.define("Filled", {
  payload: Schema.Struct({ slot: Schema.String, size: Schema.Number }),
  tags: (p) => [`slot:${p.slot}`]
})

/** Each event sets its slot's state to a string of `size` characters. */
const slots = View.make({
  name: "Slots",
  version: 1,
  query: Query.item({ types: [Filled.type] }),
  events: [Filled],
  initial: "",
  schema: Schema.String,
  batchSize: 200,
  maxAttempts: 2,
  retry: Schedule.spaced("1 millis"),
  key: (e) => e.payload.slot,
  evolve: (_, e) => "x".repeat(e.payload.size)
})

const realistic = () => Simulated.layer({ seed: 3, costs: "realistic" })

describe("modules on the simulated FoundationDB with realistic costs", () => {
  it.effect("a batch over 10,000,000 bytes is committed in smaller commits, nothing parked", () =>
    Effect.gen(function* () {
      // 150 states of ~90 KB: about 13.5 MB in one batch of 200
      for (let i = 0; i < 150; i++) yield* EventStore.append([Filled.make({ slot: `s${i}`, size: 90_000 })])
      const result = yield* View.catchUp(slots)
      expect(result.parked).toBe(0)
      expect(yield* View.deadLetters(slots)).toEqual([])
      expect(Option.map(yield* View.get(slots, "s149"), (s) => s.length)).toEqual(Option.some(90_000))
      expect((yield* View.status(slots)).caughtUp).toBe(true)
    }).pipe(Effect.provide(realistic())))

  it.live("an event producing a state over 100,000 bytes is parked with ViewStateTooLarge; the view goes on", () =>
    Effect.gen(function* () {
      yield* EventStore.append([Filled.make({ slot: "a", size: 10 })])
      yield* EventStore.append([Filled.make({ slot: "big", size: 150_000 })])
      yield* EventStore.append([Filled.make({ slot: "b", size: 20 })])
      yield* View.catchUp(slots)
      const letters = yield* View.deadLetters(slots)
      expect(letters).toHaveLength(1)
      expect(letters[0]!.error).toContain("ViewStateTooLarge")
      expect(Option.map(yield* View.get(slots, "b"), (s) => s.length)).toEqual(Option.some(20))
      expect((yield* View.status(slots)).caughtUp).toBe(true)
    }).pipe(Effect.provide(realistic())))

  it.live("an automation failing with a 150 KB error parks the event after its attempts (error bounded)", () =>
    Effect.gen(function* () {
      let calls = 0
      const failing = Automation.make({
        name: "Failing",
        query: Query.item({ types: [Filled.type] }),
        events: [Filled],
        maxAttempts: 3,
        retry: Schedule.spaced("1 millis"),
        leaseMillis: 2_000,
        handle: () =>
          Effect.suspend(() => {
            calls++
            return Effect.fail(new Error("boom ".repeat(30_000)))
          })
      })
      yield* EventStore.append([Filled.make({ slot: "a", size: 1 })])
      yield* Effect.gen(function* () {
        yield* Layer.build(Automation.layer(failing, { restart: Schedule.spaced("1 millis") }))
        for (let i = 0; i < 2_000; i++) {
          const letters = yield* Automation.deadLetters(failing)
          if (letters.length > 0) break
          yield* Effect.sleep("2 millis")
        }
        // give a wedged automation time to show itself
        yield* Effect.sleep("200 millis")
      }).pipe(Effect.scoped)
      const letters = yield* Automation.deadLetters(failing)
      expect(letters).toHaveLength(1)
      expect(letters[0]!.error.length).toBeLessThanOrEqual(AutomationStore.maxErrorTextLength)
      expect(calls).toBeLessThanOrEqual(3)
    }).pipe(Effect.provide(realistic())))
})

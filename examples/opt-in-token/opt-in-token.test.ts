import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { TestClock } from "effect/testing"
import type { EventStore } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, decodedEvents, failureTags, onStore, successes } from "../testing.ts"
import { ConfirmSignUp, InitiateSignUp, SignUpConfirmed } from "./domain.ts"

export const optInTokenTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`opt-in token (${name})`, () => {
    const run = onStore(makeLayer)
    const email = "ann@example.com"

    it.live("10 concurrent confirmations with one token confirm the address once", () =>
      run(Effect.gen(function* () {
        yield* Command.run(InitiateSignUp, { email, token: "tok123" })
        const results = yield* concurrently(
          Array.from({ length: 10 }, () => Command.run(ConfirmSignUp, { email, token: "tok123" }))
        )
        expect(successes(results)).toHaveLength(1)
        expect(failureTags(results)).toEqual(new Set(["TokenAlreadyUsed"]))
        expect(yield* decodedEvents(SignUpConfirmed)).toHaveLength(1)
      })))

    it.live("two tokens for one address, used at once: the address is confirmed once", () =>
      run(Effect.gen(function* () {
        yield* Command.run(InitiateSignUp, { email, token: "first1" })
        yield* Command.run(InitiateSignUp, { email, token: "second" })
        const results = yield* concurrently(
          ["first1", "second", "first1", "second"].map((token) => Command.run(ConfirmSignUp, { email, token }))
        )
        expect(successes(results)).toHaveLength(1)
        expect(yield* decodedEvents(SignUpConfirmed)).toHaveLength(1)
      })))

    it.effect("a token confirms only before it expires (15 minutes)", () =>
      run(Effect.gen(function* () {
        yield* Command.run(InitiateSignUp, { email, token: "early1" })
        yield* Command.run(InitiateSignUp, { email: "bob@example.com", token: "late01" })
        yield* TestClock.adjust("14 minutes")
        yield* Command.run(ConfirmSignUp, { email, token: "early1" })
        yield* TestClock.adjust("2 minutes")
        const error = yield* Effect.flip(Command.run(ConfirmSignUp, { email: "bob@example.com", token: "late01" }))
        expect(error._tag).toBe("TokenExpired")
        expect((yield* decodedEvents(SignUpConfirmed)).map((e) => e.payload.email)).toEqual([email])
      })))

    it.effect("an unknown token is rejected, and nothing is written", () =>
      run(Effect.gen(function* () {
        yield* Command.run(InitiateSignUp, { email, token: "real12" })
        expect((yield* Effect.flip(Command.run(ConfirmSignUp, { email, token: "fake12" })))._tag).toBe("TokenNotFound")
        expect((yield* Effect.flip(Command.run(ConfirmSignUp, { email: "x@y.z", token: "real12" })))._tag)
          .toBe("TokenNotFound")
        expect(yield* decodedEvents(SignUpConfirmed)).toHaveLength(0)
      })))
  })

for (const backend of backends) optInTokenTests(backend.name, backend.layer)

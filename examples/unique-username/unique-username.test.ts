import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { type Backend, backends } from "../backends.ts"
import { concurrently, failureTags, onStore, successes } from "../testing.ts"
import { AccountClosed, AccountRegistered, ChangeUsername, CloseAccount, RegisterAccount, UsernameChanged } from "./domain.ts"

/** Replays the whole log; fails the test if a username is ever held by two open accounts. Returns the holders. */
const checkUniqueness = Effect.gen(function* () {
  const holder = new Map<string, string>() // username -> account
  const events = yield* Stream.runCollect(EventStore.read(Query.all()))
  for (const event of events) {
    if (AccountRegistered.is(event)) {
      const { accountId, username } = (yield* AccountRegistered.decode(event)).payload
      expect(holder.has(username), `${username} claimed twice at ${event.position}`).toBe(false)
      holder.set(username, accountId)
    } else if (UsernameChanged.is(event)) {
      const { accountId, newUsername, oldUsername } = (yield* UsernameChanged.decode(event)).payload
      expect(holder.get(oldUsername)).toBe(accountId)
      expect(holder.has(newUsername), `${newUsername} claimed twice at ${event.position}`).toBe(false)
      holder.delete(oldUsername)
      holder.set(newUsername, accountId)
    } else if (AccountClosed.is(event)) {
      const { accountId, username } = (yield* AccountClosed.decode(event)).payload
      expect(holder.get(username)).toBe(accountId)
      holder.delete(username)
    }
  }
  return holder
})

export const uniqueUsernameTests = (name: string, makeLayer: Backend["layer"]) =>
  describe(`unique username (${name})`, () => {
    const run = onStore(makeLayer)

    it.live("of 12 concurrent registrations of one username, exactly one wins", () =>
      run(Effect.gen(function* () {
        const results = yield* concurrently(
          Array.from({ length: 12 }, (_, i) => Command.run(RegisterAccount, { accountId: `a${i}`, username: "alice" }))
        )
        expect(successes(results)).toHaveLength(1)
        expect(failureTags(results)).toEqual(new Set(["UsernameTaken"]))
        expect((yield* checkUniqueness).size).toBe(1)
      })))

    it.live("a username released by a close or a rename is claimed again, once, by concurrent claimants", () =>
      run(Effect.gen(function* () {
        yield* Command.run(RegisterAccount, { accountId: "a1", username: "alice" })
        yield* Command.run(RegisterAccount, { accountId: "a2", username: "bob" })
        // a1 renames away from alice while 6 accounts try to take alice, and 6 try to take the new name
        const results = yield* concurrently([
          Command.run(ChangeUsername, { accountId: "a1", newUsername: "alicia" }),
          ...Array.from({ length: 6 }, (_, i) => Command.run(RegisterAccount, { accountId: `x${i}`, username: "alice" })),
          ...Array.from({ length: 6 }, (_, i) => Command.run(RegisterAccount, { accountId: `y${i}`, username: "alicia" })),
          Command.run(CloseAccount, { accountId: "a2" }),
          ...Array.from({ length: 6 }, (_, i) => Command.run(RegisterAccount, { accountId: `z${i}`, username: "bob" }))
        ])
        expect([...failureTags(results)].every((t) => t === "UsernameTaken" || t === "AccountNotFound")).toBe(true)
        const holders = yield* checkUniqueness
        // bob is free (closed before any z tried) or held by one of the z accounts
        expect(holders.get("bob") ?? "z").toMatch(/^z/)
        expect(holders.get("alicia")).toMatch(/^(a1|y\d)$/)
        expect(holders.get("alice") ?? "a1").toMatch(/^(a1|x\d)$/)
        // whatever the interleaving, bob can be claimed once after the close
        const after = yield* concurrently(
          Array.from({ length: 4 }, (_, i) => Command.run(RegisterAccount, { accountId: `w${i}`, username: "bob" }))
        )
        expect(successes(after).length).toBe(holders.has("bob") ? 0 : 1)
      })))

    it.live("a rename is rejected when the new name is taken, and a closed account cannot rename", () =>
      run(Effect.gen(function* () {
        yield* Command.run(RegisterAccount, { accountId: "a1", username: "alice" })
        yield* Command.run(RegisterAccount, { accountId: "a2", username: "bob" })
        expect((yield* Effect.flip(Command.run(ChangeUsername, { accountId: "a1", newUsername: "bob" })))._tag)
          .toBe("UsernameTaken")
        yield* Command.run(CloseAccount, { accountId: "a1" })
        expect((yield* Effect.flip(Command.run(ChangeUsername, { accountId: "a1", newUsername: "carol" })))._tag)
          .toBe("AccountNotFound")
        expect([...(yield* checkUniqueness).keys()]).toEqual(["bob"])
      })))
  })

for (const backend of backends) uniqueUsernameTests(backend.name, backend.layer)

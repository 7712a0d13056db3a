/**
 * Schema evolution: every event v1 stored decodes through v2's definitions
 * (a transformed payload, a renamed field, a field added with a default, a
 * renamed event type), v2 writes only the v2 shape, a view and a decision
 * model see both generations, and a payload neither version wrote is a typed
 * decode error.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Memory } from "fairway/Layer"
import { Command, Registry, View } from "fairway/Module"
import { Decider } from "fairway/Testing"
import { Join, member } from "./main.ts"
import * as V1 from "./v1.ts"
import * as V2 from "./v2.ts"

const stored = (events: ReadonlyArray<Event.NewEvent>) => Decider.sequence(events)
const text = (event: Event.NewEvent) => new TextDecoder().decode(event.data)

describe("schema evolution", () => {
  it.effect("a v1 payload is read by the v2 schema through its transformation (name → first and last name)", () =>
    Effect.gen(function*() {
      const [old] = stored([V1.MemberRegistered.make({ memberId: "m1", name: "Ada King Lovelace" })])
      const decoded = yield* V2.LegacyMemberRegistered.decode(old!)
      expect(decoded.payload).toEqual({ memberId: "m1", firstName: "Ada King", lastName: "Lovelace", referrer: "none" })
      const [single] = stored([V1.MemberRegistered.make({ memberId: "m2", name: "Plato" })])
      expect((yield* V2.LegacyMemberRegistered.decode(single!)).payload).toMatchObject({ firstName: "Plato", lastName: "" })
    }))

  it.effect("a renamed field: v1's quota is v2's seats", () =>
    Effect.gen(function*() {
      const [old] = stored([V1.PlanChosen.make({ memberId: "m1", quota: 4 })])
      expect((yield* V2.PlanChosen.decode(old!)).payload).toEqual({ memberId: "m1", seats: 4 })
    }))

  it.effect("an added field: absent in a v2 event that omits it, it decodes to its default", () =>
    Effect.gen(function*() {
      const [withoutReferrer] = stored([Event.make("MemberJoined", ["member:m3"], JSON.stringify({ memberId: "m3", firstName: "A", lastName: "B" }))])
      expect((yield* V2.MemberJoined.decode(withoutReferrer!)).payload.referrer).toBe("none")
    }))

  it("v2 writes the v2 shape only, whatever the value came from", () => {
    expect(JSON.parse(text(V2.MemberJoined.make({ memberId: "m1", firstName: "Ada", lastName: "Lovelace", referrer: "x" }))))
      .toEqual({ memberId: "m1", firstName: "Ada", lastName: "Lovelace", referrer: "x" })
    expect(JSON.parse(text(V2.PlanChosen.make({ memberId: "m1", seats: 2 })))).toEqual({ memberId: "m1", seats: 2 })
  })

  it.effect("a renamed event type: the legacy definition decodes the old name, the new one refuses it", () =>
    Effect.gen(function*() {
      const [old] = stored([V1.MemberRegistered.make({ memberId: "m1", name: "Ada Lovelace" })])
      expect(V2.MemberJoined.is(old!)).toBe(false)
      expect(V2.LegacyMemberRegistered.is(old!)).toBe(true)
      const refused = yield* Effect.flip(V2.MemberJoined.decode(old!))
      expect(refused._tag).toBe("EventDecodeError")
    }))

  it.effect("a payload neither version wrote is a typed decode error, not a crash", () =>
    Effect.gen(function*() {
      const [bad] = stored([Event.make("PlanChosen", ["member:m1"], JSON.stringify({ memberId: "m1", seats: "many" }))])
      const error = yield* Effect.flip(V2.PlanChosen.decode(bad!))
      expect(error._tag).toBe("EventDecodeError")
      expect(error.position).toBe(1n)
    }))

  it.effect("a decision model folds both generations, and the v2 command decides on them (pure)", () =>
    Effect.gen(function*() {
      const log = [
        V1.MemberRegistered.make({ memberId: "m1", name: "Ada Lovelace" }),
        V1.PlanChosen.make({ memberId: "m1", quota: 3 }),
        V2.PlanChosen.make({ memberId: "m1", seats: 5 })
      ]
      expect(yield* Decider.evolve(member("m1"), log)).toEqual({ name: "Ada Lovelace", seats: 5 })
      yield* Decider.test(Join, { given: log, when: { memberId: "m1", firstName: "Ada", lastName: "L" }, then: [] })
      yield* Decider.test(Join, {
        given: log,
        when: { memberId: "m2", firstName: "Grace", lastName: "Hopper" },
        then: [V2.MemberJoined.make({ memberId: "m2", firstName: "Grace", lastName: "Hopper", referrer: "none" })]
      })
    }))

  it.effect("on a store: the command sees a member who joined under the v1 name, and a view lists both", () =>
    Effect.gen(function*() {
      const Members = View.make({
        name: "Members",
        version: 1,
        query: Query.item({ types: V2.memberJoined.map((d) => d.type) }),
        events: V2.memberJoined,
        schema: Schema.Struct({ name: Schema.String }),
        initial: { name: "" },
        key: (e) => e.payload.memberId,
        evolve: (_, e) => ({ name: `${e.payload.firstName} ${e.payload.lastName}` })
      })
      yield* EventStore.append([V1.MemberRegistered.make({ memberId: "m1", name: "Ada Lovelace" })])
      const again = yield* Command.run(Join, { memberId: "m1", firstName: "Ada", lastName: "Lovelace" })
      expect(again.events).toEqual([])
      yield* Command.run(Join, { memberId: "m2", firstName: "Grace", lastName: "Hopper" })
      yield* View.catchUp(Members)
      expect(Option.getOrUndefined(yield* View.get(Members, "m1"))).toEqual({ name: "Ada Lovelace" })
      expect(Option.getOrUndefined(yield* View.get(Members, "m2"))).toEqual({ name: "Grace Hopper" })
      expect((yield* DecisionModel.read(member("m1"))).state.name).toBe("Ada Lovelace")
    }).pipe(Effect.provide(Memory.layer({ modules: Registry.make() }))))
})

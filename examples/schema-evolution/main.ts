/**
 * Schema evolution: events written by v1 (`v1.ts`) read by v2 (`v2.ts`), in
 * a decision model that decides on them, next to events v2 writes. See
 * `docs/schema-evolution.md`.
 *
 * Run: `npm run example -- schema-evolution`.
 *
 * @since 0.1.0
 */
import { Console, Effect, Schema } from "effect"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"
import { printLog } from "../runtime.ts"
import * as V1 from "./v1.ts"
import * as V2 from "./v2.ts"

/**
 * A member: joined (under either type name) and their seats.
 *
 * @category decision models
 * @since 0.1.0
 */
export const member = (memberId: string) =>
  DecisionModel.make({
    query: Query.fromItems([
      { types: V2.memberJoined.map((d) => d.type), tags: [`member:${memberId}`] },
      { types: [V2.PlanChosen.type], tags: [`member:${memberId}`] }
    ]),
    initial: { name: undefined as string | undefined, seats: 0 },
    events: [...V2.memberJoined, V2.PlanChosen],
    evolve: (state, event) =>
      event.type === "PlanChosen"
        ? { ...state, seats: event.payload.seats }
        : { ...state, name: `${event.payload.firstName} ${event.payload.lastName}` }
  })

/**
 * v2's command: a member joins once, under either name.
 *
 * @category commands
 * @since 0.1.0
 */
export const Join = Command.make({
  name: "Join",
  input: Schema.Struct({ memberId: Schema.String, firstName: Schema.String, lastName: Schema.String }),
  model: ({ memberId }) => member(memberId),
  decide: (state, input) => Effect.succeed(state.name !== undefined ? [] : [V2.MemberJoined.make({ ...input, referrer: "none" })])
})

/**
 * v1 wrote two events; v2 reads them, refuses to make Ada join twice, and
 * writes a v2 event for Grace.
 *
 * @category programs
 * @since 0.1.0
 */
export const program = Effect.gen(function*() {
  // what the v1 release stored
  yield* EventStore.append([V1.MemberRegistered.make({ memberId: "m1", name: "Ada Lovelace" })])
  yield* EventStore.append([V1.PlanChosen.make({ memberId: "m1", quota: 3 })])
  // v2 at work on the same log
  const ada = yield* DecisionModel.read(member("m1"))
  yield* Console.log(`m1 read by v2: ${JSON.stringify(ada.state)}`)
  const again = yield* Command.run(Join, { memberId: "m1", firstName: "Ada", lastName: "Lovelace" })
  yield* Console.log(`Join m1 again: ${again.events.length} event(s) (already joined under the v1 name)`)
  yield* Command.run(Join, { memberId: "m2", firstName: "Grace", lastName: "Hopper" })
  yield* Console.log("\nthe log (v1 and v2 events side by side):")
  yield* printLog()
})

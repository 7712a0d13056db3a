/**
 * Scenario 5's view, declared with `View.make`: the balance of each account
 * (the sum of its deposits' amounts), keyed by the account tag. Loaded
 * dynamically so the bench runs on while the module is in progress.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as EventStore from "fairway/Dcb/EventStore"
import type * as ViewStore from "fairway/Module/ViewStore"
import { COMMAND_EVENT_TYPE } from "./Backend.ts"

/**
 * Catches the balances view up with every deposit in the store; succeeds
 * with the number of events applied.
 *
 * @since 0.1.0
 */
export const catchUp: Effect.Effect<number, unknown, EventStore.EventStore | ViewStore.ViewStore> = Effect.gen(
  function*() {
    const Event = yield* Effect.promise(() => import("fairway/Dcb/Event"))
    const Query = yield* Effect.promise(() => import("fairway/Dcb/Query"))
    const View = yield* Effect.promise(() => import("fairway/Module/View"))
    const Deposited = Event.define(COMMAND_EVENT_TYPE, {
      payload: Schema.Struct({ amount: Schema.Number }),
      tags: () => []
    })
    const Balances = View.make({
      name: "Balances",
      version: 1,
      query: Query.item({ types: [COMMAND_EVENT_TYPE] }),
      events: [Deposited],
      initial: 0,
      evolve: (balance: number, event) => balance + event.payload.amount,
      key: (event) => event.tags[0],
      batchSize: 1000
    })
    const result = yield* View.catchUp(Balances)
    return result.applied
  }
)

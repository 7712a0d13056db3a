import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Command, DecisionCache } from "fairway/Module"

// a user points at a team; the team's usage is counted: the second read depends on the first
const Joined = Event.define("Joined", {
  payload: Schema.Struct({ user: Schema.String, team: Schema.String }),
  tags: (p) => [`user:${p.user}`]
})
const Used = Event.define("Used", {
  payload: Schema.Struct({ team: Schema.String, seen: Schema.Number }),
  tags: (p) => [`team:${p.team}`]
})

const teamOf = (user: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Joined.type], tags: [`user:${user}`] }),
    initial: "none",
    events: [Joined],
    evolve: (_: string, e) => e.payload.team
  })
const usage = (team: string) =>
  DecisionModel.make({
    query: Query.item({ types: [Used.type], tags: [`team:${team}`] }),
    initial: 0,
    events: [Used],
    evolve: (n: number) => n + 1
  })

const Use = Command.make({
  name: "Use",
  input: Schema.Struct({ user: Schema.String }),
  model: ({ user }) =>
    DecisionModel.andThen(teamOf(user), (team) => DecisionModel.map(usage(team), (seen) => ({ team, seen }))),
  decide: ({ seen, team }) => Effect.succeed([Used.make({ team, seen })])
})

describe("DecisionCache with a dependent decision model", () => {
  it.effect("reads the model whole every time: the state follows the first read's answer, nothing is cached", () =>
    Effect.gen(function*() {
      yield* EventStore.append([Joined.make({ user: "u", team: "t" })])
      for (let i = 0; i < 3; i++) yield* Command.run(Use, { user: "u" })
      // the user moves to another team: a cached state of the first query would keep counting team t
      yield* EventStore.append([Joined.make({ user: "u", team: "other" })])
      yield* Command.run(Use, { user: "u" })
      const used = yield* Stream.runCollect(EventStore.read(Query.item({ types: [Used.type] })))
      const seen = yield* Effect.forEach(used, (e) => Effect.map(Used.decode(e), (d) => d.payload.seen))
      // three runs on team t saw 0, 1, 2; the run after the move counts the other team: 0 again
      expect(seen).toEqual([0, 1, 2, 0])
      const cache = yield* DecisionCache.DecisionCache
      expect(yield* cache.stats).toEqual({ hits: 0, misses: 0 })
    }).pipe(Effect.provide(Layer.mergeAll(EventStore.layerMemory, DecisionCache.layer()))))
})

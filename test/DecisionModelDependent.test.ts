/**
 * Dependent decision models (`andThen`, `bind`, `map`, `combine` over them):
 * each read is built from the state of the earlier ones, and contributes its
 * own append condition. `Command` runs them unchanged and retries the whole
 * chain.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { AppendCondition, DecisionModel, Event, EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

const UserJoinedTeam = Event.define("UserJoinedTeam", {
  payload: Schema.Struct({ userId: Schema.String, teamId: Schema.String }),
  tags: (p) => [`user:${p.userId}`, `team:${p.teamId}`]
})
const QuotaSet = Event.define("QuotaSet", {
  payload: Schema.Struct({ teamId: Schema.String, quota: Schema.Int }),
  tags: (p) => [`team:${p.teamId}`]
})
const ProjectCreated = Event.define("ProjectCreated", {
  payload: Schema.Struct({ teamId: Schema.String, userId: Schema.String }),
  tags: (p) => [`team:${p.teamId}`, `user:${p.userId}`]
})

/** The user's current team. */
const teamOf = (userId: string) =>
  DecisionModel.make({
    query: Query.item({ types: [UserJoinedTeam.type], tags: [`user:${userId}`] }),
    initial: undefined as string | undefined,
    events: [UserJoinedTeam],
    evolve: (_, event) => event.payload.teamId
  })

/** A team's quota of projects and the projects it has. */
const usage = (teamId: string | undefined) =>
  DecisionModel.make({
    query: Query.item({ types: [QuotaSet.type, ProjectCreated.type], tags: [`team:${teamId ?? ""}`] }),
    initial: { quota: 0, projects: 0 },
    events: [QuotaSet, ProjectCreated],
    evolve: (state, event) =>
      event.type === "QuotaSet" ? { ...state, quota: event.payload.quota } : { ...state, projects: state.projects + 1 }
  })

const teamUsage = (userId: string) =>
  DecisionModel.bind(DecisionModel.combine({ team: teamOf(userId) }), "usage", ({ team }) => usage(team))

const seed = EventStore.append([
  UserJoinedTeam.make({ userId: "u1", teamId: "t1" }), // 1
  QuotaSet.make({ teamId: "t1", quota: 2 }), // 2
  QuotaSet.make({ teamId: "t2", quota: 5 }), // 3
  ProjectCreated.make({ teamId: "t1", userId: "u9" }) // 4
])

/** The memory store, counting reads; `writer` runs (once) right before the read of `query`. */
const hooked = (hooks: {
  query?: Query.Query | undefined
  writer?: Effect.Effect<unknown, unknown, EventStore.EventStore> | undefined
  reads: number
}) =>
  Layer.effect(
    EventStore.EventStore,
    Effect.map(EventStore.EventStore, (store) =>
      EventStore.EventStore.of({
        ...store,
        read: (query, options) => {
          hooks.reads++
          const writer = hooks.writer
          if (writer === undefined || JSON.stringify(query) !== JSON.stringify(hooks.query)) return store.read(query, options)
          hooks.writer = undefined
          return Stream.unwrap(
            Effect.as(Effect.orDie(Effect.provideService(writer, EventStore.EventStore, store)), store.read(query, options))
          )
        }
      }))
  ).pipe(Layer.provide(EventStore.layerMemory))

describe("DecisionModel, dependent", () => {
  it.effect("bind reads the first model, then the one built from its state; one condition per read", () => {
    const hooks = { reads: 0 }
    return Effect.gen(function* () {
      yield* seed
      const model = teamUsage("u1")
      expect(DecisionModel.isDependent(model)).toBe(true)
      expect(model.query).toEqual(teamOf("u1").query)
      const { condition, conditions, position, state } = yield* DecisionModel.read(model)
      expect(state).toEqual({ team: "t1", usage: { quota: 2, projects: 1 } })
      expect(hooks.reads).toBe(2)
      expect(conditions).toEqual([
        AppendCondition.make(teamOf("u1").query, 1n as never),
        AppendCondition.make(usage("t1").query, 4n as never)
      ])
      expect(position).toBe(4n)
      // the single condition: both queries, after the head as of the first read
      expect(condition).toEqual(AppendCondition.make(Query.union(teamOf("u1").query, usage("t1").query), 4n as never))
    }).pipe(Effect.provide(hooked(hooks)))
  })

  it.effect("andThen keeps the second state; map maps it; a read that saw nothing has no after", () =>
    Effect.gen(function* () {
      yield* seed
      const quota = DecisionModel.map(DecisionModel.andThen(teamOf("nobody"), (team) => usage(team)), (u) => u.quota)
      const read = yield* DecisionModel.read(quota)
      expect(read.state).toBe(0)
      expect(read.conditions.map((c) => c.after)).toEqual([undefined, undefined])
      const projects = yield* DecisionModel.read(DecisionModel.andThen(teamOf("u1"), usage))
      expect(projects.state).toEqual({ quota: 2, projects: 1 })
      // a model of one read stays exact under map: one condition
      const mapped = yield* DecisionModel.read(DecisionModel.map(usage("t2"), (u) => u.quota))
      expect(mapped.state).toBe(5)
      expect(mapped.conditions).toEqual([mapped.condition])
      expect(mapped.condition).toEqual(AppendCondition.make(usage("t2").query, 3n as never))
    }).pipe(Effect.provide(EventStore.layerMemory)))

  it.effect("combine over dependent parts reads in rounds: one read per round for every part still reading", () => {
    const hooks = { reads: 0 }
    return Effect.gen(function* () {
      yield* seed
      yield* EventStore.append([UserJoinedTeam.make({ userId: "u2", teamId: "t2" })]) // 5
      const model = DecisionModel.combine({ a: teamUsage("u1"), b: teamUsage("u2"), t2: usage("t2") })
      const { conditions, state } = yield* DecisionModel.read(model)
      expect(state).toEqual({
        a: { team: "t1", usage: { quota: 2, projects: 1 } },
        b: { team: "t2", usage: { quota: 5, projects: 0 } },
        t2: { quota: 5, projects: 0 }
      })
      // round 1: both teams and t2's usage; round 2: both usages
      expect(hooks.reads).toBe(2)
      expect(conditions.map((c) => c.failIfEventsMatch)).toEqual([
        Query.unionAll([teamOf("u1").query, teamOf("u2").query, usage("t2").query]),
        Query.unionAll([usage("t1").query, usage("t2").query])
      ])
    }).pipe(Effect.provide(hooked(hooks)))
  })

  it.effect("an event of the first read's query landing between the reads fails the append; one of the second's does not", () => {
    const hooks: Parameters<typeof hooked>[0] = { reads: 0 }
    return Effect.gen(function* () {
      yield* seed
      // between the reads: u1 moves to t2, then t1's quota changes (the second read sees it)
      hooks.query = usage("t1").query
      hooks.writer = EventStore.append([UserJoinedTeam.make({ userId: "u1", teamId: "t2" }), QuotaSet.make({ teamId: "t1", quota: 3 })])
      const stale = yield* DecisionModel.read(teamUsage("u1"))
      expect(stale.state.team).toBe("t1")
      const error = yield* Effect.flip(
        EventStore.append([ProjectCreated.make({ teamId: "t1", userId: "u1" })], { conditions: stale.conditions })
      )
      assert(error._tag === "AppendConditionFailed")
      expect(error.conditionIndex).toBe(0)
      // one condition after the last position read would have let it through
      yield* EventStore.append([Event.make("Probe", [])], {
        condition: AppendCondition.make(Query.unionAll(stale.conditions.map((c) => c.failIfEventsMatch)), stale.position)
      })
      // a change the second read saw: the conditions hold, the merged one does not
      hooks.query = usage("t2").query
      hooks.writer = EventStore.append([QuotaSet.make({ teamId: "t2", quota: 6 })])
      const fresh = yield* DecisionModel.read(teamUsage("u1"))
      expect(fresh.state).toEqual({ team: "t2", usage: { quota: 6, projects: 0 } })
      const merged = yield* Effect.flip(EventStore.append([Event.make("Probe", [])], { condition: fresh.condition }))
      expect(merged._tag).toBe("AppendConditionFailed")
      yield* EventStore.append([ProjectCreated.make({ teamId: "t2", userId: "u1" })], { conditions: fresh.conditions })
    }).pipe(Effect.provide(hooked(hooks)))
  })

  it.live("Command runs a dependent model unchanged and retries the whole chain on fresh state", () => {
    const hooks: Parameters<typeof hooked>[0] = { reads: 0 }
    let built = 0
    const CreateProject = Command.make({
      name: "CreateProject",
      input: Schema.Struct({ userId: Schema.String }),
      model: ({ userId }) => {
        built++
        return teamUsage(userId)
      },
      decide: ({ team, usage }, { userId }) =>
        team === undefined || usage.projects >= usage.quota
          ? Effect.succeed([])
          : Effect.succeed([ProjectCreated.make({ teamId: team, userId })])
    })
    return Effect.gen(function* () {
      yield* seed
      // the first attempt reads t1 (quota 2, 1 project); before its second read, u1 moves to t2
      hooks.query = usage("t1").query
      hooks.writer = EventStore.append([UserJoinedTeam.make({ userId: "u1", teamId: "t2" })])
      const result = yield* Command.run(CreateProject, { userId: "u1" })
      expect(result.attempts).toBe(2)
      expect(built).toBe(2)
      const created = yield* Stream.runCollect(EventStore.read(Query.item({ types: [ProjectCreated.type], tags: ["user:u1"] })))
      expect(created.map((e) => e.tags)).toEqual([["team:t2", "user:u1"]])
    }).pipe(Effect.provide(hooked(hooks)))
  })

  it.effect("Command with an idempotency key: the dependent model and the replay read together; a repeat is a replay", () => {
    const CreateProject = Command.make({
      name: "CreateProjectOnce",
      input: Schema.Struct({ userId: Schema.String }),
      model: ({ userId }) => teamUsage(userId),
      decide: ({ team }, { userId }) =>
        Effect.succeed(team === undefined ? [] : [ProjectCreated.make({ teamId: team, userId })])
    })
    return Effect.gen(function* () {
      yield* seed
      const first = yield* Command.run(CreateProject, { userId: "u1" }, { idempotencyKey: "k1" })
      const again = yield* Command.run(CreateProject, { userId: "u1" }, { idempotencyKey: "k1" })
      expect(first.replayed).toBe(false)
      expect(again.replayed).toBe(true)
      expect(again.position).toBe(first.position)
      const created = yield* Stream.runCollect(EventStore.read(Query.item({ types: [ProjectCreated.type] })))
      expect(created).toHaveLength(2) // the seed's, and one
    }).pipe(Effect.provide(EventStore.layerMemory))
  })

  it("a dependent model has no event-by-event fold", () => {
    const model = teamUsage("u1")
    expect(() => Effect.runSync(model.step(model.initial, { type: "X", tags: [] } as never, new Map()))).toThrow(
      /read with DecisionModel.read/
    )
  })
})

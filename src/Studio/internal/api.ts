/**
 * The Studio's JSON API: what each route reads and how it is shaped for the
 * page. Every value crosses the wire as JSON (positions as decimal strings).
 *
 * @since 0.1.0
 * @internal
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as DcbEvent from "../../Dcb/Event.ts"
import * as EventStore from "../../Dcb/EventStore.ts"
import * as Query from "../../Dcb/Query.ts"
import * as SequencePosition from "../../Dcb/SequencePosition.ts"
import * as Automation from "../../Module/Automation.ts"
import * as AutomationStore from "../../Module/AutomationStore.ts"
import * as Command from "../../Module/Command.ts"
import * as Registry from "../../Module/Registry.ts"
import * as View from "../../Module/View.ts"
import * as ViewStore from "../../Module/ViewStore.ts"
import type * as Boundaries from "../Boundaries.ts"

/** What the routes read from. */
export interface Context {
  readonly store: EventStore.EventStoreShape
  readonly views: ViewStore.ViewStoreShape | undefined
  readonly automations: AutomationStore.AutomationStoreShape | undefined
  readonly boundaries: Boundaries.BoundaryLogShape | undefined
  readonly registry: Registry.Registry
  readonly definitions: ReadonlyMap<string, Definition>
  readonly secretMetadata: ReadonlySet<string>
}

/** An event definition with its payload's JSON encoder (for display). */
export interface Definition {
  readonly definition: DcbEvent.Any
  readonly toJson: (payload: unknown) => unknown
}

/** Indexes event definitions by type. */
export const definitionsOf = (definitions: ReadonlyArray<DcbEvent.Any>): ReadonlyMap<string, Definition> => {
  const out = new Map<string, Definition>()
  for (const definition of definitions) {
    const encode = Schema.encodeSync(Schema.toCodecJson(definition.payload as Schema.Top) as unknown as Schema.Codec<unknown, unknown>)
    out.set(definition.type, { definition, toJson: encode })
  }
  return out
}

/** The text that replaces a secret metadata value. */
export const redacted = "[redacted]"

const textDecoder = new TextDecoder("utf-8", { fatal: true })

const fmt = (p: SequencePosition.SequencePosition | undefined): string | null => p === undefined ? null : SequencePosition.format(p)
const fmtOption = (p: Option.Option<bigint>): string | null => Option.isSome(p) ? p.value.toString() : null

/** An event as the page shows it: the payload decoded, secret metadata hidden unless `reveal`. */
export const eventJson = (ctx: Context, event: DcbEvent.SequencedEvent, reveal: boolean) =>
  Effect.gen(function* () {
    const metadata: Record<string, string> = {}
    for (const [key, value] of Object.entries(event.metadata ?? {})) {
      metadata[key] = !reveal && ctx.secretMetadata.has(key) ? redacted : value
    }
    let payload: unknown = null
    let decodedBy: "definition" | "json" | "text" | "bytes" = "bytes"
    let decodeError: string | null = null
    const definition = ctx.definitions.get(event.type)
    if (definition !== undefined) {
      const decoded = yield* Effect.result(definition.definition.decode(event))
      if (decoded._tag === "Success") {
        payload = definition.toJson(decoded.success.payload)
        decodedBy = "definition"
      } else decodeError = decoded.failure.reason
    }
    if (decodedBy !== "definition") {
      try {
        const text = textDecoder.decode(event.data)
        try {
          payload = JSON.parse(text)
          decodedBy = "json"
        } catch {
          payload = text
          decodedBy = "text"
        }
      } catch {
        payload = Buffer.from(event.data).toString("base64")
      }
    }
    return {
      position: SequencePosition.format(event.position),
      type: event.type,
      tags: event.tags,
      recordedAt: DateTime.formatIso(event.recordedAt),
      metadata,
      payload,
      decodedBy,
      decodeError
    }
  })

/** A query from comma-separated types and tags (every event when both are empty). */
export const queryOf = (types: ReadonlyArray<string>, tags: ReadonlyArray<string>): Query.Query =>
  types.length === 0 && tags.length === 0
    ? Query.all()
    : Query.item({ ...(types.length > 0 ? { types } : {}), ...(tags.length > 0 ? { tags } : {}) })

/** The event at a position, if any. */
export const eventAt = (store: EventStore.EventStoreShape, position: SequencePosition.SequencePosition) =>
  Effect.map(
    Stream.runCollect(store.read(Query.all(), { before: SequencePosition.make(position + 1n), backwards: true, limit: 1 })),
    (found) => found[0] !== undefined && found[0].position === position ? Option.some(found[0]) : Option.none()
  )

/** One page of the log, newest first, strictly before `before`. */
export const logPage = (
  ctx: Context,
  params: { readonly query: Query.Query; readonly before: SequencePosition.SequencePosition | undefined; readonly limit: number },
  reveal: boolean
) =>
  Effect.gen(function* () {
    const events = yield* Stream.runCollect(ctx.store.read(params.query, {
      backwards: true,
      limit: params.limit,
      ...(params.before !== undefined ? { before: params.before } : {})
    }))
    const head = yield* ctx.store.head
    return {
      head: fmtOption(head),
      events: yield* Effect.forEach(events, (e) => eventJson(ctx, e, reveal)),
      next: events.length === params.limit ? SequencePosition.format(events[events.length - 1]!.position) : null
    }
  })

const metadataPosition = (event: DcbEvent.SequencedEvent, key: string): SequencePosition.SequencePosition | undefined => {
  const value = event.metadata?.[key]
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return SequencePosition.make(BigInt(value))
}

/** An event with its causation chain (up to 20 causes back) and the boundary records of its run. */
export const eventPage = (ctx: Context, position: SequencePosition.SequencePosition, reveal: boolean) =>
  Effect.gen(function* () {
    const found = yield* eventAt(ctx.store, position)
    if (Option.isNone(found)) return undefined
    const event = found.value
    const chain: Array<unknown> = []
    let cause = metadataPosition(event, Command.metadataKeys.causationId)
    while (cause !== undefined && chain.length < 20) {
      const parent = yield* eventAt(ctx.store, cause)
      if (Option.isNone(parent)) break
      chain.push(yield* eventJson(ctx, parent.value, reveal))
      cause = metadataPosition(parent.value, Command.metadataKeys.causationId)
    }
    const boundaries = (yield* writerRun(ctx, event)).map((b) => boundaryJson(ctx, b, reveal))
    return { event: yield* eventJson(ctx, event, reveal), causationChain: chain, boundaries }
  })

/**
 * Every stored attempt of the run whose append wrote `event`. A correlation
 * id is shared by a whole workflow (automations pass it on), so it only
 * narrows the search: the writer is the run, among that command's appends
 * in that correlation, whose append ends first at or after the event (the
 * events of one append are contiguous in the log), provided its append
 * reaches back to the event (its own record may have been overwritten).
 */
const writerRun = (ctx: Context, event: DcbEvent.SequencedEvent) =>
  Effect.gen(function* () {
    const correlationId = event.metadata?.[Command.metadataKeys.correlationId]
    const command = event.metadata?.[Command.metadataKeys.command]
    if (ctx.boundaries === undefined || correlationId === undefined || command === undefined) return []
    let writer: Boundaries.Boundary | undefined
    for (const b of yield* ctx.boundaries.list({ limit: ctx.boundaries.capacity, command })) {
      if (
        b.correlationId === correlationId && b.outcome === "appended" && b.position !== undefined &&
        b.position >= event.position && (writer === undefined || b.position < writer.position!)
      ) writer = b
    }
    if (writer === undefined) return []
    const spanned = yield* Stream.runCollect(ctx.store.read(Query.all(), {
      ...(event.position > 0n ? { after: SequencePosition.make(event.position - 1n) } : {}),
      before: SequencePosition.make(writer.position! + 1n),
      limit: writer.appendedCount + 1
    }))
    return spanned.length <= writer.appendedCount ? yield* ctx.boundaries.run(writer.sequence) : []
  })

/** A boundary record for the wire: its ids that the app marks secret (as metadata keys) hidden unless `reveal`. */
export const boundaryJson = (ctx: Context, b: Boundaries.Boundary, reveal: boolean) => ({
  ...b,
  ...secretIds(ctx, b, reveal),
  conditions: b.conditions?.map((c) => ({ query: c.query, after: fmt(c.after) })) ?? null,
  after: fmt(b.after),
  position: fmt(b.position),
  conflictingPosition: fmt(b.conflictingPosition)
})

const secretIds = (ctx: Context, b: Boundaries.Boundary, reveal: boolean) => {
  const hidden: { correlationId?: string; idempotencyKey?: string; causationId?: string } = {}
  if (reveal) return hidden
  for (const key of ["correlationId", "idempotencyKey", "causationId"] as const) {
    if (b[key] !== undefined && ctx.secretMetadata.has(Command.metadataKeys[key])) hidden[key] = redacted
  }
  return hidden
}

/** The boundary records, newest first. */
export const boundaryList = (
  ctx: Context,
  options: { readonly command: string | undefined; readonly conflicted: boolean; readonly limit: number },
  reveal: boolean
) =>
  ctx.boundaries === undefined
    ? Effect.succeed({ enabled: false, capacity: 0, records: [] as Array<ReturnType<typeof boundaryJson>> })
    : Effect.map(
      ctx.boundaries.list({ limit: options.limit, command: options.command, conflicted: options.conflicted }),
      (records) => ({ enabled: true, capacity: ctx.boundaries!.capacity, records: records.map((b) => boundaryJson(ctx, b, reveal)) })
    )

const maxReadShown = 50

/** The most events of one read that a run's page counts (a decision may read a million: the page says "at least"). */
export const maxReadCounted = 10_000

/**
 * Every attempt of one run: the record, the events its decision read (the
 * events matching its query up to `after`: the log below a position never
 * changes), and the event its append conflicted with.
 */
export const boundaryRun = (ctx: Context, sequence: number, reveal: boolean) =>
  Effect.gen(function* () {
    if (ctx.boundaries === undefined) return undefined
    const attempts = yield* ctx.boundaries.run(sequence)
    if (attempts.length === 0) return undefined
    const out: Array<unknown> = []
    for (const record of attempts) {
      // one read per condition (a dependent model reads more than once): `readCount` sums what each read returned
      const reads = record.conditions ?? (record.query !== undefined ? [{ query: record.query, after: record.after }] : [])
      const byPosition = new Map<bigint, DcbEvent.SequencedEvent>()
      let readCount = 0
      for (const { after, query } of reads) {
        if (after === undefined) continue
        const upTo = { before: SequencePosition.make(after + 1n) }
        const page = yield* Stream.runCollect(ctx.store.read(query, { ...upTo, backwards: true, limit: maxReadShown }))
        for (const e of page) byPosition.set(e.position, e)
        readCount += page.length < maxReadShown
          ? page.length
          : yield* Stream.runFold(ctx.store.read(query, { ...upTo, limit: maxReadCounted + 1 }), () => 0, (n) => n + 1)
      }
      const readCountAtLeast = readCount > maxReadCounted
      const read = [...byPosition.values()].sort((x, y) => (x.position < y.position ? 1 : -1)).slice(0, maxReadShown)
      const conflicting = record.conflictingPosition === undefined
        ? Option.none()
        : yield* eventAt(ctx.store, record.conflictingPosition)
      out.push({
        record: boundaryJson(ctx, record, reveal),
        // more than `maxReadCounted`: the page says "at least"
        readCount: Math.min(readCount, maxReadCounted),
        readCountAtLeast,
        read: yield* Effect.forEach(read, (e) => eventJson(ctx, e, reveal)),
        conflicting: Option.isSome(conflicting) ? yield* eventJson(ctx, conflicting.value, reveal) : null
      })
    }
    return { command: attempts[0]!.command, attempts: out }
  })

/**
 * The boundary explorer: the events matching a query (newest first), and
 * the appends after `after` that would fail a decision taken on it at
 * `after` (`"start"`: a decision that read nothing; default: before the
 * last 20 appends of the log).
 */
export const explore = (
  ctx: Context,
  query: Query.Query,
  after: SequencePosition.SequencePosition | "start" | undefined,
  reveal: boolean
) =>
  Effect.gen(function* () {
    let from = after === "start" ? undefined : after
    if (after === undefined) {
      const recent = yield* Stream.runCollect(ctx.store.read(Query.all(), { backwards: true, limit: 21 }))
      from = recent.length === 21 ? recent[20]!.position : undefined
    }
    const matching = yield* Stream.runCollect(ctx.store.read(query, { backwards: true, limit: 50 }))
    const conflicts = yield* Stream.runCollect(ctx.store.read(query, {
      backwards: true,
      limit: 50,
      ...(from !== undefined ? { after: from } : {})
    }))
    return {
      query,
      after: fmt(from),
      matching: yield* Effect.forEach(matching, (e) => eventJson(ctx, e, reveal)),
      conflicts: yield* Effect.forEach(conflicts, (e) => eventJson(ctx, e, reveal))
    }
  })

const provideStores = <A, E>(ctx: Context, effect: Effect.Effect<A, E, EventStore.EventStore | ViewStore.ViewStore>) =>
  effect.pipe(Effect.provideService(EventStore.EventStore, ctx.store), Effect.provideService(ViewStore.ViewStore, ctx.views!))

/** Every view of the registry: version, checkpoint, lag, parked events. */
export const viewList = (ctx: Context) =>
  ctx.views === undefined ? Effect.succeed([]) : Effect.forEach(Registry.views(ctx.registry), (view) =>
    Effect.gen(function* () {
      const status = yield* provideStores(ctx, View.status(view))
      const parked = yield* ctx.views!.deadLetters(view.name, view.version)
      return {
        name: view.name,
        version: view.version,
        activeVersion: Option.getOrNull(status.activeVersion),
        checkpoint: fmtOption(status.checkpoint),
        head: fmtOption(status.head),
        lag: status.lag.toString(),
        caughtUp: status.caughtUp,
        deadLetters: parked.map((d) => ({ ...d, position: SequencePosition.format(d.position) }))
      }
    }))

/** A view's states whose keys start with `prefix`, in key order. */
export const viewStates = (ctx: Context, name: string, prefix: string, after: string | undefined, limit: number) =>
  Effect.gen(function* () {
    const view = Registry.views(ctx.registry).find((v) => v.name === name)
    if (view === undefined || ctx.views === undefined) return undefined
    const version = Option.getOrElse(yield* ctx.views.activeVersion(name), () => view.version)
    const entries = yield* ctx.views.list(name, version, {
      limit,
      ...(prefix.length > 0 ? { prefix } : {}),
      ...(after !== undefined ? { after } : {})
    })
    return {
      name,
      version,
      states: entries.map(([key, bytes]) => {
        let state: unknown
        try {
          state = JSON.parse(new TextDecoder().decode(bytes))
        } catch {
          state = Buffer.from(bytes).toString("base64")
        }
        return { key, state }
      }),
      next: entries.length === limit ? entries[entries.length - 1]![0] : null
    }
  })

/** Every automation of the registry: checkpoint, lag, lease, dead letters. */
export const automationList = (ctx: Context) =>
  Effect.gen(function* () {
    if (ctx.automations === undefined) return []
    const now = Date.now()
    return yield* Effect.forEach(Registry.automations(ctx.registry), (automation) =>
      Effect.gen(function* () {
        const status = yield* Automation.status(automation).pipe(
          Effect.provideService(EventStore.EventStore, ctx.store),
          Effect.provideService(AutomationStore.AutomationStore, ctx.automations!)
        )
        const letters = yield* ctx.automations!.deadLetters(automation.name)
        return {
          name: automation.name,
          checkpoint: fmtOption(status.checkpoint),
          head: fmtOption(status.head),
          lag: status.lag.toString(),
          caughtUp: status.caughtUp,
          lease: Option.isSome(status.lease)
            ? { owner: status.lease.value.owner, expiresAt: status.lease.value.expiresAt, expired: status.lease.value.expiresAt <= now }
            : null,
          deadLetters: letters.map((d) => ({ ...d, position: SequencePosition.format(d.position) }))
        }
      }))
  })

/** The registry's modules and what the page may do. */
export const overview = (ctx: Context, actions: boolean) =>
  Effect.map(ctx.store.head, (head) => ({
    head: fmtOption(head),
    commands: Registry.commands(ctx.registry).map((c) => c.name),
    views: Registry.views(ctx.registry).map((v) => v.name),
    automations: Registry.automations(ctx.registry).map((a) => a.name),
    eventTypes: [...ctx.definitions.keys()],
    boundaries: ctx.boundaries === undefined ? null : { capacity: ctx.boundaries.capacity },
    actions
  }))

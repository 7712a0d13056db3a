/**
 * A run's spans are made straight from the tracer (`src/Module/internal/runSpans.ts`), not through
 * `Effect.useSpan`: they must be the spans `Effect.useSpan` would make. Each case runs a command and, in the
 * same context, the same tree made with `Effect.useSpan` (run span, then the read's and the append's spans
 * under it), and compares what a tracer received: names, parents, sampled, kind, links, annotations and
 * attributes, start and end times (under a TestClock), the exit each span ended with. Contexts: none, a
 * caller's span, annotations and links in context, timing off, a trace level below the minimum, an
 * unsampled parent, tracing disabled, a parent that disables propagation, a failing decision (a retried
 * conflict's tree: `test/observability/spans.test.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Option, References, Schema, Stream, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { DecisionModel, EventStore, Query } from "fairway/Dcb"
import { Command } from "fairway/Module"

interface Recorded {
  readonly name: string
  readonly parent: string | undefined
  readonly sampled: boolean
  readonly kind: string
  readonly links: number
  readonly start: bigint
  end: bigint | undefined
  exit: string | undefined
  readonly attributes: Record<string, unknown>
}

const recorder = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = Tracer.nativeTracer.span(options)
      const record: Recorded = {
        name: options.name,
        parent: Option.match(options.parent, { onNone: () => undefined, onSome: (p) => p._tag === "Span" ? p.name : `external:${p.spanId}` }),
        sampled: options.sampled,
        kind: options.kind,
        links: options.links.length,
        start: options.startTime,
        end: undefined,
        exit: undefined,
        attributes: {}
      }
      spans.push(record)
      const attribute = span.attribute.bind(span)
      const end = span.end.bind(span)
      return Object.assign(span, {
        attribute: (key: string, value: unknown) => {
          record.attributes[key] = value
          attribute(key, value)
        },
        end: (time: bigint, exit: Exit.Exit<unknown, unknown>) => {
          record.end = time
          record.exit = exit._tag
          end(time, exit)
        }
      })
    }
  })
  return { spans, tracer }
}

const Deposit = Command.make({
  name: "Deposit",
  input: Schema.Struct({ id: Schema.String, fail: Schema.optional(Schema.Boolean) }),
  model: ({ id }) => DecisionModel.makeRaw({ query: Query.item({ tags: [`acct:${id}`] }), initial: 0, evolve: (n) => n + 1 }),
  decide: (_, { fail, id }) =>
    fail === true ? Effect.fail(new Error("refused")) : Effect.succeed([{ type: "Deposited", tags: [`acct:${id}`], data: new Uint8Array([1]) }])
})

// the tree `Effect.useSpan` makes for the same steps, as the command's spans were made before
const reference = (fail: boolean) =>
  Effect.useSpan("Command.run Deposit", { attributes: { "fairway.command": "Deposit" } }, (span) =>
    Effect.withParentSpan(
      Effect.gen(function*() {
        yield* Effect.useSpan("DecisionModel.read", () => TestClock.adjust(1))
        if (fail) return yield* Effect.fail(new Error("refused"))
        yield* Effect.useSpan("EventStore.append", () => TestClock.adjust(2))
      }),
      span,
      { captureStackTrace: false }
    ))

// a store whose read takes the clock forward 1 ms and whose append 2 ms, as the reference's steps do (a spread
// copy: it has no synchronous read, so the command's decision read goes through `read`)
const ticking = Effect.map(EventStore.makeMemory, (store) =>
  EventStore.EventStore.of({
    ...store,
    read: (query, options) => Stream.unwrap(Effect.as(TestClock.adjust(1), store.read(query, options))),
    append: (events, options) => Effect.andThen(TestClock.adjust(2), store.append(events, options))
  }))

const compare = (wrap: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>, fail = false) =>
  Effect.gen(function*() {
    const store = yield* ticking
    const ours = recorder()
    const theirs = recorder()
    const exitOurs = yield* Effect.exit(
      wrap(Command.run(Deposit, { id: "a", ...(fail ? { fail } : {}) })).pipe(
        Effect.withTracer(ours.tracer),
        Effect.provideService(EventStore.EventStore, store)
      )
    )
    const exitTheirs = yield* Effect.exit(wrap(reference(fail)).pipe(Effect.withTracer(theirs.tracer)))
    expect(exitOurs._tag).toBe(exitTheirs._tag)
    // the outcome attributes are the command's own (set on success); the rest must match
    const strip = (spans: ReadonlyArray<Recorded>) =>
      spans.map((s) => ({
        ...s,
        attributes: Object.fromEntries(Object.entries(s.attributes).filter(([k]) => !k.startsWith("fairway.") || k === "fairway.command"))
      }))
    // times relative to the first span's start (the two runs start at different clock times)
    const relative = (spans: ReadonlyArray<Recorded>) => {
      const t0 = spans[0]?.start ?? 0n
      return strip(spans).map((s) => ({
        ...s,
        start: s.start === 0n ? 0n : s.start - t0,
        end: s.end === undefined || s.end === 0n ? s.end : s.end - t0
      }))
    }
    expect(relative(ours.spans)).toEqual(relative(theirs.spans))
    return ours.spans
  })

describe("a run's spans are the spans Effect.useSpan makes", { timeout: 20_000 }, () => {
  it.effect("with no span around it", () =>
    Effect.gen(function*() {
      const spans = yield* compare((e) => e)
      expect(spans.map((s) => s.name)).toEqual(["Command.run Deposit", "DecisionModel.read", "EventStore.append"])
      expect(spans.map((s) => s.parent)).toEqual([undefined, "Command.run Deposit", "Command.run Deposit"])
      expect(spans.every((s) => s.end !== undefined && s.exit === "Success")).toBe(true)
      expect(spans[0]!.end! - spans[0]!.start).toBe(3_000_000n)
    }))

  it.effect("under a caller's span, with annotations and links in context", () =>
    Effect.gen(function*() {
      const link = Tracer.externalSpan({ spanId: "s1", traceId: "t1" })
      const spans = yield* compare((e) =>
        e.pipe(Effect.annotateSpans({ tenant: "t-1" }), Effect.linkSpans(link, { why: "test" }), Effect.withSpan("caller"))
      )
      expect(spans.map((s) => [s.name, s.parent])).toEqual([
        ["caller", undefined],
        ["Command.run Deposit", "caller"],
        ["DecisionModel.read", "Command.run Deposit"],
        ["EventStore.append", "Command.run Deposit"]
      ])
      expect(spans.slice(1).every((s) => s.attributes.tenant === "t-1" && s.links === 1)).toBe(true)
    }))

  it.effect("with span timing off", () =>
    Effect.gen(function*() {
      const spans = yield* compare((e) => Effect.provideService(e, References.TracerTimingEnabled, false))
      expect(spans.every((s) => s.start === 0n && s.end === 0n)).toBe(true)
    }))

  it.effect("with the trace level below the minimum, and under an unsampled parent", () =>
    Effect.gen(function*() {
      const below = yield* compare((e) =>
        e.pipe(Effect.provideService(Tracer.MinimumTraceLevel, "Error"), Effect.provideService(Tracer.CurrentTraceLevel, "Info"))
      )
      expect(below.every((s) => !s.sampled)).toBe(true)
      const unsampled = yield* compare((e) => Effect.withParentSpan(e, Tracer.externalSpan({ spanId: "p", traceId: "t", sampled: false })))
      expect(unsampled[0]!.parent).toBe("external:p")
      expect(unsampled.every((s) => !s.sampled)).toBe(true)
    }))

  it.effect("with tracing disabled, and under a span that disables propagation", () =>
    Effect.gen(function*() {
      const disabled = yield* compare((e) => Effect.withTracerEnabled(e, false))
      expect(disabled).toEqual([])
      const noPropagation = yield* compare((e) =>
        e.pipe(Effect.withSpan("hidden", { annotations: Context.make(Tracer.DisablePropagation, true) } as never), Effect.withSpan("outer"))
      )
      expect(noPropagation.find((s) => s.name === "Command.run Deposit")?.parent).toBe("outer")
    }))

  it.effect("when the decision fails", () =>
    Effect.gen(function*() {
      const spans = yield* compare((e) => e, true)
      expect(spans.map((s) => [s.name, s.exit])).toEqual([["Command.run Deposit", "Failure"], ["DecisionModel.read", "Success"]])
    }))
})

/**
 * The spans of a command's run (the run's span, and the read and append spans
 * below it), made straight from the installed tracer: the run reads the
 * tracer, the clock and the span settings from its context once, and opens
 * and ends each span itself. `Effect.useSpan` looks all of these up again
 * for every span (~1.4 µs a span, a third of a short command, against
 * ~0.2 µs here).
 *
 * The spans are the ones `Effect.useSpan` makes: same parent (the fiber's
 * current span), same `sampled` (false under an unsampled parent or when
 * the trace level is below the minimum), the annotations and links of
 * `Effect.annotateSpans` / `Effect.linkSpans` in context, start and end
 * times from the `Clock` (none when `TracerTimingEnabled` is off), ended
 * with the effect's exit. When tracing is disabled, or the current span
 * disables propagation, the run goes through `Effect.useSpan` itself.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"

/**
 * The spans of one run: `run` wraps the whole run in its span (the parent of
 * every span made inside it, and a stack frame named after it) and sets
 * attributes from its result; `leaf` wraps one step in a span under the
 * run's span (nothing below a leaf makes spans, so it is not made a parent).
 *
 * @internal
 */
export interface RunSpans {
  readonly run: <A, E, R>(
    name: string,
    attributes: Readonly<Record<string, unknown>>,
    body: Effect.Effect<A, E, R>,
    onSuccess: (span: Tracer.Span, value: A) => void
  ) => Effect.Effect<A, E, R>
  readonly leaf: <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** The stack of a run's frame: none (`captureStackTrace: false`). */
const noStack = (): string | undefined => undefined

/** The run's span as the current span of its body, and its stack frame (one context change for both). */
const asParent = <R>(context: Context.Context<R>, span: Tracer.Span, name: string): Context.Context<R> =>
  Context.add(Context.add(context, Tracer.ParentSpan, span), References.CurrentStackFrame, {
    name,
    stack: noStack,
    parent: Context.get(context, References.CurrentStackFrame)
  })

/** Through `Effect.useSpan`: for the contexts the direct path does not handle. */
const viaUseSpan: RunSpans = {
  run: (name, attributes, body, onSuccess) =>
    Effect.useSpan(name, { attributes }, (span) =>
      Effect.updateContext(
        Effect.map(body, (value) => {
          onSuccess(span, value)
          return value
        }),
        (context) => asParent(context, span, name)
      )),
  leaf: (name, effect) => Effect.useSpan(name, () => effect)
}

/** What a context says about making spans, read once per context (contexts are immutable). */
interface Settings {
  readonly current: Option.Option<Tracer.AnySpan>
  readonly tracer: Tracer.Tracer
  readonly clock: Clock.Clock
  readonly timing: boolean
  readonly annotations: Readonly<Record<string, unknown>>
  readonly links: ReadonlyArray<Tracer.SpanLink>
  /** `sampled` of a span whose parent is not unsampled: the trace level is not below the minimum. */
  readonly levelSampled: boolean
}

const settingsCache = new WeakMap<Context.Context<never>, Settings | null>()

/** The context's settings, or `null` when its spans go through `Effect.useSpan` (tracing off, no propagation). */
const settingsOf = (context: Context.Context<never>): Settings | null => {
  let settings = settingsCache.get(context)
  if (settings === undefined) {
    const current = Context.getOption(context, Tracer.ParentSpan)
    settings = !Context.get(context, References.TracerEnabled) ||
        (Option.isSome(current) && Context.get(current.value.annotations, Tracer.DisablePropagation))
      ? null
      : {
        current,
        tracer: Context.get(context, Tracer.Tracer),
        clock: Context.get(context, Clock.Clock),
        timing: Context.get(context, References.TracerTimingEnabled),
        annotations: Context.get(context, References.TracerSpanAnnotations),
        links: Context.get(context, References.TracerSpanLinks),
        levelSampled: !LogLevel.isGreaterThan(
          Context.get(context, Tracer.MinimumTraceLevel),
          Context.get(context, Tracer.CurrentTraceLevel)
        )
      }
    settingsCache.set(context, settings)
  }
  return settings
}

/** The spans of one run, made from the tracer (methods on the prototype: a run allocates this object only). */
class Direct implements RunSpans {
  readonly settings: Settings
  /** The run's span once opened (the leaves' parent). */
  parent: Option.Option<Tracer.AnySpan>

  constructor(settings: Settings) {
    this.settings = settings
    this.parent = settings.current
  }

  now(): bigint {
    return this.settings.timing ? this.settings.clock.currentTimeNanosUnsafe() : 0n
  }

  open(name: string, parent: Option.Option<Tracer.AnySpan>, attributes?: Readonly<Record<string, unknown>>): Tracer.Span {
    const { annotations, links } = this.settings
    const span = this.settings.tracer.span({
      name,
      parent,
      annotations: Context.empty(),
      links: links.length === 0 ? [] : links.slice(),
      startTime: this.now(),
      kind: "internal",
      root: false,
      sampled: Option.isSome(parent) && parent.value.sampled === false ? false : this.settings.levelSampled
    })
    for (const key in annotations) span.attribute(key, annotations[key])
    if (attributes !== undefined) {
      for (const key in attributes) span.attribute(key, attributes[key])
    }
    return span
  }

  ended<A, E, R>(effect: Effect.Effect<A, E, R>, span: Tracer.Span): Effect.Effect<A, E, R> {
    return Effect.onExit(effect, (exit: Exit.Exit<A, E>) => {
      if (span.status._tag !== "Ended") span.end(this.now(), exit)
      return Effect.void
    })
  }

  run<A, E, R>(
    name: string,
    attributes: Readonly<Record<string, unknown>>,
    body: Effect.Effect<A, E, R>,
    onSuccess: (span: Tracer.Span, value: A) => void
  ): Effect.Effect<A, E, R> {
    const span = this.open(name, this.settings.current, attributes)
    this.parent = Option.some(span)
    return Effect.onExit(
      Effect.updateContext(body, (context) => asParent(context, span, name)),
      (exit: Exit.Exit<A, E>) => {
        if (span.status._tag !== "Ended") {
          // what the run did, set before the span ends
          if (exit._tag === "Success") onSuccess(span, exit.value)
          span.end(this.now(), exit)
        }
        return Effect.void
      }
    )
  }

  leaf<A, E, R>(name: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    // opened when the step runs (a retry's read is built before its backoff)
    return Effect.suspend(() => this.ended(effect, this.open(name, this.parent)))
  }
}

/**
 * The spans of a run in this context (the run's context).
 *
 * @internal
 */
export const make = (context: Context.Context<never>): RunSpans => {
  const settings = settingsOf(context)
  return settings === null ? viaUseSpan : new Direct(settings)
}

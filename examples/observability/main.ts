/**
 * Observability: a command's spans exported through `@effect/opentelemetry`
 * into an OpenTelemetry SDK tracer provider, and Fairway's metrics.
 *
 * The tracer provider here has an in-memory exporter, printed as a tree at
 * the end; in production put your exporter in its place (e.g.
 * `OTLPTraceExporter` of `@opentelemetry/exporter-trace-otlp-http`, behind a
 * `BatchSpanProcessor`). Metrics are Effect metrics: read them with
 * `Metric.snapshot`, or export them with `OtelMetrics.layer` of
 * `@effect/opentelemetry` and a `MetricReader` of `@opentelemetry/sdk-metrics`.
 * Every span and metric is listed in `docs/observability.md`.
 *
 * Run: `npm run example -- observability`.
 *
 * @since 0.1.0
 */
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Console, Effect, Layer, Metric } from "effect"
import { Command } from "fairway/Module"
import { DefineCourse, SubscribeStudentToCourse } from "../courses/commands.ts"

const exporter = new InMemorySpanExporter()

/**
 * Effect's tracer backed by an OpenTelemetry tracer provider: every
 * `Effect.withSpan` (Fairway's spans included) becomes an OpenTelemetry span.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerTracing = OtelTracer.layer.pipe(Layer.provide(Layer.succeed(
  OtelTracer.OtelTracerProvider,
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
)))

const printTree = (spans: ReadonlyArray<ReadableSpan>) => {
  const lines: Array<string> = []
  const visit = (span: ReadableSpan, depth: number) => {
    const attributes = Object.entries(span.attributes).map(([k, v]) => `${k}=${String(v)}`).join(" ")
    const status = span.status.code === 2 ? " [error]" : ""
    lines.push(`${"  ".repeat(depth)}${span.name}${status}${attributes === "" ? "" : `  ${attributes}`}`)
    for (const child of spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId)) visit(child, depth + 1)
  }
  for (const root of spans.filter((s) => s.parentSpanContext === undefined)) visit(root, 0)
  return lines.join("\n")
}

/**
 * Two commands traced, then the span tree and the command metrics printed.
 *
 * @category programs
 * @since 0.1.0
 */
export const program = Effect.gen(function*() {
  yield* Effect.gen(function*() {
    yield* Command.run(DefineCourse, { courseId: "math", capacity: 2 })
    yield* Command.run(SubscribeStudentToCourse, { studentId: "alice", courseId: "math" }, { idempotencyKey: "req-1" })
    yield* Effect.flip(Command.run(SubscribeStudentToCourse, { studentId: "alice", courseId: "math" }))
  }).pipe(Effect.provide(layerTracing))
  yield* Console.log("spans, as the OpenTelemetry exporter received them:")
  yield* Console.log(printTree(exporter.getFinishedSpans()))
  yield* Console.log("\nmetrics:")
  for (const metric of yield* Metric.snapshot) {
    if (metric.id.startsWith("fairway_command")) {
      yield* Console.log(`  ${metric.id} ${JSON.stringify(metric.attributes ?? {})} ${JSON.stringify(metric.state, (_, v) => typeof v === "bigint" ? v.toString() : v)}`)
    }
  }
})

/**
 * Benchmark plumbing: result rows, ratios against the peers, percentiles, the
 * stdout table and `bench/results.json`.
 *
 * @since 0.1.0
 */
import type { Backend } from "./backends/Backend.ts"

/**
 * One figure of one backend in one scenario. `ratio` (Fairway rows only) is
 * Fairway's figure divided by each peer's figure for the same scenario and
 * metric; `better` says which way is good.
 *
 * @since 0.1.0
 */
export interface Row {
  readonly scenario: string
  readonly backend: string
  readonly metric: string
  readonly figure: number
  readonly unit: string
  readonly better: "higher" | "lower" | "none"
  ratio?: Record<string, number>
  readonly note?: string
}

/**
 * The run's settings.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly quick: boolean
  /** Per backend and configuration, milliseconds of work before a loop stops. */
  readonly budgetMs: number
  /**
   * What throughput figures divide by: the main thread's CPU time (user +
   * system, `process.threadCpuUsage`; the default: the machines are shared,
   * and CPU time moves far less with the neighbours' load; the garbage
   * collector's helper threads are not counted, its main-thread work is) or
   * wall time.
   */
  readonly clock: "cpu" | "wall"
}

/**
 * The main thread's CPU time so far, or since `previous` (Node ≥ 23.9;
 * falls back to the process's CPU time).
 *
 * @since 0.1.0
 */
export const threadCpu = (previous?: NodeJS.CpuUsage): NodeJS.CpuUsage =>
  typeof process.threadCpuUsage === "function" ? process.threadCpuUsage(previous) : process.cpuUsage(previous)

/**
 * Starts a stopwatch on the run's clock; calling the result gives the seconds elapsed.
 *
 * @since 0.1.0
 */
export const stopwatch = (settings: Settings): () => number => {
  if (settings.clock === "wall") {
    const t0 = performance.now()
    return () => (performance.now() - t0) / 1000
  }
  const c0 = threadCpu()
  return () => {
    const d = threadCpu(c0)
    return (d.user + d.system) / 1e6
  }
}

/**
 * "e 1, t 1, g 2, x 2": keys per event by kind, from a backend's key counts.
 *
 * @since 0.1.0
 */
export const keysNote = (before: Record<string, number>, after: Record<string, number>, events: number): string =>
  "keys/event " + Object.keys(after).sort().filter((k) => k === "e" || k === "t" || k === "g" || k === "x")
    .map((k) => `${k} ${((after[k]! - (before[k] ?? 0)) / events).toFixed(2)}`).join(", ")

/**
 * Collects rows and prints each scenario's table as it completes.
 *
 * @since 0.1.0
 */
export class Report {
  readonly rows: Array<Row> = []
  readonly notes: Array<string> = []
  readonly backends: ReadonlyArray<Backend>
  readonly kinds: Map<string, Backend["kind"]>
  constructor(backends: ReadonlyArray<Backend>) {
    this.backends = backends
    this.kinds = new Map(backends.map((b) => [b.name, b.kind] as const))
  }

  /** Declares a row name that is Fairway (e.g. a backend driven through a module), for the ratio columns. */
  registerFairway(name: string): void {
    this.kinds.set(name, "fairway")
  }

  add(row: Row): void {
    this.rows.push(row)
  }

  note(text: string): void {
    this.notes.push(text)
    console.log(`  note: ${text}`)
  }

  /** Fills the ratio of every Fairway row of a scenario against every peer row of the same metric. */
  computeRatios(scenario: string): void {
    const rows = this.rows.filter((r) => r.scenario === scenario)
    const kind = this.kinds
    for (const row of rows) {
      if (kind.get(row.backend) !== "fairway" || row.better === "none") continue
      const ratio: Record<string, number> = {}
      for (const peer of rows) {
        if (peer.metric !== row.metric || kind.get(peer.backend) === "fairway" || peer.figure === 0) continue
        ratio[peer.backend] = row.figure / peer.figure
      }
      row.ratio = ratio
    }
  }

  /** Prints one scenario's rows. */
  print(scenario: string): void {
    this.computeRatios(scenario)
    const rows = this.rows.filter((r) => r.scenario === scenario)
    const peers = this.backends.filter((b) => b.kind !== "fairway").map((b) => b.name)
    const header = ["metric", "backend", "figure", "unit", ...peers.map((p) => `÷ ${p}`), "note"]
    const body = rows.map((r) => [
      r.metric,
      r.backend,
      formatNumber(r.figure),
      r.unit + (r.better === "higher" ? " ↑" : r.better === "lower" ? " ↓" : ""),
      ...peers.map((p) => (r.ratio?.[p] === undefined ? "" : formatRatio(r.ratio[p]!))),
      r.note ?? ""
    ])
    console.log(`\n## ${scenario}`)
    console.log(table(header, body))
  }
}

/**
 * The whole run in one compact Markdown table (for the README): one row per
 * scenario and metric, one column per backend (and per Fairway row driven
 * through a module), then Fairway memory ÷ each peer.
 *
 * @since 0.1.0
 */
export const summary = (report: Report): string => {
  const columns: Array<string> = []
  for (const row of report.rows) if (!columns.includes(row.backend)) columns.push(row.backend)
  const main = columns.find((c) => report.kinds.get(c) === "fairway")
  const peers = columns.filter((c) => report.kinds.get(c) !== "fairway")
  const keys: Array<string> = []
  for (const row of report.rows) {
    const key = `${row.scenario}\u0000${row.metric}`
    if (!keys.includes(key)) keys.push(key)
  }
  const body = keys.map((key) => {
    const [scenario, metric] = key.split("\u0000") as [string, string]
    const rows = report.rows.filter((r) => r.scenario === scenario && r.metric === metric)
    const unit = rows[0]?.unit ?? ""
    const mainRow = rows.find((r) => r.backend === main)
    return [
      `${scenario.split(" ")[0]} ${metric}`,
      unit,
      ...columns.map((c) => {
        const r = rows.find((x) => x.backend === c)
        return r === undefined ? "—" : formatNumber(r.figure)
      }),
      ...peers.map((p) => (mainRow?.ratio?.[p] === undefined ? "" : formatRatio(mainRow.ratio[p]!)))
    ]
  })
  return table(["scenario, metric", "unit", ...columns, ...peers.map((p) => `${main ?? "Fairway"} ÷ ${p}`)], body, {
    lastIsText: false
  })
}

/**
 * A Markdown table with padded columns.
 *
 * @since 0.1.0
 */
export const table = (
  header: ReadonlyArray<string>,
  body: ReadonlyArray<ReadonlyArray<string>>,
  options?: { readonly lastIsText?: boolean }
): string => {
  const lastIsText = options?.lastIsText ?? true
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)))
  const text = (i: number, n: number) => i === 0 || i === 1 || (lastIsText && i === n - 1)
  const line = (cells: ReadonlyArray<string>) =>
    "| " + cells.map((c, i) => (text(i, cells.length) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |"
  return [line(header), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join("\n")
}

/**
 * A number with 3 significant digits and a k/M suffix.
 *
 * @since 0.1.0
 */
export const formatNumber = (n: number): string => {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(3)}M`
  if (abs >= 1e4) return `${(n / 1e3).toPrecision(3)}k`
  if (abs >= 100) return n.toFixed(0)
  if (abs >= 1) return n.toPrecision(3)
  if (abs === 0) return "0"
  return n.toPrecision(2)
}

/**
 * A ratio, e.g. `12.3×`.
 *
 * @since 0.1.0
 */
export const formatRatio = (n: number): string => `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)}×`

/**
 * The q-quantile (0..1) of samples (nearest rank).
 *
 * @since 0.1.0
 */
export const quantile = (samples: ReadonlyArray<number>, q: number): number => {
  if (samples.length === 0) return NaN
  const sorted = samples.slice().sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/**
 * The median of samples (the mean of the two middle ones when their number is even).
 *
 * @since 0.1.0
 */
export const median = (samples: ReadonlyArray<number>): number => {
  if (samples.length === 0) return NaN
  const sorted = samples.slice().sort((a, b) => a - b)
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2
}

/**
 * Runs a full garbage collection, when the process was started with
 * `--expose-gc`.
 *
 * @since 0.1.0
 */
export const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc
  if (g !== undefined) {
    g()
    g()
  }
}

/**
 * Lets pending timers and I/O run, so a scenario starts on a quiet event loop.
 *
 * @since 0.1.0
 */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

/**
 * What every backend of the benchmark implements: a store opened fresh per
 * scenario, driven through whole workloads (not single operations), so that
 * each backend runs its loop the way its users would write it (an Effect
 * program for Fairway, `async` code for the peers, plain loops for the
 * in-process reference).
 *
 * Adding a backend is one entry in `bench/backends/index.ts`.
 *
 * @since 0.1.0
 */

/**
 * A benchmark event, in a backend-neutral form. `stream` is the stream an
 * event goes to on a stream-based store (Emmett): one tag maps to one stream.
 *
 * @since 0.1.0
 */
export interface BenchEvent {
  readonly type: string
  readonly tags: ReadonlyArray<string>
  readonly data: Uint8Array
  readonly stream: string
}

/**
 * A read: one tag or one type.
 *
 * @since 0.1.0
 */
export type BenchQuery =
  | { readonly _tag: "Tag"; readonly tag: string }
  | { readonly _tag: "Type"; readonly type: string }

/**
 * The outcome of repeated reads: one duration (ms) per read, and the number of
 * events the last read returned.
 *
 * @since 0.1.0
 */
export interface ReadResult {
  readonly samples: ReadonlyArray<number>
  readonly count: number
}

/**
 * A command workload: `writers` concurrent writers each run up to `perWriter`
 * commands, the i-th on tag `tagOf(writer, i)`. A command reads the events of
 * its tag, decides, and appends one event conditionally, retrying on a
 * condition failure (at most `maxAttempts` attempts).
 *
 * @since 0.1.0
 */
export interface CommandPlan {
  readonly writers: number
  readonly perWriter: number
  readonly tagOf: (writer: number, i: number) => string
  readonly maxAttempts: number
  /** `performance.now()` after which no new command starts. */
  readonly deadline: number
}

/**
 * The outcome of a command workload.
 *
 * @since 0.1.0
 */
export interface CommandResult {
  /** Commands run to an end (success or give up). */
  readonly commands: number
  readonly successes: number
  /** Appends rejected by their condition (each followed by a retry, unless given up). */
  readonly conditionFailures: number
  readonly retries: number
  readonly gaveUp: number
}

/**
 * How a command module is driven: `caller` `"effect"` runs every writer inside
 * one Effect program, `"promise"` calls each command with its own
 * `runPromise` (as a promise-based caller would); `cache` runs it with the
 * decision model cache (Fairway: `DecisionCache`).
 *
 * @since 0.1.0
 */
export interface ModuleOptions {
  readonly caller?: "effect" | "promise" | undefined
  readonly cache?: boolean | undefined
  /** Runs with a tracer installed (one that hands every span to a sink, as an exporter would). */
  readonly traced?: boolean | undefined
}

/**
 * An open store.
 *
 * @since 0.1.0
 */
export interface Store {
  /** Appends the events one per append, sequentially, until done or `deadline`; returns how many were appended. */
  readonly appendEach: (events: ReadonlyArray<BenchEvent>, deadline: number) => Promise<number>
  /** Appends each batch in one append, sequentially, until done or `deadline`; returns how many events were appended. */
  readonly appendBatches: (batches: ReadonlyArray<ReadonlyArray<BenchEvent>>, deadline: number) => Promise<number>
  /** Loads events as fast as the backend allows (not timed). */
  readonly load: (batches: Iterable<ReadonlyArray<BenchEvent>>) => Promise<void>
  /** Reads `reps` times (stopping at `deadline`), folding each event (count and last position). `undefined`: unsupported. */
  readonly read: (query: BenchQuery, reps: number, deadline: number) => Promise<ReadResult | undefined>
  readonly commands: (plan: CommandPlan) => Promise<CommandResult>
  /** Catches a view (balance per account of every `Deposited` event) up with the store; resolves to the events applied. */
  readonly viewCatchUp?: () => Promise<number>
  /** The same commands through a higher-level command module (Fairway: `Command.run`), if any. */
  readonly moduleCommands?: (plan: CommandPlan, options?: ModuleOptions) => Promise<CommandResult>
  /** Backend counters (e.g. FoundationDB transaction conflicts, keys written), if any. */
  readonly counters?: () => Promise<Record<string, number>>
  /** Keys stored, by kind (FoundationDB: `e` log, `t` type index, `g` / `x` tag indexes…), if the backend has keys. */
  readonly keys?: () => Promise<Record<string, number>>
  readonly close: () => Promise<void>
}

/**
 * A backend: how to open a fresh store.
 *
 * @since 0.1.0
 */
export interface Backend {
  readonly name: string
  /** "fairway" rows get ratio columns against every peer and the reference. */
  readonly kind: "fairway" | "peer" | "reference"
  /** Reads of one type are supported (stream stores have no type index). */
  readonly open: () => Promise<Store>
  /** Largest store size this backend is loaded with in the read and heap scenarios (slow loaders stop earlier). */
  readonly maxEvents?: number
  /** The same, in quick mode. */
  readonly maxEventsQuick?: number
  /** `false`: scenario 6 does not measure this backend's heap (e.g. a simulator's memory says nothing of the real store). */
  readonly measureHeap?: boolean
  /** A peer scenario 3 also measures against Fairway in paired processes (see `pairedPeers`). */
  readonly paired?: boolean
}

/**
 * The largest store a backend is loaded with in this mode.
 *
 * @since 0.1.0
 */
export const maxEvents = (backend: Backend, quick: boolean): number =>
  (quick ? backend.maxEventsQuick : undefined) ?? backend.maxEvents ?? Infinity

/** Tag of the event type a command appends. */
export const COMMAND_EVENT_TYPE = "Deposited"

const encoder = new TextEncoder()

/**
 * A small JSON payload, encoded the way users encode theirs.
 *
 * @since 0.1.0
 */
export const payload = (i: number): Uint8Array => encoder.encode(`{"amount":${i % 1000}}`)

/**
 * Runs a command workload for a promise-based store: `plan.writers` writers,
 * each running commands one after another until `plan.perWriter` or the
 * deadline; a command retries `attempt` while the store rejects its append
 * ("conflict"), at most `plan.maxAttempts` times.
 *
 * @since 0.1.0
 */
export const runPromiseCommands = async (
  plan: CommandPlan,
  attempt: (tag: string) => Promise<"appended" | "conflict">
): Promise<CommandResult> => {
  const stats = { successes: 0, conditionFailures: 0, retries: 0, gaveUp: 0 }
  let commands = 0
  const one = async (tag: string) => {
    for (let n = 1;; n++) {
      if ((await attempt(tag)) === "appended") {
        stats.successes++
        return
      }
      stats.conditionFailures++
      if (n >= plan.maxAttempts || performance.now() > plan.deadline + 1000) {
        stats.gaveUp++
        return
      }
      stats.retries++
    }
  }
  await Promise.all(Array.from({ length: plan.writers }, async (_, w) => {
    for (let i = 0; i < plan.perWriter; i++) {
      if (performance.now() > plan.deadline) return
      await one(plan.tagOf(w, i))
      commands++
    }
  }))
  return { commands, ...stats }
}

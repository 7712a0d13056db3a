/**
 * An in-memory, deterministic simulator of the FoundationDB semantics that
 * Fairway relies on, behind the same `FdbDatabase` interface as the live
 * binding (`FdbDatabase.layerSimulated`).
 *
 * What it reproduces (each rule has a test in `test/fdb/FdbSimulator.test.ts`):
 * - MVCC: a transaction reads at one read version (taken at its first read)
 *   plus its own writes (read-your-writes, including clears);
 * - optimistic concurrency: at commit, a transaction whose read conflict
 *   ranges intersect the writes of a transaction committed after its read
 *   version fails with `not_committed` (1020); snapshot reads record no
 *   range; blind writes never conflict; a range read stopped by its limit
 *   records a range only up to the last key returned; keys and ranges the
 *   transaction set or cleared itself are left out of its read conflict
 *   ranges (their values did not come from the database); read-only
 *   transactions always commit;
 * - versionstamps: 8 bytes of commit version (increasing with commit order)
 *   and 2 bytes of batch order; the keys a versionstamped key may become are
 *   unreadable in its own transaction (1036): from the stamp just above the
 *   read version if the transaction had one when it set the key (keys stamped
 *   before stay readable), else from stamp 0, as FoundationDB's client computes;
 * - limits: keys 10,000 bytes (2102), values 100,000 bytes (2103),
 *   transactions 10,000,000 bytes counted as FoundationDB's client counts them
 *   (2101, see `TransactionSize`), keys at or above `\xff` (2004), inverted
 *   ranges (2005), read version age 5 s (1007, on the Effect `Clock`, so
 *   `TestClock` controls it, plus virtual time), the `timeoutMillis` option
 *   (1031, across retries; a read still in flight when it elapses fails too)
 *   and the `retryLimit` option; a read-only transaction commits as a
 *   no-op, however old;
 * - costs ({@link CostProfile}): virtual time per get-read-version, read (per
 *   round trip, key and byte) and commit, with seeded jitter, and `onError`
 *   backoff; `"realistic"` uses FoundationDB's published latencies;
 * - unknown outcomes that persist: once an attempt ended in 1021 (or a
 *   timeout or an interruption landed while its commit was in flight), the
 *   loop's final error carries `unknownResult`;
 * - faults drawn from a seeded generator: injected `not_committed`,
 *   `commit_unknown_result` (1021: applied, not applied, or still in flight —
 *   landing just before the next commit of any transaction, if it still
 *   resolves without conflict) and delays
 *   (scheduler yields that reorder concurrent transactions); the same seed and
 *   the same program replay the same run;
 * - watches: a watch reads its key (a read version and a read conflict
 *   range, as the client's non-snapshot read) and fires when the key's value
 *   differs from the value it read (the transaction's own later write
 *   included); a key over 10,000 bytes fails with 2102; at most 10,000 outstanding (past it, `too_many_watches`
 *   1032, as the client's default `max_watches`); a commit interrupted in
 *   flight lands later only if the client would have sent it (it wrote, and
 *   within the size limit);
 * - the `doTn` retry loop (retry on retryable codes, body re-run from scratch).
 *
 * Every read and commit yields to the scheduler once, like a network round
 * trip, so concurrent fibers interleave.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FdbError from "./FdbError.ts"
import type * as FdbDatabase from "./FdbDatabase.ts"
import * as TransactionSize from "./TransactionSize.ts"

// -----------------------------------------------------------------------------
// Options and control
// -----------------------------------------------------------------------------

/**
 * Faults to inject, as probabilities in `[0, 1]`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Faults {
  /** Probability that a committing (writing) transaction fails with an injected `not_committed` (1020). */
  readonly notCommitted?: number | undefined
  /**
   * Probability that a commit ends in `commit_unknown_result` (1021): applied, not applied, or still in
   * flight (it lands before the next commit of any transaction, unless it conflicts by then), with even odds.
   */
  readonly commitUnknownResult?: number | undefined
  /** Probability that a read or a commit is delayed by 1..`maxDelayYields` extra scheduler yields. */
  readonly delay?: number | undefined
  /** Most yields of one delay (default 20). */
  readonly maxDelayYields?: number | undefined
}

/**
 * A moderate fault mix for tests: 5% injected conflicts, 5% unknown
 * results, 30% delays.
 *
 * @category models
 * @since 0.1.0
 */
export const defaultFaults: Faults = { notCommitted: 0.05, commitUnknownResult: 0.05, delay: 0.3, maxDelayYields: 20 }

/**
 * What a cluster charges, in milliseconds of virtual time (see
 * `docs/fdb-layout.md`, "Cost model"). Each latency given as `[min, max]` is
 * drawn uniformly from a generator seeded by the simulator's seed (the
 * jitter), so a run replays exactly.
 *
 * Virtual time is accounted per transaction, not slept: operations a body
 * issues one after the other add up, operations it issues concurrently
 * overlap. A transaction's age (1007 `transaction_too_old` after 5 s) and its
 * `timeoutMillis` (1031) count this virtual time on top of the `Clock`.
 *
 * @category models
 * @since 0.1.0
 */
export interface CostProfile {
  /** A name for reports. */
  readonly name: string
  /** Get-read-version (start of a transaction, at its first read). */
  readonly getReadVersion: readonly [number, number]
  /** One read round trip (a point read, or one reply of a range read). */
  readonly read: readonly [number, number]
  /** Added per key returned by a range read. */
  readonly perKey: number
  /** Added per byte (keys and values) returned by a read. */
  readonly perByte: number
  /** Bytes of one range-read reply; a larger result takes more round trips (`REPLY_BYTE_LIMIT`). */
  readonly replyBytes: number
  /** A commit of a writing transaction. */
  readonly commit: readonly [number, number]
  /** Added per byte of the commit (its size as FoundationDB counts it, `TransactionSize`). */
  readonly commitPerByte: number
  /**
   * `onError`'s backoff before a retry: the first retry waits up to `initial` ms, each retry
   * multiplies it by `growth` up to `max` (the wait is that bound times a uniform draw in [0, 1)).
   */
  readonly backoff: { readonly initial: number; readonly max: number; readonly growth: number }
}

/**
 * No costs: every operation takes no virtual time and retries do not back
 * off (the simulator's default, for tests of semantics only).
 *
 * @category models
 * @since 0.1.0
 */
export const freeCosts: CostProfile = {
  name: "free",
  getReadVersion: [0, 0],
  read: [0, 0],
  perKey: 0,
  perByte: 0,
  replyBytes: 80_000,
  commit: [0, 0],
  commitPerByte: 0,
  backoff: { initial: 0, max: 0, growth: 1 }
}

/**
 * A healthy cluster under 75% load, from FoundationDB's published figures:
 * start transaction 0.3–1 ms, read 0.1–1 ms, commit 1.5–2.5 ms (the
 * "Performance" page of the FoundationDB documentation); a range-read reply
 * of at most 80,000 bytes (`REPLY_BYTE_LIMIT`, `fdbclient/ClientKnobs.cpp`);
 * `onError` backoff from 10 ms doubling to 1 s (`DEFAULT_BACKOFF`,
 * `BACKOFF_GROWTH_RATE`, `DEFAULT_MAX_BACKOFF`). The per-key (1 µs) and
 * per-byte (10 ns read, 10 ns commit) costs are our estimates of a storage
 * server's and a log's throughput, not published figures.
 *
 * @category models
 * @since 0.1.0
 */
export const realisticCosts: CostProfile = {
  name: "realistic",
  getReadVersion: [0.3, 1],
  read: [0.1, 1],
  perKey: 0.001,
  perByte: 0.00001,
  replyBytes: 80_000,
  commit: [1.5, 2.5],
  commitPerByte: 0.00001,
  backoff: { initial: 10, max: 1_000, growth: 2 }
}

/**
 * Options of the simulator.
 *
 * @category models
 * @since 0.1.0
 */
export interface SimulatorOptions {
  /** Seed of the fault generator (default 1). */
  readonly seed?: number | undefined
  /** Faults to inject: `true` for {@link defaultFaults}; absent or `false`: none. */
  readonly faults?: Faults | boolean | undefined
  /**
   * What operations cost in virtual time: `"realistic"` ({@link realisticCosts}),
   * `"free"` ({@link freeCosts}, the default) or a {@link CostProfile}.
   */
  readonly costs?: CostProfile | "realistic" | "free" | undefined
}

/**
 * The cost profile an option names.
 *
 * @category models
 * @since 0.1.0
 */
export const costProfile = (costs: CostProfile | "realistic" | "free" | undefined): CostProfile =>
  costs === "realistic" ? realisticCosts : costs === undefined || costs === "free" ? freeCosts : costs

/**
 * Counters of what happened in a simulated database.
 *
 * @category models
 * @since 0.1.0
 */
export interface Stats {
  /** Commits that wrote (each got a commit version). */
  readonly commits: number
  /** Read-only commits. */
  readonly readOnlyCommits: number
  /** Real conflicts detected at commit (`not_committed` not injected). */
  readonly conflicts: number
  /** Injected `not_committed`. */
  readonly injectedNotCommitted: number
  /** Injected `commit_unknown_result` whose commit was applied (at once, or when it landed later). */
  readonly unknownResultCommitted: number
  /** Injected `commit_unknown_result` whose commit was still in flight (it lands, or not, at the next commit). */
  readonly unknownResultDeferred: number
  /** Injected `commit_unknown_result` whose commit was not applied. */
  readonly unknownResultNotCommitted: number
  /** Body re-runs of the retry loop. */
  readonly retries: number
  /** Injected delays. */
  readonly delays: number
  /** Transactions (`transact` calls) finished, committed or failed. */
  readonly transactions: number
  /** Mutations (sets, clears, versionstamped keys and values) of the commits applied. */
  readonly mutations: number
  /** Virtual milliseconds those transactions took, retries and backoff included (see {@link CostProfile}). */
  readonly virtualMillis: number
}

/**
 * Control of a simulated database, provided next to it by
 * `FdbDatabase.layerSimulated`.
 *
 * @category models
 * @since 0.1.0
 */
export interface FdbSimulatorShape {
  /** The seed the simulator was made with. */
  readonly seed: number
  /** A copy of the counters. */
  readonly stats: Effect.Effect<Stats>
  /** Sets the counters back to zero. */
  readonly resetStats: Effect.Effect<void>
  /** Replaces the faults (e.g. off while a test sets up, then on). */
  readonly setFaults: (faults: Faults | boolean) => Effect.Effect<void>
  /** Lands the commits still in flight after an injected `commit_unknown_result` (applied, or dropped on conflict). */
  readonly settle: Effect.Effect<void>
  /** Every live key-value pair at the latest version, in key order. */
  readonly dump: Effect.Effect<ReadonlyArray<FdbDatabase.KeyValue>>
  /** The latest commit version. */
  readonly version: Effect.Effect<number>
  /** The cost profile in use. */
  readonly costs: CostProfile
  /**
   * The virtual duration in milliseconds of each transaction finished since the
   * last {@link FdbSimulatorShape.resetStats} (at most the last 100,000), in finishing order.
   */
  readonly durations: Effect.Effect<ReadonlyArray<number>>
}

/**
 * A meter of virtual time: when a fiber runs with this service provided, each
 * transaction it finishes adds its virtual duration (retries and backoff
 * included) to it. The benchmark of modeled FoundationDB figures uses it to
 * time each command, whatever else runs concurrently.
 *
 * @category services
 * @since 0.1.0
 */
export class Meter extends Context.Service<Meter, { readonly add: (millis: number) => void }>()("fairway/FdbSimulator/Meter") {}

/**
 * The control service of a simulated database.
 *
 * @category services
 * @since 0.1.0
 */
export class FdbSimulator extends Context.Service<FdbSimulator, FdbSimulatorShape>()("fairway/FdbSimulator") {}

// -----------------------------------------------------------------------------
// Bytes as binary strings (one char per byte: string order = byte order)
// -----------------------------------------------------------------------------

const toStr = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")

const toBytes = (s: string): Uint8Array => {
  const b = Buffer.from(s, "latin1")
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice()
}

const after = (s: string): string => s + "\x00"

/** A versionstamp: 8 bytes of commit version (big-endian), then 2 bytes of order within the batch (0 here). */
const stampOf = (version: number): Uint8Array => {
  const stamp = new Uint8Array(10)
  new DataView(stamp.buffer).setBigUint64(0, BigInt(version))
  return stamp
}

// -----------------------------------------------------------------------------
// Sorted key set (chunked sorted arrays)
// -----------------------------------------------------------------------------

const CHUNK = 512

const lowerBound = (list: ReadonlyArray<string>, key: string): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (list[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

class SortedKeys {
  chunks: Array<Array<string>> = [[]]
  /** Index of the first chunk whose last key is >= key (or the last chunk). */
  chunkFor(key: string): number {
    let lo = 0
    let hi = this.chunks.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = this.chunks[mid]!
      if (c[c.length - 1]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  add(key: string): void {
    const ci = this.chunkFor(key)
    const c = this.chunks[ci]!
    const i = lowerBound(c, key)
    if (c[i] === key) return
    c.splice(i, 0, key)
    // Stryker disable next-line EqualityOperator: where a chunk splits is a performance choice; every read is the same
    if (c.length > CHUNK * 2) this.chunks.splice(ci, 1, c.slice(0, CHUNK), c.slice(CHUNK))
  }
  *ascending(begin: string, end: string): Generator<string> {
    let ci = this.chunkFor(begin)
    let i = lowerBound(this.chunks[ci]!, begin)
    for (; ci < this.chunks.length; ci++, i = 0) {
      const c = this.chunks[ci]!
      for (; i < c.length; i++) {
        if (c[i]! >= end) return
        yield c[i]!
      }
    }
  }
  *descending(begin: string, end: string): Generator<string> {
    let ci = this.chunkFor(end)
    let i = lowerBound(this.chunks[ci]!, end) - 1
    for (; ci >= 0; ci--, i = ci >= 0 ? this.chunks[ci]!.length - 1 : 0) {
      const c = this.chunks[ci]!
      for (; i >= 0; i--) {
        if (c[i]! < begin) return
        yield c[i]!
      }
    }
  }
}

// -----------------------------------------------------------------------------
// Deterministic generator (mulberry32)
// -----------------------------------------------------------------------------

const makeRng = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    // Stryker disable next-line ArithmeticOperator: another full-period, uniform sequence; the contract is uniform draws replayed by a seed (tested), not mulberry32's exact values
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    // Stryker disable next-line ArithmeticOperator: another mixing step of the same quality (see above)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// -----------------------------------------------------------------------------
// State
// -----------------------------------------------------------------------------

interface Entry {
  readonly version: number
  readonly value: Uint8Array | undefined
}

interface CommitRecord {
  readonly version: number
  readonly points: ReadonlyArray<string>
  readonly ranges: ReadonlyArray<readonly [string, string]>
}

interface Watcher {
  readonly key: string
  readonly value: Uint8Array | undefined
  readonly deferred: Deferred.Deferred<void, FdbError.FdbError>
}

type Mutation =
  | { readonly _tag: "Set"; readonly key: string; readonly value: Uint8Array }
  | { readonly _tag: "Clear"; readonly key: string }
  | { readonly _tag: "ClearRange"; readonly begin: string; readonly end: string }
  | {
    readonly _tag: "VsKey"
    readonly key: Uint8Array
    readonly offset: number
    readonly value: Uint8Array
    /** The transaction's read version when the key was set, if it had one (its stamp will be above it). */
    readonly readVersion: number | undefined
  }
  | { readonly _tag: "VsValue"; readonly key: string; readonly value: Uint8Array; readonly offset: number }

interface Attempt {
  readVersion: number | undefined
  readVersionAt: number
  /** Virtual milliseconds since the attempt started (the latest completion of its operations). */
  clock: number
  /** `clock` when the read version was taken. */
  readVersionClock: number
  /** The commit was sent (an interruption now leaves it in flight). */
  committing: boolean
  readonly writes: Map<string, Uint8Array | undefined>
  readonly clears: Array<readonly [string, string]>
  readonly mutations: Array<Mutation>
  readonly readConflicts: Array<readonly [string, string]>
  readonly unreadable: Array<readonly [string, string]>
  /** Each watch with the value it read when it was set. */
  readonly watches: Array<{
    readonly key: string
    readonly value: Uint8Array | undefined
    readonly deferred: Deferred.Deferred<void, FdbError.FdbError>
  }>
  readonly stamp: Deferred.Deferred<Uint8Array, FdbError.FdbError>
  done: boolean
}

const fail = (code: number, reason?: string) => Effect.fail(FdbError.make(code, reason))

const equalBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b
  if (a.length !== b.length) return false
  // Stryker disable next-line EqualityOperator: (i <= a.length) index a.length is past the end of both (same length): undefined === undefined
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const overlaps = (r: readonly [string, string], b: string, e: string): boolean => r[0] < e && b < r[1]

/** A range bound cut to the key limit + 1 byte (equivalent: no stored key is longer than the limit). */
const truncate = (bytes: Uint8Array): Uint8Array =>
  bytes.length > FdbError.fdbLimits.maxKeyBytes + 1 ? bytes.subarray(0, FdbError.fdbLimits.maxKeyBytes + 1) : bytes

/**
 * Most watches outstanding on one database (the client's `max_watches` database option, default 10,000):
 * past it a watch fails with `too_many_watches` (1032).
 */
const maxOutstandingWatches = 10_000

/** The largest value of an integer option (a C `int`). */
const INT_MAX = 2_147_483_647

/** The first key of the system keyspace: normal keys are below it. */
const SYSTEM = "\xff"

/** The clock of one `transact` call: real time since it started plus the virtual time of its finished attempts. */
interface Timer {
  readonly createdAt: number
  readonly timeoutMillis: number | undefined
  /** Virtual milliseconds of the attempts and backoffs before the current attempt. */
  before: number
}

/** Whether the transaction's `timeoutMillis` elapsed at real time `now` and virtual time `at` of the current attempt. */
const expired = (timer: Timer, now: number, at: number): boolean =>
  timer.timeoutMillis !== undefined && timer.timeoutMillis > 0 &&
  now - timer.createdAt + timer.before + at > timer.timeoutMillis

/** Age of an attempt's read version at real time `now` and virtual time `at`. */
const age = (attempt: Attempt, now: number, at: number): number =>
  now - attempt.readVersionAt + at - attempt.readVersionClock

/**
 * The size FoundationDB counts for a commit (see `TransactionSize`): the
 * coalesced mutations, read conflict ranges and write conflict ranges.
 */
const commitSize = (attempt: Attempt): number => {
  const sets = new Map<string, number>()
  const clears: Array<readonly [string, string]> = []
  const writeRanges: Array<readonly [string, string]> = []
  let stamped = 0
  for (const m of attempt.mutations) {
    switch (m._tag) {
      case "Set":
        sets.set(m.key, TransactionSize.mutationOverhead + m.key.length + m.value.length)
        break
      case "VsValue":
        sets.set(
          m.key,
          TransactionSize.mutationOverhead + m.key.length + m.value.length + TransactionSize.versionstampOffsetBytes
        )
        break
      case "Clear":
        sets.delete(m.key)
        clears.push([m.key, after(m.key)])
        break
      case "ClearRange":
        for (const k of [...sets.keys()]) if (m.begin <= k && k < m.end) sets.delete(k)
        clears.push([m.begin, m.end])
        break
      case "VsKey":
        // no write conflict range on the client: the commit proxy adds the key once it is stamped
        stamped += TransactionSize.versionstampedKey(m.key.length, m.value.length)
        break
    }
  }
  let size = stamped
  for (const [k, bytes] of sets) {
    size += bytes
    writeRanges.push([k, after(k)])
  }
  const cleared = TransactionSize.coalesce(clears)
  for (const [b, e] of cleared) size += TransactionSize.mutationOverhead + b.length + e.length
  size += TransactionSize.ranges(TransactionSize.coalesce([...writeRanges, ...cleared]))
  size += TransactionSize.ranges(TransactionSize.coalesce(attempt.readConflicts))
  return size
}

/**
 * Makes a simulated database: the `FdbDatabase` implementation and its
 * control.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: SimulatorOptions): {
  readonly database: FdbDatabase.FdbDatabaseShape
  readonly control: FdbSimulatorShape
} => {
  const seed = options?.seed ?? 1
  const rng = makeRng(seed)
  const costs = costProfile(options?.costs)
  // a generator of its own, so that turning costs on does not change which faults a seed injects
  const costRng = makeRng(seed ^ 0x5bd1e995)
  const draw = (range: readonly [number, number]): number =>
    // Stryker disable next-line EqualityOperator: with equal bounds both branches charge range[0] (the jittered one only uses up a draw)
    range[1] <= range[0] ? range[0] : range[0] + costRng() * (range[1] - range[0])
  /** Virtual cost of a read returning `keys` pairs of `bytes` bytes (`range`: a range read). */
  const readCost = (keys: number, bytes: number, range: boolean): number => {
    const trips = range ? Math.max(1, Math.ceil(bytes / costs.replyBytes)) : 1
    let t = 0
    for (let i = 0; i < trips; i++) t += draw(costs.read)
    return t + (range ? keys * costs.perKey : 0) + bytes * costs.perByte
  }
  const durations: Array<number> = []
  const toFaults = (f: Faults | boolean | undefined): Faults => (f === true ? defaultFaults : f === false || f === undefined ? {} : f)
  let faults = toFaults(options?.faults)

  let version = 0
  const keys = new SortedKeys()
  const history = new Map<string, Array<Entry>>()
  let commitLog: Array<CommitRecord> = []
  const watchers = new Map<string, Array<Watcher>>()
  /** Watches registered and not yet fired or cancelled (bounded by {@link maxOutstandingWatches}). */
  let outstandingWatches = 0
  const active = new Set<Attempt>()
  const zero: Stats = {
    commits: 0,
    readOnlyCommits: 0,
    conflicts: 0,
    injectedNotCommitted: 0,
    unknownResultCommitted: 0,
    unknownResultDeferred: 0,
    unknownResultNotCommitted: 0,
    retries: 0,
    delays: 0,
    transactions: 0,
    mutations: 0,
    virtualMillis: 0
  }
  let stats: { -readonly [K in keyof Stats]: Stats[K] } = { ...zero }

  const valueAt = (key: string, at: number): Uint8Array | undefined => {
    const h = history.get(key)
    if (h === undefined) return undefined
    for (let i = h.length - 1; i >= 0; i--) if (h[i]!.version <= at) return h[i]!.value
    return undefined
  }

  const oldestReadVersion = (): number => {
    let min = version
    for (const a of active) if (a.readVersion !== undefined && a.readVersion < min) min = a.readVersion
    return min
  }

  const write = (key: string, value: Uint8Array | undefined, at: number, oldest: number) => {
    let h = history.get(key)
    if (h === undefined) {
      // Stryker disable next-line ConditionalExpression: recording a clear of a never-written key changes no read (its value stays undefined), only memory
      if (value === undefined) return
      h = []
      history.set(key, h)
      keys.add(key)
    }
    h.push({ version: at, value })
    // drop versions no reader can see any more
    let drop = 0
    // Stryker disable next-line EqualityOperator: keeping one version more than needed changes no read (valueAt takes the newest visible)
    while (drop + 1 < h.length && h[drop + 1]!.version <= oldest) drop++
    // Stryker disable next-line all: splice(0, 0) is a no-op, and not pruning at all only costs memory
    if (drop > 0) h.splice(0, drop)
    const ws = watchers.get(key)
    if (ws !== undefined) {
      const keep = ws.filter((w) => {
        if (equalBytes(w.value, value)) return true
        Deferred.doneUnsafe(w.deferred, Effect.void)
        return false
      })
      outstandingWatches -= ws.length - keep.length
      if (keep.length === 0) watchers.delete(key)
      else watchers.set(key, keep)
    }
  }

  // --- delays: scheduler yields -------------------------------------------------
  const pause: Effect.Effect<void> = Effect.suspend(() => {
    const p = faults.delay ?? 0
    if (p > 0 && rng() < p) {
      stats.delays++
      const n = 1 + Math.floor(rng() * (faults.maxDelayYields ?? 20))
      let e: Effect.Effect<void> = Effect.yieldNow
      for (let i = 1; i < n; i++) e = Effect.andThen(e, Effect.yieldNow)
      return Effect.andThen(Effect.yieldNow, e)
    }
    return Effect.yieldNow
  })

  // --- one attempt of a transaction ---------------------------------------------
  const newAttempt = (): Attempt => ({
    readVersion: undefined,
    readVersionAt: 0,
    clock: 0,
    readVersionClock: 0,
    committing: false,
    writes: new Map(),
    clears: [],
    mutations: [],
    readConflicts: [],
    unreadable: [],
    watches: [],
    stamp: Deferred.makeUnsafe<Uint8Array, FdbError.FdbError>(),
    done: false
  })

  const makeTransaction = (
    attempt: Attempt,
    timer: Timer
  ): FdbDatabase.Transaction => {
    /** Checks age and timeout at virtual time `at`, takes the read version on first use. */
    const alive = (at: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<readonly [number, number], FdbError.FdbError> => {
        if (attempt.done) return fail(FdbError.codes.transaction_cancelled, "the transaction is finished")
        if (expired(timer, now, at)) return fail(FdbError.codes.transaction_timed_out)
        if (attempt.readVersion === undefined) {
          attempt.readVersion = version
          attempt.readVersionAt = now
          attempt.readVersionClock = at
          active.add(attempt)
        } else if (age(attempt, now, at) > FdbError.fdbLimits.maxTransactionAgeMillis) {
          return fail(FdbError.codes.transaction_too_old)
        }
        return Effect.succeed([attempt.readVersion, now] as const)
      })
    /**
     * A read: issued at the attempt's current virtual time (reads issued together overlap), it takes
     * a read version first if it has none yet, and completes after its cost.
     */
    const read = <A>(
      f: (rv: number) => A | FdbError.FdbError,
      cost: (a: A) => number
    ): Effect.Effect<A, FdbError.FdbError> =>
      Effect.suspend(() => {
        const issuedAt = attempt.clock
        return Effect.andThen(
          pause,
          Effect.suspend(() => {
            // no read starts before the read version is known
            const start = attempt.readVersion === undefined
              ? issuedAt + draw(costs.getReadVersion)
              : Math.max(issuedAt, attempt.readVersionClock)
            return Effect.flatMap(alive(start), ([rv, now]) => {
              const r = f(rv)
              if (r instanceof FdbError.FdbError) return Effect.fail(r)
              const done = start + cost(r)
              // Stryker disable next-line EqualityOperator: on equality the assignment changes nothing
              if (done > attempt.clock) attempt.clock = done
              // a read still in flight when the timeout elapses is cancelled with the transaction (1031)
              if (expired(timer, now, done)) return fail(FdbError.codes.transaction_timed_out)
              // a read that ends past the 5 s window fails as it would on a storage server
              if (age(attempt, now, done) > FdbError.fdbLimits.maxTransactionAgeMillis) {
                return fail(FdbError.codes.transaction_too_old)
              }
              return Effect.succeed(r)
            })
          })
        )
      })
    let stampedSeen = 0
    const isUnreadable = (b: string, e: string) => {
      // the ranges a versionstamped key may land in, computed lazily (reads after such writes are rare)
      for (; stampedSeen < attempt.mutations.length; stampedSeen++) {
        const m = attempt.mutations[stampedSeen]!
        if (m._tag !== "VsKey") continue
        // as FoundationDB's `getVersionstampKeyRange`: from the stamp (read version + 1, 0) when the read
        // version was known as the key was set (keys stamped before it stay readable), else from stamp 0
        const lo = m.key.slice()
        const hi = m.key.slice()
        if (m.readVersion === undefined) lo.fill(0x00, m.offset, m.offset + 10)
        else lo.set(stampOf(m.readVersion + 1), m.offset)
        hi.fill(0xff, m.offset, m.offset + 10)
        attempt.unreadable.push([toStr(lo), after(toStr(hi))])
      }
      return attempt.unreadable.some((r) => overlaps(r, b, e))
    }
    const localValue = (key: string): { found: boolean; value: Uint8Array | undefined } => {
      if (attempt.writes.has(key)) return { found: true, value: attempt.writes.get(key) }
      for (const [b, e] of attempt.clears) if (b <= key && key < e) return { found: true, value: undefined }
      return { found: false, value: undefined }
    }
    const mutate = (f: () => void): Effect.Effect<void, FdbError.FdbError> =>
      Effect.suspend(() => {
        if (attempt.done) return fail(FdbError.codes.transaction_cancelled, "the transaction is finished")
        f()
        return Effect.void
      })
    const checkKey = (key: Uint8Array) =>
      key[0] === 0xff
        ? FdbError.make(FdbError.codes.key_outside_legal_range, "a key at or above \\xff (system keys)")
        : key.length > FdbError.fdbLimits.maxKeyBytes
        ? FdbError.make(FdbError.codes.key_too_large, `key of ${key.length} bytes`)
        : undefined
    /** A range's bounds: each at most `\xff`, begin not after end. */
    const checkRange = (begin: string, end: string, inverted: boolean) =>
      begin > SYSTEM || end > SYSTEM
        ? FdbError.make(FdbError.codes.key_outside_legal_range, "a range reaching past \\xff (system keys)")
        : inverted && begin > end
        ? FdbError.make(FdbError.codes.inverted_range, "the range's end is before its begin")
        : undefined
    const checkValue = (value: Uint8Array) =>
      value.length > FdbError.fdbLimits.maxValueBytes
        ? FdbError.make(FdbError.codes.value_too_large, `value of ${value.length} bytes`)
        : undefined
    /**
     * The value of a key at `rv` under this transaction's writes. A key it set or cleared itself records no read
     * conflict (the value did not come from the database: RYW's `updateConflictMap` skips such keys).
     */
    const pointRead = (key: string, snapshot: boolean, rv: number): Uint8Array | undefined | FdbError.FdbError => {
      if (isUnreadable(key, after(key))) return FdbError.make(FdbError.codes.accessed_unreadable)
      const local = localValue(key)
      if (local.found) return local.value
      if (!snapshot) attempt.readConflicts.push([key, after(key)])
      return valueAt(key, rv)
    }
    /**
     * Adds the read conflict range `[b, e)` but for the keys and ranges this transaction set or cleared itself
     * (their values did not come from the database: RYW's `updateConflictMap` leaves them out).
     */
    const readRange = (b: string, e: string) => {
      const own = TransactionSize.coalesce([
        ...[...attempt.writes.keys()].filter((k) => b <= k && k < e).map((k) => [k, after(k)] as const),
        ...attempt.clears.filter((r) => overlaps(r, b, e))
      ])
      let from = b
      for (const [ob, oe] of own) {
        if (from < ob) attempt.readConflicts.push([from, ob])
        from = oe // (sorted, disjoint and each reaching past `from`)
      }
      if (from < e) attempt.readConflicts.push([from, e])
    }

    return {
      get: (keyBytes, options) =>
        read((rv) => {
          const key = toStr(keyBytes)
          if (key >= SYSTEM) return FdbError.make(FdbError.codes.key_outside_legal_range, "a key at or above \\xff")
          return pointRead(key, options?.snapshot === true, rv)
        }, (value) => readCost(1, keyBytes.length + (value?.length ?? 0), false)),
      getRange: (beginBytes, endBytes, options) =>
        read((rv) => {
          const begin = toStr(beginBytes)
          const end = toStr(endBytes)
          const invalid = checkRange(begin, end, false)
          if (invalid !== undefined) return invalid
          if (begin >= end) return []
          if (isUnreadable(begin, end)) return FdbError.make(FdbError.codes.accessed_unreadable)
          const limit = options?.limit !== undefined && options.limit > 0 ? options.limit : Infinity
          const maxBytes = options?.maxBytes !== undefined && options.maxBytes > 0 ? options.maxBytes : Infinity
          let bytes = 0
          let stopped = false
          const reverse = options?.reverse === true
          // merge stored keys with this transaction's writes
          const local = [...attempt.writes.keys()].filter((k) => begin <= k && k < end).sort()
          if (reverse) local.reverse()
          const out: Array<FdbDatabase.KeyValue> = []
          const stored = reverse ? keys.descending(begin, end) : keys.ascending(begin, end)
          let s = stored.next()
          let li = 0
          while (out.length < limit) {
            const sk = s.done ? undefined : s.value
            const lk = local[li]
            if (sk === undefined && lk === undefined) break
            let key: string
            if (lk !== undefined && (sk === undefined || (reverse ? lk >= sk : lk <= sk))) {
              key = lk
              li++
              if (sk === lk) s = stored.next()
            } else {
              key = sk!
              s = stored.next()
            }
            const l = localValue(key)
            const value = l.found ? l.value : valueAt(key, rv)
            if (value !== undefined) {
              out.push({ key: toBytes(key), value })
              bytes += key.length + value.length
              if (bytes >= maxBytes) {
                stopped = true
                break
              }
            }
          }
          if (out.length >= limit) stopped = true
          if (options?.snapshot !== true) {
            if (stopped) { // (a stopped read returned at least one pair)
              const last = toStr(out[out.length - 1]!.key)
              if (reverse) readRange(last, end)
              else readRange(begin, after(last))
            } else readRange(begin, end)
          }
          return out
        }, (rows) => {
          let bytes = 0
          for (const row of rows) bytes += row.key.length + row.value.length
          return readCost(rows.length, bytes, true)
        }),
      set: (key, value) =>
        Effect.suspend(() => {
          const error = checkKey(key) ?? checkValue(value)
          if (error !== undefined) return Effect.fail(error)
          return mutate(() => {
            const k = toStr(key)
            const v = value.slice()
            attempt.writes.set(k, v)
            attempt.mutations.push({ _tag: "Set", key: k, value: v })
          })
        }),
      clear: (key) =>
        Effect.suspend(() => {
          const error = key[0] === 0xff ? checkKey(key) : undefined
          if (error !== undefined) return Effect.fail(error)
          // FoundationDB ignores a clear of a key over the size limit (no such key can exist)
          if (key.length > FdbError.fdbLimits.maxKeyBytes) return Effect.void
          return mutate(() => {
            const k = toStr(key)
            attempt.writes.set(k, undefined)
            attempt.mutations.push({ _tag: "Clear", key: k })
          })
        }),
      clearRange: (fullBegin, fullEnd) => {
        // no stored key is longer than the key limit: longer bounds are cut to limit + 1 bytes, as the client does
        const beginBytes = truncate(fullBegin)
        const endBytes = truncate(fullEnd)
        return Effect.suspend(() => {
          const invalid = checkRange(toStr(beginBytes), toStr(endBytes), true)
          return invalid !== undefined ? Effect.fail(invalid) : Effect.void
        }).pipe(Effect.andThen(mutate(() => {
          const begin = toStr(beginBytes)
          const end = toStr(endBytes)
          if (begin >= end) return
          for (const k of [...attempt.writes.keys()]) if (begin <= k && k < end) attempt.writes.delete(k)
          attempt.clears.push([begin, end])
          attempt.mutations.push({ _tag: "ClearRange", begin, end })
        })))
      },
      setVersionstampedKey: (key, offset, value) =>
        Effect.suspend(() => {
          if (!Number.isInteger(offset) || offset < 0 || offset + 10 > key.length) {
            return fail(FdbError.codes.client_invalid_operation, "versionstamp offset out of the key")
          }
          const error = checkKey(key) ?? checkValue(value)
          if (error !== undefined) return Effect.fail(error)
          return mutate(() => {
            attempt.mutations.push({
              _tag: "VsKey",
              key: key.slice(),
              offset,
              value: value.slice(),
              readVersion: attempt.readVersion
            })
          })
        }),
      setVersionstampedValue: (key, value, offset) =>
        Effect.suspend(() => {
          if (!Number.isInteger(offset) || offset < 0 || offset + 10 > value.length) {
            return fail(FdbError.codes.client_invalid_operation, "versionstamp offset out of the value")
          }
          const error = checkKey(key) ?? checkValue(value)
          if (error !== undefined) return Effect.fail(error)
          return mutate(() => {
            const k = toStr(key)
            attempt.unreadable.push([k, after(k)])
            attempt.mutations.push({ _tag: "VsValue", key: k, value: value.slice(), offset })
          })
        }),
      addReadConflictRange: (fullBegin, fullEnd) => {
        const begin = truncate(fullBegin)
        const end = truncate(fullEnd)
        return Effect.suspend(() => {
          const invalid = checkRange(toStr(begin), toStr(end), true)
          return invalid !== undefined ? Effect.fail(invalid) : Effect.void
        }).pipe(Effect.andThen(mutate(() => {
          const b = toStr(begin)
          const e = toStr(end)
          if (b < e) attempt.readConflicts.push([b, e])
        })))
      },
      watch: (keyBytes) =>
        Effect.suspend(() => {
          if (attempt.done) return fail(FdbError.codes.transaction_cancelled, "the transaction is finished")
          if (keyBytes[0] === 0xff) {
            return fail(FdbError.codes.key_outside_legal_range, "a watch on a key at or above \\xff")
          }
          if (keyBytes.length > FdbError.fdbLimits.maxKeyBytes) {
            return fail(FdbError.codes.key_too_large, `a watch on a key of ${keyBytes.length} bytes`)
          }
          const key = toStr(keyBytes)
          // the client reads the key's value (not a snapshot read: a read version, and a read conflict range)
          // and the watch fires when the value differs from it (RYWImpl::watch)
          return Effect.map(read((rv) => pointRead(key, false, rv), (value) =>
            readCost(1, keyBytes.length + (value?.length ?? 0), false)), (value) => {
            const deferred = Deferred.makeUnsafe<void, FdbError.FdbError>()
            attempt.watches.push({ key, value, deferred })
            return makeWatch(key, deferred)
          })
        }),
      getVersionstamp: Effect.sync(() => Deferred.await(attempt.stamp))
    }
  }

  /** A watch's handle: `changed` completes with its deferred; `cancel` frees its place. */
  const makeWatch = (key: string, deferred: Deferred.Deferred<void, FdbError.FdbError>): FdbDatabase.Watch => ({
    changed: Deferred.await(deferred),
    cancel: Effect.sync(() => {
      const ws = watchers.get(key)
      if (ws !== undefined) {
        const keep = ws.filter((w) => w.deferred !== deferred)
        outstandingWatches -= ws.length - keep.length
        if (keep.length === 0) watchers.delete(key)
        else watchers.set(key, keep)
      }
      Deferred.doneUnsafe(deferred, fail(FdbError.codes.operation_cancelled, "watch cancelled"))
    })
  })

  /** Ends an attempt that did not commit: its watches and versionstamp fail. */
  const abandon = (attempt: Attempt, error: FdbError.FdbError) => {
    attempt.done = true
    // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
    active.delete(attempt)
    for (const w of attempt.watches) Deferred.doneUnsafe(w.deferred, Effect.fail(error))
    Deferred.doneUnsafe(attempt.stamp, Effect.fail(error))
  }

  /** Applies the mutations at a new commit version (synchronous: atomic). */
  const apply = (attempt: Attempt) => {
    const at = ++version
    const stamp = stampOf(at)
    const oldest = oldestReadVersion()
    const points: Array<string> = []
    const ranges: Array<readonly [string, string]> = []
    for (const m of attempt.mutations) {
      switch (m._tag) {
        case "Set":
          write(m.key, m.value, at, oldest)
          points.push(m.key)
          break
        case "Clear":
          write(m.key, undefined, at, oldest)
          points.push(m.key)
          break
        case "ClearRange": {
          for (const k of [...keys.ascending(m.begin, m.end)]) {
            // Stryker disable next-line ConditionalExpression: an absent key cleared again changes nothing anyone can read or watch (the guard keeps histories short)
            if (valueAt(k, at) !== undefined) write(k, undefined, at, oldest)
          }
          ranges.push([m.begin, m.end])
          break
        }
        case "VsKey": {
          // Stryker disable next-line MethodExpression: a copy, though a mutation is applied once only
          const key = m.key.slice()
          key.set(stamp, m.offset)
          const k = toStr(key)
          write(k, m.value, at, oldest)
          points.push(k)
          break
        }
        case "VsValue": {
          // Stryker disable next-line MethodExpression: a copy, though a mutation is applied once only
          const value = m.value.slice()
          value.set(stamp, m.offset)
          write(m.key, value, at, oldest)
          points.push(m.key)
          break
        }
      }
    }
    commitLog.push({ version: at, points, ranges })
    stats.commits++
    stats.mutations += attempt.mutations.length
    return stamp
  }

  const registerWatches = (attempt: Attempt) => {
    for (const w of attempt.watches) {
      // changed since the watch read it (by another commit, or by this transaction's own later write): fires now
      const current = valueAt(w.key, version)
      if (!equalBytes(w.value, current)) {
        Deferred.doneUnsafe(w.deferred, Effect.void)
        continue
      }
      if (outstandingWatches >= maxOutstandingWatches) {
        Deferred.doneUnsafe(w.deferred, fail(FdbError.codes.too_many_watches, "too many outstanding watches"))
        continue
      }
      outstandingWatches++
      const ws = watchers.get(w.key) ?? []
      ws.push({ key: w.key, value: current, deferred: w.deferred })
      watchers.set(w.key, ws)
    }
  }

  const conflicts = (attempt: Attempt): boolean => {
    const rv = attempt.readVersion
    if (rv === undefined) return false
    for (const record of commitLog) {
      if (record.version <= rv) continue
      for (const p of record.points) {
        for (const r of attempt.readConflicts) if (r[0] <= p && p < r[1]) return true
      }
      for (const w of record.ranges) {
        for (const r of attempt.readConflicts) if (overlaps(r, w[0], w[1])) return true
      }
    }
    return false
  }

  const pruneLog = () => {
    const oldest = oldestReadVersion()
    if (commitLog.length > 0 && commitLog[0]!.version <= oldest) commitLog = commitLog.filter((r) => r.version > oldest)
  }

  /** Commits that ended in an injected `commit_unknown_result` but have not landed yet. */
  const inFlight: Array<Attempt> = []

  /** Lands the commits in flight: applied if still free of conflicts, dropped otherwise. */
  const land = () => {
    while (inFlight.length > 0) {
      const attempt = inFlight.shift()!
      if (conflicts(attempt)) {
        stats.unknownResultNotCommitted++
        abandon(attempt, FdbError.make(FdbError.codes.commit_unknown_result, "it was not applied"))
        continue
      }
      stats.unknownResultCommitted++
      const stamp = apply(attempt)
      // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
      active.delete(attempt)
      registerWatches(attempt)
      Deferred.doneUnsafe(attempt.stamp, Effect.succeed(stamp))
    }
    // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
    pruneLog()
  }

  /** Applies a commit now and completes what waits on it (its versionstamp, its watches). */
  const commitNow = (attempt: Attempt) => {
    const stamp = apply(attempt)
    attempt.done = true
    // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
    active.delete(attempt)
    registerWatches(attempt)
    Deferred.doneUnsafe(attempt.stamp, Effect.succeed(stamp))
    // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
    pruneLog()
  }

  const commit = (attempt: Attempt, timer: Timer): Effect.Effect<void, FdbError.FdbError> =>
    Effect.suspend(() => {
      attempt.committing = true
      return Effect.andThen(
        pause,
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          land()
          const end = (error: FdbError.FdbError) => {
            abandon(attempt, error)
            // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
            pruneLog()
            return Effect.fail(error)
          }
          if (expired(timer, now, attempt.clock)) return end(FdbError.make(FdbError.codes.transaction_timed_out))
          if (attempt.mutations.length === 0) {
            // read-only: the client commits nothing (no version, no age check), so it always succeeds
            stats.readOnlyCommits++
            attempt.done = true
            // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
            active.delete(attempt)
            registerWatches(attempt)
            Deferred.doneUnsafe(attempt.stamp, fail(2021, "no_commit_version: the transaction did not write"))
            // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
            pruneLog()
            return Effect.void
          }
          if (attempt.readVersion === undefined) attempt.clock += draw(costs.getReadVersion) // a blind write still gets a version
          else if (age(attempt, now, attempt.clock) > FdbError.fdbLimits.maxTransactionAgeMillis) {
            return end(FdbError.make(FdbError.codes.transaction_too_old))
          }
          const size = commitSize(attempt)
          if (size > FdbError.fdbLimits.maxTransactionBytes) {
            return end(
              FdbError.make(
                FdbError.codes.transaction_too_large,
                `the transaction is ${size} bytes as FoundationDB counts it (mutations and conflict ranges)`
              )
            )
          }
          attempt.clock += draw(costs.commit) + size * costs.commitPerByte
          if (expired(timer, now, attempt.clock)) {
            // the timeout fired while the commit was in flight: it may still be applied
            const error = new FdbError.FdbError({
              code: FdbError.codes.transaction_timed_out,
              reason: "the timeout elapsed while the commit was in flight",
              unknownResult: true
            })
            // Stryker disable next-line EqualityOperator: even odds either way (>= 0.5 is the other half; <= differs on one draw in 2^32)
            if (!conflicts(attempt) && costRng() < 0.5) {
              stats.unknownResultCommitted++
              commitNow(attempt)
              return Effect.fail(error)
            }
            stats.unknownResultNotCommitted++
            return end(error)
          }
          // Stryker disable next-line ConditionalExpression,EqualityOperator: the guard only saves a draw when the fault is off (<= differs on one draw in 2^32)
          if ((faults.notCommitted ?? 0) > 0 && rng() < faults.notCommitted!) {
            stats.injectedNotCommitted++
            return end(FdbError.make(FdbError.codes.not_committed, "injected"))
          }
          if (conflicts(attempt)) {
            stats.conflicts++
            return end(FdbError.make(FdbError.codes.not_committed))
          }
          // Stryker disable next-line ConditionalExpression,EqualityOperator: the guard only saves a draw when the fault is off (<= differs on one draw in 2^32)
          if ((faults.commitUnknownResult ?? 0) > 0 && rng() < faults.commitUnknownResult!) {
            const fate = rng()
            // Stryker disable next-line EqualityOperator: <= differs on one draw in 2^32
            if (fate < 1 / 3) {
              stats.unknownResultCommitted++
              commitNow(attempt)
              return Effect.fail(FdbError.make(FdbError.codes.commit_unknown_result, "injected (it was applied)"))
            }
            // Stryker disable next-line EqualityOperator: in flight and not applied have a third each, whichever side of 2/3 each takes
            if (fate < 2 / 3) {
              // still in flight: it lands before the next commit of any transaction (re-resolved then),
              // so a retry may read before it lands and must conflict with it
              stats.unknownResultDeferred++
              attempt.done = true
              inFlight.push(attempt)
              return Effect.fail(FdbError.make(FdbError.codes.commit_unknown_result, "injected (still in flight)"))
            }
            stats.unknownResultNotCommitted++
            return end(FdbError.make(FdbError.codes.commit_unknown_result, "injected (it was not applied)"))
          }
          commitNow(attempt)
          return Effect.void
        })
      )
    })

  const record = (millis: number) => {
    stats.transactions++
    stats.virtualMillis += millis
    durations.push(millis)
    if (durations.length > 100_000) durations.splice(0, durations.length - 100_000)
  }

  const transact = <A, E, R>(
    body: (tn: FdbDatabase.Transaction) => Effect.Effect<A, E, R>,
    options?: FdbDatabase.TransactionOptions
  ): Effect.Effect<A, E | FdbError.FdbError, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (createdAt) => {
      // the ranges FoundationDB's options take (timeout: 0 to INT_MAX ms; retry_limit: -1, unlimited, to INT_MAX)
      const timeoutMillis = options?.timeoutMillis
      const retryLimit = options?.retryLimit
      if (
        (timeoutMillis !== undefined && !(Number.isInteger(timeoutMillis) && timeoutMillis >= 0 && timeoutMillis <= INT_MAX)) ||
        (retryLimit !== undefined && !(Number.isInteger(retryLimit) && retryLimit >= -1 && retryLimit <= INT_MAX))
      ) {
        return fail(FdbError.codes.invalid_option_value, `timeoutMillis ${timeoutMillis}, retryLimit ${retryLimit}`)
      }
      const timer: Timer = { createdAt, timeoutMillis, before: 0 }
      let retries = 0
      /** Some attempt may have committed: every later failure of this loop says so. */
      let unknown = false
      let backoff = costs.backoff.initial
      const loop: Effect.Effect<A, E | FdbError.FdbError, R> = Effect.suspend(() => {
        const attempt = newAttempt()
        const tn = makeTransaction(attempt, timer)
        return body(tn).pipe(
          Effect.flatMap((a) => Effect.as(commit(attempt, timer), a)),
          Effect.onExit((exit) =>
            Effect.sync(() => {
              timer.before += attempt.clock
              // (a success always finished its attempt)
              if (!attempt.done) {
                if (
                  attempt.committing && Exit.hasInterrupts(exit) && attempt.mutations.length > 0 &&
                  commitSize(attempt) <= FdbError.fdbLimits.maxTransactionBytes
                ) {
                  // interrupted while the commit was in flight: it lands (or not) like an unknown result
                  // (only a commit the client sends: a read-only one sends nothing, one over 10 MB is refused first)
                  stats.unknownResultDeferred++
                  attempt.done = true
                  inFlight.push(attempt)
                } else {
                  abandon(attempt, FdbError.make(FdbError.codes.transaction_cancelled))
                  // Stryker disable next-line CallExpression: memory only (what is kept for readers older than every active one)
                  pruneLog()
                }
              }
            })
          ),
          Effect.catchIf(
            (e): e is FdbError.FdbError => FdbError.isFdbError(e) && FdbError.isRetryable(e.code),
            (e) => {
              if (FdbError.isOutcomeUnknown(e)) unknown = true
              if (retryLimit !== undefined && retryLimit !== -1 && retries >= retryLimit) return Effect.fail(e)
              retries++
              stats.retries++
              // onError: transaction_too_old / future_version wait FUTURE_VERSION_RETRY_DELAY (10 ms),
              // the others a random share of a backoff that doubles up to DEFAULT_MAX_BACKOFF
              if (e.code === FdbError.codes.transaction_too_old || e.code === FdbError.codes.future_version) {
                timer.before += Math.min(10, costs.backoff.max)
              } else {
                timer.before += backoff * costRng()
                backoff = Math.min(backoff * costs.backoff.growth, costs.backoff.max)
              }
              return Effect.andThen(Effect.yieldNow, loop)
            }
          )
        )
      })
      return loop.pipe(
        Effect.catchIf(
          (e): e is FdbError.FdbError => FdbError.isFdbError(e),
          (e) => Effect.fail(unknown || FdbError.isOutcomeUnknown(e) ? FdbError.withUnknownResult(e) : e)
        ),
        Effect.ensuring(
          Effect.flatMap(Effect.serviceOption(Meter), (meter) =>
            Effect.sync(() => {
              record(timer.before)
              if (meter._tag === "Some") meter.value.add(timer.before)
            }))
        )
      )
    })

  const control: FdbSimulatorShape = {
    seed,
    stats: Effect.sync(() => ({ ...stats })),
    resetStats: Effect.sync(() => {
      stats = { ...zero }
      durations.length = 0
    }),
    setFaults: (f) =>
      Effect.sync(() => {
        faults = toFaults(f)
      }),
    settle: Effect.sync(land),
    dump: Effect.sync(() => {
      const out: Array<FdbDatabase.KeyValue> = []
      for (const k of keys.ascending("", "\xff\xff")) {
        const v = valueAt(k, version)
        if (v !== undefined) out.push({ key: toBytes(k), value: v })
      }
      return out
    }),
    version: Effect.sync(() => version),
    costs,
    durations: Effect.sync(() => durations.slice())
  }

  return { database: { transact }, control }
}

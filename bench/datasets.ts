/**
 * The events each scenario appends, built before timing starts.
 *
 * @since 0.1.0
 */
import { type BenchEvent, payload } from "./backends/Backend.ts"

/**
 * Every event type the datasets use (`@dcb-es` queries need types).
 *
 * @since 0.1.0
 */
export const TYPES = ["Deposited", "T0", "T1", "T2", "T3", "Probed"] as const

const FOUR = ["T0", "T1", "T2", "T3"] as const

/**
 * Appends for scenarios 1 and 2: one type, one tag among 1,000 accounts.
 *
 * @since 0.1.0
 */
export const deposits = (n: number): Array<BenchEvent> =>
  Array.from({ length: n }, (_, i) => {
    const tag = `account:${i % 1000}`
    return { type: "T0", tags: [tag], data: payload(i), stream: tag }
  })

/**
 * Batches of `size` events, each batch on one account (one stream).
 *
 * @since 0.1.0
 */
export const batches = (n: number, size: number): Array<Array<BenchEvent>> =>
  Array.from({ length: Math.ceil(n / size) }, (_, b) => {
    const tag = `account:${b % 1000}`
    return Array.from({ length: size }, (_, i) => ({ type: "T0", tags: [tag], data: payload(b * size + i), stream: tag }))
  })

/** The tag read in scenario 4: 1,000 events whatever the store's size. */
export const PROBE_TAG = "probe:1"
/** The type read in scenario 4: the same 1,000 events. */
export const PROBE_TYPE = "Probed"

/**
 * Scenario 4's store of `n` events over 1,000 entity tags and 4 types, with
 * 1,000 probe events spread evenly (type `Probed`, tags `entity:…` and
 * `probe:1`), in batches of 1,000. Generated lazily.
 *
 * @since 0.1.0
 */
export function* readDataset(n: number): Generator<Array<BenchEvent>> {
  const stride = Math.max(1, Math.floor(n / 1000))
  let probes = 0
  for (let start = 0; start < n; start += 1000) {
    const batch: Array<BenchEvent> = []
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const entity = `entity:${i % 1000}`
      if (i % stride === 0 && probes < 1000) {
        probes++
        batch.push({ type: PROBE_TYPE, tags: [entity, PROBE_TAG], data: payload(i), stream: PROBE_TAG })
      } else {
        batch.push({ type: FOUR[i % 4]!, tags: [entity], data: payload(i), stream: entity })
      }
    }
    yield batch
  }
}

/**
 * Scenario 6's events: small payload, two tags (one of 10,000 accounts, one
 * of 10 regions), four types, with strings built per event as a decoder
 * would. Generated lazily in batches of 1,000.
 *
 * @since 0.1.0
 */
export function* heapDataset(n: number): Generator<Array<BenchEvent>> {
  for (let start = 0; start < n; start += 1000) {
    const batch: Array<BenchEvent> = []
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const account = `account:${i % 10_000}`
      batch.push({ type: FOUR[i % 4]!, tags: [account, `region:${i % 10}`], data: payload(i), stream: account })
    }
    yield batch
  }
}

/**
 * Scenario 5's store: `n` deposits (type `Deposited`, one tag among 1,000
 * accounts, payload `{"amount":…}`), in batches of 1,000.
 *
 * @since 0.1.0
 */
export function* depositBatches(n: number): Generator<Array<BenchEvent>> {
  for (let start = 0; start < n; start += 1000) {
    const batch: Array<BenchEvent> = []
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const tag = `account:${i % 1000}`
      batch.push({ type: "Deposited", tags: [tag], data: payload(i), stream: tag })
    }
    yield batch
  }
}

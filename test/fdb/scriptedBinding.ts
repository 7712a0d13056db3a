/**
 * A scripted stand-in for the `foundationdb` binding's raw transaction API:
 * commits fail with the queued codes, `onError` accepts the retryable ones,
 * and every call is recorded. The thing under test is our adapter, not
 * FoundationDB (whose native client cannot be installed here).
 */
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as FdbError from "fairway/Fdb/FdbError"

class BindingError extends Error {
  readonly code: number
  constructor(code: number) {
    super(`binding error ${code}`)
    this.code = code
  }
}

/** A scripted binding: commits fail with the queued codes; onError accepts the retryable ones. */
export const scripted = (commitFailures: Array<number>, onCommit?: () => void) => {
  const calls: Array<string> = []
  const committed: Array<string> = []
  const created: Array<unknown> = []
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
  const makeTn = (snapshot: boolean): FdbDatabase.BindingTransaction => {
    const pending: Array<string> = []
    const tn: FdbDatabase.BindingTransaction = {
      snapshot: () => makeTn(true),
      get: async (key) => {
        calls.push(`get${snapshot ? "(snapshot)" : ""} ${hex(key)}`)
        return undefined
      },
      getRangeAll: async (start, end, options?) => {
        calls.push(`getRange ${hex(start)}..${hex(end)} ${JSON.stringify(options)}`)
        // like the binding: Buffers that are views over one larger buffer
        const pool = Buffer.from([9, 1, 2, 9])
        return [[pool.subarray(1, 2), pool.subarray(2, 3)]]
      },
      getRangeBatch: async function*(start, end, options?) {
        calls.push(`getRangeBatch ${hex(start)}..${hex(end)} ${JSON.stringify(options)}`)
        yield [[Buffer.from([1]), Buffer.alloc(6, 2)], [Buffer.from([2]), Buffer.alloc(6, 3)]]
        yield [[Buffer.from([3]), Buffer.alloc(6, 4)]]
      },
      set: (key, value) => void pending.push(`set ${hex(key)}=${hex(value)}`),
      clear: (key) => void pending.push(`clear ${hex(key)}`),
      clearRange: (start, end) => void pending.push(`clearRange ${hex(start)}..${hex(end)}`),
      setVersionstampedKeyRaw: (key, value) => void pending.push(`vsKey ${hex(key)}=${hex(value)}`),
      setVersionstampedValueRaw: (key, value) => void pending.push(`vsValue ${hex(key)}=${hex(value)}`),
      addReadConflictRange: (start, end) => void calls.push(`conflict ${hex(start)}..${hex(end)}`),
      watch: () => ({ promise: Promise.resolve(true), cancel: () => {} }),
      getVersionstamp: () => ({ promise: Promise.resolve(Buffer.alloc(10, 9)) }),
      rawCommit: async () => {
        calls.push("commit")
        onCommit?.()
        const code = commitFailures.shift()
        if (code !== undefined) throw new BindingError(code)
        committed.push(...pending)
      },
      rawOnError: async (code) => {
        calls.push(`onError ${code}`)
        if (!FdbError.isRetryable(code)) throw new BindingError(code)
        pending.length = 0
      },
      rawCancel: () => void calls.push("cancel")
    }
    return tn
  }
  const db: FdbDatabase.BindingDatabase = {
    rawCreateTransaction: (options) => {
      created.push(options)
      return makeTn(false)
    },
    close: () => {}
  }
  return { db: FdbDatabase.fromBinding(db), calls, committed, created }
}


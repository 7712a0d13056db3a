/**
 * The FoundationDB layer's errors as a user reads them: `FdbError`'s message
 * (code, name, reason, an unknown outcome), `FdbUnavailable`'s instructions,
 * `make`, `withUnknownResult`, the predicates, and the `StorageError`s the
 * store reports for them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FdbError from "fairway/Fdb/FdbError"

describe("FdbError", () => {
  it("a message names the code, its name and the reason, and says when the outcome is unknown", () => {
    const error = FdbError.make(FdbError.codes.not_committed, "a conflict")
    expect(error.reason).toBe("a conflict")
    expect(error.message).toContain("1020")
    expect(error.message).toContain("not_committed")
    expect(error.message).toContain("a conflict")
    expect(error.message).not.toContain("unknown")
    expect(error.message.endsWith("a conflict")).toBe(true)
    const unknown = FdbError.withUnknownResult(error)
    expect(unknown.unknownResult).toBe(true)
    expect(unknown.code).toBe(1020)
    expect(unknown.message).toContain("a conflict")
    expect(unknown.message).toContain("the outcome is unknown")
    expect(FdbError.withUnknownResult(unknown).unknownResult).toBe(true)
    // without a reason: the code's name; an unlisted code: a generic description, never "undefined"
    expect(FdbError.make(FdbError.codes.transaction_too_large).reason).toBe("transaction_too_large")
    const unlisted = FdbError.make(4242)
    expect(unlisted.reason).toBe("FoundationDB error")
    expect(unlisted.message).toContain("4242")
    expect(unlisted.message).not.toContain("undefined")
    expect(unlisted.message).toMatch(/4242 \(\w+\)/)
    expect(FdbError.make(4242, "odd").message).toContain("odd")
  })

  it("the predicates follow fdb_error_predicate", () => {
    for (const code of [1007, 1009, 1020, 1021, 1037, 1038, 1039, 1213, 1051]) expect(FdbError.isRetryable(code), String(code)).toBe(true)
    for (const code of [1025, 1031, 2101, 2102, 2103, 2000, 1101]) expect(FdbError.isRetryable(code), String(code)).toBe(false)
    expect(FdbError.isMaybeCommitted(1021)).toBe(true)
    expect(FdbError.isMaybeCommitted(1020)).toBe(false)
    expect(FdbError.isOutcomeUnknown(FdbError.make(1021))).toBe(true)
    expect(FdbError.isOutcomeUnknown(FdbError.make(1031))).toBe(false)
    expect(FdbError.isOutcomeUnknown(FdbError.withUnknownResult(FdbError.make(1031)))).toBe(true)
    expect(FdbError.isFdbError(FdbError.make(1020))).toBe(true)
    expect(FdbError.isFdbError(new Error("x"))).toBe(false)
  })

  it("FdbUnavailable says how to install the client", () => {
    const error = new FdbError.FdbUnavailable({ reason: "libfdb_c not found" })
    expect(error.message).toContain("libfdb_c not found")
    expect(error.message).toContain("npm install foundationdb")
    expect(error.message).toContain("FDB_CLUSTER_FILE")
    expect(error.message).toContain("foundationdb-clients")
    expect(error.message).toContain("/etc/foundationdb/fdb.cluster")
  })

  it("toStorageError says what failed, and whether the outcome is unknown", () => {
    const definite = FdbError.toStorageError(FdbError.make(1031, "slow"), "reading x failed")
    expect(definite.unknownResult).toBeUndefined()
    expect(definite.message).toContain("reading x failed")
    expect(definite.message).toContain("1031")
    expect(definite.message).toContain("slow")
    expect(definite.message).not.toContain("unknown")
    const unknown = FdbError.toStorageError(FdbError.make(1021), "append failed")
    expect(unknown.unknownResult).toBe(true)
    expect(unknown.message).toContain("append failed")
    expect(unknown.message).toContain("the outcome is unknown")
    expect(unknown.message).toContain("commit_unknown_result")
    expect(unknown.cause).toBeInstanceOf(FdbError.FdbError)
  })

  it.effect("catchAsStorageError turns FdbErrors into StorageErrors, other failures pass", () =>
    Effect.gen(function*() {
      const fdb = yield* Effect.flip(FdbError.catchAsStorageError("doing y")(Effect.fail(FdbError.make(1020))))
      expect(fdb._tag).toBe("StorageError")
      expect(fdb.message).toContain("doing y")
      const other = yield* Effect.flip(FdbError.catchAsStorageError("doing y")(Effect.fail("other" as const)))
      expect(other).toBe("other")
    }))
})

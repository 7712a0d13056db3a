import { describe, expect, it } from "@effect/vitest"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SequencePosition from "fairway/Dcb/SequencePosition"

const decode = Schema.decodeUnknownEffect(SequencePosition.SequencePosition)
const encode = Schema.encodeEffect(SequencePosition.SequencePosition)

describe("SequencePosition", () => {
  describe("schema", () => {
    it.effect("decodes a decimal string and encodes it back", () =>
      Effect.gen(function*() {
        for (const text of ["0", "1", "42", "9007199254740993", "18446744073709551615000"]) {
          const position = yield* decode(text)
          expect(position).toBe(BigInt(text))
          expect(yield* encode(position)).toBe(text)
        }
      }))

    it.effect.prop(
      "round-trips any non-negative bigint",
      [Schema.BigInt.check(Schema.isGreaterThanOrEqualToBigInt(0n))],
      ([n]) =>
        Effect.gen(function*() {
          const text = yield* encode(SequencePosition.make(n))
          expect(text).toBe(n.toString())
          expect(yield* decode(text)).toBe(n)
        }),
      { arbitrary: { runs: 100, seed: 1 } }
    )

    it.effect("rejects negative numbers and garbage with a SchemaError", () =>
      Effect.gen(function*() {
        for (const input of ["-1", "-42", "abc", "", " 1", "1.5", "1e3", "0x10", "12abc", 12, 12n, null, undefined, {}]) {
          const error = yield* Effect.flip(decode(input))
          expect(error._tag, JSON.stringify(String(input))).toBe("SchemaError")
        }
      }))

    it.effect("refuses to encode a negative value", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(encode(-1n as SequencePosition.SequencePosition))
        expect(error._tag).toBe("SchemaError")
      }))

    it("survives JSON inside a struct", () => {
      const Checkpoint = Schema.fromJsonString(Schema.Struct({ position: SequencePosition.SequencePosition }))
      const json = Schema.encodeSync(Checkpoint)({ position: SequencePosition.make(9007199254740993n) })
      expect(json).toBe("{\"position\":\"9007199254740993\"}")
      expect(Schema.decodeUnknownSync(Checkpoint)(json).position).toBe(9007199254740993n)
    })
  })

  describe("make", () => {
    it("accepts non-negative bigints and safe integers", () => {
      expect(SequencePosition.make(0)).toBe(0n)
      expect(SequencePosition.make(7)).toBe(7n)
      expect(SequencePosition.make(Number.MAX_SAFE_INTEGER)).toBe(BigInt(Number.MAX_SAFE_INTEGER))
      expect(SequencePosition.make(2n ** 80n)).toBe(2n ** 80n)
    })

    it("throws a RangeError on a negative, fractional or unsafe value", () => {
      for (const bad of [-1, -1n, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
        expect(() => SequencePosition.make(bad), String(bad)).toThrow(RangeError)
      }
    })
  })

  describe("order", () => {
    const p = SequencePosition.make

    it("Order is the numeric order, beyond 2^53 too", () => {
      expect(SequencePosition.Order(p(1), p(2))).toBe(-1)
      expect(SequencePosition.Order(p(2), p(1))).toBe(1)
      expect(SequencePosition.Order(p(5), p(5))).toBe(0)
      expect(SequencePosition.Order(p(9007199254740993n), p(9007199254740992n))).toBe(1)
      // numeric, not lexicographic
      expect(SequencePosition.Order(p(9), p(10))).toBe(-1)
      expect(Arr.sort([p(10), p(9), p(100), p(0)], SequencePosition.Order)).toEqual([0n, 9n, 10n, 100n])
    })

    it("max, min and isAfter", () => {
      expect(SequencePosition.max(p(3), p(10))).toBe(10n)
      expect(SequencePosition.max(p(10), p(3))).toBe(10n)
      expect(SequencePosition.min(p(3), p(10))).toBe(3n)
      expect(SequencePosition.min(p(10), p(3))).toBe(3n)
      expect(SequencePosition.isAfter(p(4), p(3))).toBe(true)
      expect(SequencePosition.isAfter(p(3), p(3))).toBe(false)
      expect(SequencePosition.isAfter(p(2), p(3))).toBe(false)
      expect(SequencePosition.isAfter(p(0), undefined)).toBe(true)
    })

    it("format gives the decimal string the schema encodes", () => {
      const big = p(123456789012345678901234567890n)
      expect(SequencePosition.format(big)).toBe("123456789012345678901234567890")
      expect(SequencePosition.format(big)).toBe(Schema.encodeSync(SequencePosition.SequencePosition)(big))
    })
  })
})

/**
 * The UTF-8 helpers of the view hot paths give what `TextEncoder` gives: the
 * view stores' size limits count with `byteLength`, and states are stored as
 * the bytes of `encode`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Utf8 from "../../src/Module/internal/utf8.ts"

const encoder = new TextEncoder()

const samples = [
  "",
  "account:42",
  "a\u0000b\u0000",
  "\u0000",
  "é",
  "\u07ff\u0800",
  "日本語",
  "\uffff",
  "😀",
  "a😀b",
  "\ud800", // lone high surrogate
  "\udc00", // lone low surrogate
  "a\ud800b",
  "\ud800\ud800\udc00", // a lone high surrogate, then a pair
  "\udc00\ud800", // low then high: two lone surrogates
  "x".repeat(64),
  "x".repeat(65),
  "x".repeat(63) + "é",
  "é".repeat(100)
]

describe("Utf8", () => {
  it("encode gives TextEncoder's bytes", () => {
    for (const s of samples) expect([...Utf8.encode(s)], JSON.stringify(s)).toEqual([...encoder.encode(s)])
  })

  it("byteLength is the length of TextEncoder's bytes, and nulCount the number of 0x00 bytes among them", () => {
    for (const s of samples) {
      const bytes = encoder.encode(s)
      expect(Utf8.byteLength(s), JSON.stringify(s)).toBe(bytes.length)
      expect(Utf8.nulCount(s), JSON.stringify(s)).toBe(bytes.filter((b) => b === 0).length)
    }
  })

  it("every code unit, alone and after a high surrogate", () => {
    for (let c = 0; c <= 0xffff; c += 7) {
      for (const s of [String.fromCharCode(c), "\ud83d" + String.fromCharCode(c), String.fromCharCode(c) + "z"]) {
        expect(Utf8.byteLength(s)).toBe(encoder.encode(s).length)
        expect(Utf8.encode(s)).toEqual(encoder.encode(s))
      }
    }
  })
})

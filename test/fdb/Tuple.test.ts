/**
 * The tuple encoding against byte vectors of the FoundationDB tuple layer
 * specification, and its order property.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Tuple from "fairway/Fdb/Tuple"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("Tuple", () => {
  it("packs like the tuple layer", () => {
    expect(hex(Tuple.pack(["hello"]))).toBe("0268656c6c6f00")
    expect(hex(Tuple.pack([Uint8Array.of(0x66, 0x6f, 0x6f, 0x00, 0x62, 0x61, 0x72)]))).toBe("01666f6f00ff62617200")
    expect(hex(Tuple.pack([0, 1, -1, 255, 256, -256]))).toBe("14" + "1501" + "13fe" + "15ff" + "160100" + "12feff")
    expect(hex(Tuple.pack([null, true, false]))).toBe("002726")
    expect(hex(Tuple.pack([Tuple.versionstamp(new Uint8Array(12).fill(0xaa))]))).toBe("33" + "aa".repeat(12))
  })

  it("unpacks what it packs", () => {
    const items: Array<Tuple.TupleItem> = ["a\u0000b", "", Uint8Array.of(0, 1, 255), 0, 42, -42, 2 ** 53 - 1, -(2n ** 63n), 2n ** 64n - 1n, null, true]
    expect(Tuple.unpack(Tuple.pack(items))).toEqual(items)
  })

  it("byte order of packed integers and strings is their order", () => {
    const ints = [-(2 ** 40), -70000, -256, -255, -1, 0, 1, 255, 256, 70000, 2 ** 40]
    const packed = ints.map((n) => Tuple.pack([n]))
    for (let i = 1; i < packed.length; i++) expect(Tuple.compare(packed[i - 1]!, packed[i]!)).toBeLessThan(0)
    const strings = ["", "a", "a\u0000", "ab", "b", "\u00e9"]
    const ps = strings.map((s) => Tuple.pack([s]))
    for (let i = 1; i < ps.length; i++) expect(Tuple.compare(ps[i - 1]!, ps[i]!)).toBeLessThan(0)
  })

  it("range, strinc and keyAfter bound what they should", () => {
    const p = Tuple.pack(["x"])
    const [b, e] = Tuple.range(p)
    const inside = Tuple.pack(["x", 5])
    expect(Tuple.compare(b, inside) < 0 && Tuple.compare(inside, e) < 0).toBe(true)
    expect(hex(Tuple.strinc(Uint8Array.of(1, 0xff, 0xff)))).toBe("02")
    expect(() => Tuple.strinc(Uint8Array.of(0xff))).toThrow(RangeError)
    expect(hex(Tuple.keyAfter(Uint8Array.of(7)))).toBe("0700")
  })
})

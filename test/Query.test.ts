import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { pipe } from "effect/Function"
import * as Schema from "effect/Schema"
import * as Query from "fairway/Dcb/Query"

const e = (type: string, ...tags: Array<string>): Query.Matchable => ({ type, tags })

describe("Query", () => {
  describe("matches", () => {
    it("all() matches every event", () => {
      expect(Query.matches(Query.all(), e("Anything"))).toBe(true)
      expect(Query.matches(Query.all(), e("X", "a:1", "b:2"))).toBe(true)
      expect(Query.isAll(Query.all())).toBe(true)
      expect(Query.isAll(Query.fromItems([{ types: ["A"] }]))).toBe(false)
    })

    it("types are OR'ed", () => {
      const q = Query.fromItems([{ types: ["A", "B"] }])
      expect(Query.matches(q, e("A"))).toBe(true)
      expect(Query.matches(q, e("B", "t:1"))).toBe(true)
      expect(Query.matches(q, e("C"))).toBe(false)
      expect(Query.matches(q, e("a"))).toBe(false)
    })

    it("tags are AND'ed, and the event may carry more", () => {
      const q = Query.fromItems([{ tags: ["x:1", "y:1"] }])
      expect(Query.matches(q, e("A", "x:1", "y:1"))).toBe(true)
      expect(Query.matches(q, e("A", "y:1", "z:1", "x:1"))).toBe(true)
      expect(Query.matches(q, e("A", "x:1"))).toBe(false)
      expect(Query.matches(q, e("A"))).toBe(false)
    })

    it("an item needs its type and all its tags", () => {
      const q = Query.fromItems([{ types: ["A", "B"], tags: ["x:1"] }])
      expect(Query.matches(q, e("A", "x:1"))).toBe(true)
      expect(Query.matches(q, e("B", "x:1", "y:1"))).toBe(true)
      expect(Query.matches(q, e("C", "x:1"))).toBe(false)
      expect(Query.matches(q, e("A", "x:2"))).toBe(false)
    })

    it("items are OR'ed", () => {
      const q = Query.fromItems([{ types: ["A"] }, { tags: ["x:1"] }, { types: ["B"], tags: ["y:1"] }])
      expect(Query.matches(q, e("A"))).toBe(true)
      expect(Query.matches(q, e("C", "x:1"))).toBe(true)
      expect(Query.matches(q, e("B", "y:1"))).toBe(true)
      expect(Query.matches(q, e("B"))).toBe(false)
      expect(Query.matches(q, e("C", "y:1"))).toBe(false)
    })

    it("an empty list of types or tags puts no constraint on the item", () => {
      expect(Query.matchesItem({ types: [], tags: ["x:1"] }, e("Any", "x:1"))).toBe(true)
      expect(Query.matchesItem({ types: ["A"], tags: [] }, e("A"))).toBe(true)
      expect(Query.matchesItem({ types: ["A"] }, e("B"))).toBe(false)
    })

    it("a query with no items matches nothing", () => {
      expect(Query.matches(Query.fromItems([]), e("A", "x:1"))).toBe(false)
    })

    it("has a data-last form", () => {
      const q = Query.fromItems([{ types: ["A"] }])
      expect(pipe(q, Query.matches(e("A")))).toBe(true)
      expect(Query.matches(e("B"))(q)).toBe(false)
      expect([e("A"), e("B"), e("A", "t")].filter((event) => Query.matches(q, event))).toHaveLength(2)
    })

    it("item() is a query of one item", () => {
      expect(Query.item({ tags: ["x:1"] })).toEqual(Query.fromItems([{ tags: ["x:1"] }]))
    })

    it("fromItems copies its input", () => {
      const items = [{ types: ["A"] }]
      const q = Query.fromItems(items)
      items.push({ types: ["B"] })
      expect(Query.matches(q, e("B"))).toBe(false)
    })
  })

  describe("union", () => {
    const a = Query.fromItems([{ types: ["A"] }])
    const b = Query.fromItems([{ tags: ["x:1"] }])

    it("matches what either query matches", () => {
      const u = Query.union(a, b)
      expect(Query.matches(u, e("A"))).toBe(true)
      expect(Query.matches(u, e("C", "x:1"))).toBe(true)
      expect(Query.matches(u, e("C"))).toBe(false)
      expect(u).toEqual(Query.fromItems([{ types: ["A"] }, { tags: ["x:1"] }]))
    })

    it("has a data-last form", () => {
      expect(pipe(a, Query.union(b))).toEqual(Query.union(a, b))
    })

    it("keeps identical items once, whatever the order of their types and tags", () => {
      const q1 = Query.fromItems([{ types: ["A", "B"], tags: ["x:1", "y:1"] }])
      const q2 = Query.fromItems([{ types: ["B", "A"], tags: ["y:1", "x:1"] }, { types: ["C"] }])
      const u = Query.union(q1, q2)
      expect(u._tag === "Items" && u.items.length).toBe(2)
      expect(Query.union(a, a)).toEqual(a)
      expect(Query.unionAll([a, b, a, b])).toEqual(Query.union(a, b))
    })

    it("does not merge items that differ", () => {
      // `types` only vs `tags` only with the same string, and a subset of tags
      const u = Query.unionAll([
        Query.fromItems([{ types: ["x"] }]),
        Query.fromItems([{ tags: ["x"] }]),
        Query.fromItems([{ tags: ["x", "y"] }])
      ])
      expect(u._tag === "Items" && u.items.length).toBe(3)
    })

    it("with all() is all()", () => {
      expect(Query.isAll(Query.union(a, Query.all()))).toBe(true)
      expect(Query.isAll(Query.union(Query.all(), b))).toBe(true)
      expect(Query.isAll(Query.unionAll([a, b, Query.all()]))).toBe(true)
    })

    it("unionAll of nothing matches nothing and is invalid", () => {
      const none = Query.unionAll([])
      expect(Query.matches(none, e("A"))).toBe(false)
      expect(Query.invalidReason(none)?._tag).toBe("InvalidQuery")
    })

    it("unionAll takes any iterable", () => {
      function* queries() {
        yield a
        yield b
      }
      expect(Query.unionAll(queries())).toEqual(Query.union(a, b))
    })
  })

  describe("validation", () => {
    it("accepts all() and items with types or tags", () => {
      expect(Query.invalidReason(Query.all())).toBeUndefined()
      expect(Query.invalidReason(Query.fromItems([{ types: ["A"] }, { tags: ["x:1"] }]))).toBeUndefined()
      expect(Query.invalidReason(Query.fromItems([{ types: ["A"], tags: [] }]))).toBeUndefined()
    })

    it.each([
      ["no items", Query.fromItems([]), undefined],
      ["an item with neither types nor tags", Query.fromItems([{ types: ["A"] }, {}]), 1],
      ["an item with empty lists", Query.fromItems([{ types: [], tags: [] }]), 0],
      ["an empty type", Query.fromItems([{ types: ["A", ""] }]), 0],
      ["an empty tag", Query.fromItems([{ tags: ["x:1"] }, { types: ["A"], tags: [""] }]), 1],
      // from untyped callers: a string would otherwise match by substring in the memory store
      ["types that are not an array", Query.fromItems([{ types: "CourseDefined" as unknown as Array<string> }]), 0],
      ["tags that are not an array", Query.fromItems([{ types: ["A"] }, { tags: "x:1" as unknown as Array<string> }]), 1],
      ["an item that is not an object", Query.fromItems([null as unknown as Query.QueryItem]), 0]
    ] as const)("rejects %s", (_, query, itemIndex) => {
      const error = Query.invalidReason(query)
      expect(error).toBeInstanceOf(Query.InvalidQuery)
      expect(error?._tag).toBe("InvalidQuery")
      expect(error?.itemIndex).toBe(itemIndex)
      expect(error?.message.length).toBeGreaterThan(0)
    })

    it.effect("validate succeeds with the query or fails with InvalidQuery", () =>
      Effect.gen(function*() {
        const q = Query.fromItems([{ types: ["A"] }])
        expect(yield* Query.validate(q)).toBe(q)
        const error = yield* Effect.flip(Query.validate(Query.fromItems([{}])))
        expect(error._tag).toBe("InvalidQuery")
        expect(error.itemIndex).toBe(0)
      }))
  })

  describe("QuerySchema", () => {
    it("round-trips queries through JSON", () => {
      const codec = Schema.fromJsonString(Query.QuerySchema)
      for (const q of [Query.all(), Query.fromItems([{ types: ["A", "B"], tags: ["x:1"] }, { tags: ["y:1"] }])]) {
        const json = Schema.encodeSync(codec)(q)
        expect(Schema.decodeUnknownSync(codec)(json)).toEqual(q)
      }
    })

    it("rejects an Items query without items", () => {
      expect(() => Schema.decodeUnknownSync(Query.QuerySchema)({ _tag: "Items", items: [] })).toThrow()
    })
  })
})

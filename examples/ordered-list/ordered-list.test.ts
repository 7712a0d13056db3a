import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { EventStore } from "fairway/Dcb"
import { Memory, Simulated } from "fairway/Layer"
import { View } from "fairway/Module"
import { ArticleList, ArticlePublished, ArticleUnpublished, page } from "./domain.ts"

for (const [name, layer] of [["memory", Memory.layer()], ["simulator", Simulated.layer({ seed: 4 })]] as const) {
  describe(`ordered list (${name})`, () => {
    it.effect("pages newest first, per tag, and forgets unpublished articles", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 30; i++) {
          yield* EventStore.append([
            ArticlePublished.make({ slug: `p${i}`, title: `P${i}`, tags: i % 2 === 0 ? ["even"] : ["odd"], at: i })
          ])
        }
        yield* EventStore.append([ArticleUnpublished.make({ slug: "p28", tags: ["even"], at: 28 })])
        yield* View.catchUp(ArticleList)
        const first = yield* page({}, 4)
        expect(first.map((e) => e.state.slug)).toEqual(["p29", "p27", "p26", "p25"])
        const second = yield* page({}, 4, first[3]!.key)
        expect(second.map((e) => e.state.slug)).toEqual(["p24", "p23", "p22", "p21"])
        const even = yield* page({ tag: "even" }, 3)
        expect(even.map((e) => e.state.slug)).toEqual(["p26", "p24", "p22"])
      }).pipe(Effect.provide(layer)))
  })
}

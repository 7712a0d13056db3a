/**
 * An ordered list view, the program (`npm run example -- ordered-list`).
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import { EventStore } from "fairway/Dcb"
import { View, ViewStore } from "fairway/Module"
import { runExample } from "../runtime.ts"
import { ArticleList, ArticlePublished, ArticleUnpublished, page } from "./domain.ts"

/** @category programs @since 0.1.0 */
export const program = Effect.gen(function* () {
  const tags = ["effect", "dcb", "fdb"]
  for (let i = 0; i < 2_000; i++) {
    yield* EventStore.append([
      ArticlePublished.make({ slug: `post-${i}`, title: `Post ${i}`, tags: [tags[i % 3]!], at: 1_000 + i })
    ])
  }
  yield* EventStore.append([ArticleUnpublished.make({ slug: "post-1998", tags: ["fdb"], at: 1_000 + 1998 })])
  yield* View.catchUp(ArticleList)
  yield* Console.log("2,000 articles listed as 4,000 small states (one per list entry), not one 100 kB+ value")
  const first = yield* page({}, 3)
  yield* Console.log(`newest first: ${first.map((e) => e.state.slug).join(", ")}`)
  const next = yield* page({}, 3, first[first.length - 1]!.key)
  yield* Console.log(`next page:    ${next.map((e) => e.state.slug).join(", ")}`)
  const fdb = yield* page({ tag: "fdb" }, 3)
  yield* Console.log(`tag "fdb" (post-1998 was unpublished): ${fdb.map((e) => e.state.slug).join(", ")}`)
}).pipe(Effect.provide(ViewStore.layerMemory)) satisfies Effect.Effect<void, unknown, EventStore.EventStore>

if (import.meta.main) runExample(program)

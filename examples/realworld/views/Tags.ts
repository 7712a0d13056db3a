/**
 * The tags in use, as a persistent view: how many live articles carry each.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Query } from "../../../src/Dcb/index.ts"
import { Registry, View } from "../../../src/Module/index.ts"
import { ArticleCreated, ArticleDeleted } from "../domain/events.ts"

/** @category views @since 0.1.0 */
export const Tags = Registry.register(View.make({
  name: "Tags",
  version: 1,
  query: Query.item({ types: [ArticleCreated.type, ArticleDeleted.type] }),
  events: [ArticleCreated, ArticleDeleted],
  schema: Schema.Record(Schema.String, Schema.Int),
  initial: {} as Readonly<Record<string, number>>,
  key: () => "tags",
  evolve: (counts, event) => {
    const next: Record<string, number> = { ...counts }
    const delta = event.type === "ArticleCreated" ? 1 : -1
    for (const tag of event.payload.tagList) {
      const n = (next[tag] ?? 0) + delta
      if (n > 0) next[tag] = n
      else delete next[tag]
    }
    return next
  }
}))

/**
 * Takes back the favorites a deletion could not take back in its own append
 * (an article with more than `releaseBatch` favorites), in batches, so the
 * favorites lists and counts drop the article. At least once: each batch is
 * a `ReleaseFavorites` command with a key derived from the deletion's
 * position, and a batch decides from the favorites still standing, so a
 * redelivered deletion takes back nothing twice.
 *
 * @since 0.1.0
 */
import { Effect, HashSet } from "effect"
import { DecisionModel, Query } from "fairway/Dcb"
import { Automation, Command, Registry } from "fairway/Module"
import { ReleaseFavorites } from "../commands/ReleaseFavorites.ts"
import { ArticleDeleted } from "../domain/events.ts"
import { favoriters } from "../domain/models.ts"

/** @category automations @since 0.1.0 */
export const ReleaseFavoritesOfDeletedArticles = Registry.register(Automation.make({
  name: "ReleaseFavoritesOfDeletedArticles",
  query: Query.item({ types: [ArticleDeleted.type] }),
  events: [ArticleDeleted],
  handle: (event, trigger) =>
    Effect.gen(function*() {
      const { articleId, articlePosition } = event.payload
      if (articlePosition === undefined) return // an earlier version's deletion: it carried its favorites
      for (let batch = 0;; batch++) {
        const left = yield* DecisionModel.read(favoriters(articleId))
        if (HashSet.size(left.state) === 0) return
        const result = yield* Command.run(ReleaseFavorites, { articleId, articlePosition }, trigger.commandOptions(`${batch}`))
        if (result.events.length === 0) return
      }
    })
}))

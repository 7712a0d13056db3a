/**
 * Lists past the size of one FoundationDB value: on the simulator (which
 * enforces FoundationDB's 100 KB value limit), 1,500 articles of one author
 * with one tag still list, page and count, because no list is held in one
 * view state (before, the list views failed at about 1,050 articles).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { EventStore } from "fairway/Dcb"
import { Backend, HttpTest } from "fairway/Testing"
import { app } from "../api.ts"
import * as Auth from "../auth.ts"
import { ArticleCreated, UserRegistered } from "../domain/events.ts"

const secret = "scale-test-secret-of-32-bytes-or-more"
const articles = 1_500

describe("lists at scale (simulator)", () => {
  it.live(`${articles} articles in one list: pages, counts, filters`, () =>
    Effect.gen(function*() {
      const api = yield* HttpTest.make(app, { backend: Backend.simulator(), layer: Auth.layerSecret(secret) })
      // the data as the commands append it, in a few appends
      yield* api.use(EventStore.append([
        UserRegistered.make({ userId: "u1", username: "prolific", email: "p@x.io", passwordHash: "unused" })
      ])).pipe(Effect.orDie)
      for (let start = 0; start < articles; start += 500) {
        yield* api.use(EventStore.append(Array.from({ length: 500 }, (_, k) => {
          const i = start + k
          return ArticleCreated.make({
            articleId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, // as long as a UUID
            slug: `article-${i}`,
            authorId: "u1",
            title: `Article ${i}`,
            description: "d".repeat(40),
            body: "b",
            tagList: ["common"],
            createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()
          })
        }))).pipe(Effect.orDie)
      }
      for (const query of ["", "?tag=common", "?author=prolific"]) {
        const sep = query === "" ? "?" : "&"
        const first = yield* api.get(`/api/articles${query}${sep}limit=20`)
        expect(first.status, query).toBe(200)
        expect(first.body.articlesCount, query).toBe(articles)
        expect(first.body.articles.map((a: { slug: string }) => a.slug).slice(0, 2), query).toEqual([
          `article-${articles - 1}`,
          `article-${articles - 2}`
        ])
        const last = yield* api.get(`/api/articles${query}${sep}limit=20&offset=${articles - 5}`)
        expect(last.body.articles.map((a: { slug: string }) => a.slug), query).toEqual(
          [4, 3, 2, 1, 0].map((i) => `article-${i}`)
        )
      }
      expect((yield* api.get("/api/tags")).body).toEqual({ tags: ["common"] })
    }), 180_000)
})

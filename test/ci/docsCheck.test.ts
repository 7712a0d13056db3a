/**
 * The docs check's extraction: which Markdown blocks it compiles, which it
 * skips (`ts partial`), which it joins (`ts continued`), and the Markdown
 * line each block starts at (where errors are reported).
 */
import { describe, expect, it } from "@effect/vitest"
import { extract } from "../../.ci/docs-check.ts"

const markdown = [
  "# Title", //                      1
  "```sh", //                        2
  "npm test", //                     3
  "```", //                          4
  "```ts", //                        5
  "const a = 1", //                  6
  "```", //                          7
  "text", //                         8
  "```ts continued", //              9
  "const b = a + 1", //             10
  "```", //                         11
  "```ts partial", //               12
  "yield* somewhere", //            13
  "```", //                         14
  "````typescript", //              15
  "const c = \"```\"", //           16
  "```", //                         17
  "````", //                        18
  "  ```ts", //                     19
  "  const d = 4", //               20
  "  ```" //                        21
].join("\n")

describe("docs check: extract", () => {
  it("keeps TypeScript blocks, joins continued ones, skips partial ones and other languages", () => {
    const { blocks, partial } = extract("README.md", markdown)
    expect(partial).toBe(1)
    expect(blocks.map((b) => b.segments.map((s) => [s.line, s.code]))).toEqual([
      [[6, "const a = 1"], [10, "const b = a + 1"]],
      [[16, "const c = \"```\"\n```"]],
      [[20, "const d = 4"]]
    ])
  })
})

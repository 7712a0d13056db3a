import { defineConfig } from "vitest/config"

// `fairway/…` imports resolve to the sources (the `fairway-source` export condition in package.json), as with
// `node --conditions=fairway-source` in the npm scripts and `customConditions` in tsconfig.json: no build step.
const conditions = ["fairway-source", "node", "development|production"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})

/**
 * Builds the Studio's page: bundles `../ui/app.ts` (with Preact) into one
 * minified script with Rolldown, and writes it with `../ui/style.css` into
 * `./bundle.ts` as string constants, so the server serves the page
 * from memory, offline, with no build step at install or start time.
 *
 * `npm run studio:build` regenerates the file after a change under
 * `src/Studio/ui`; `test/studio/bundle.test.ts` fails when it is stale.
 *
 * @since 0.1.0
 * @internal
 */
import { readFile, writeFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { rolldown } from "rolldown"

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** The bundle module's path. */
export const target = here("./bundle.ts")

/** Renders the bundle module's text from the sources. */
export const render = async (): Promise<string> => {
  const bundle = await rolldown({
    input: here("../ui/app.ts"),
    platform: "browser",
    logLevel: "silent",
    transform: { define: { "process.env.NODE_ENV": "\"production\"" } }
  })
  try {
    const { output } = await bundle.generate({ format: "iife", minify: true, sourcemap: false })
    const script = output[0].code
    const style = (await readFile(here("../ui/style.css"), "utf8")).replace(/\s*\n\s*/g, "\n").trim()
    return [
      "/**",
      " * The Studio's page script and style, bundled from `src/Studio/ui` by",
      " * `src/Studio/internal/build.ts` (`npm run studio:build`). Generated: do not edit;",
      " * `test/studio/bundle.test.ts` checks it matches the sources.",
      " *",
      " * @since 0.1.0",
      " * @internal",
      " */",
      "",
      "/** The page's script (Preact included), an IIFE. */",
      `export const script: string = ${JSON.stringify(script)}`,
      "",
      "/** The page's style sheet. */",
      `export const style: string = ${JSON.stringify(style)}`,
      ""
    ].join("\n")
  } finally {
    await bundle.close()
  }
}

if (import.meta.main) {
  const text = await render()
  await writeFile(target, text)
  console.log(`wrote ${target} (${text.length} characters)`)
}

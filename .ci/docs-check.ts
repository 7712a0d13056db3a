/**
 * The docs check: every TypeScript block of README.md and docs/**.md compiles
 * against the current API.
 *
 * Each ```ts block becomes a module of its own (so blocks do not see each
 * other's names) under `.ci/.docs-check/<pid>/`, type-checked with the repository's
 * own compiler options; `fairway/…` imports resolve to the sources through
 * the `fairway-source` export condition, as in the tests. A block that goes on from
 * the previous block of its file says so in its info string
 * (```` ```ts continued ````) and joins its module. A block that is
 * deliberately partial (a fragment of a bigger program) says so too
 * (```` ```ts partial ````) and is skipped. Errors are reported at the
 * Markdown file and line they come from. Relative imports in a block
 * (`./examples/…`) resolve from the Markdown file's directory.
 *
 * Run: `node .ci/docs-check.ts` (the repository's Node, from the root).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
// inside the repository (so that `fairway/…` resolves to it), one directory per run
const out = path.join(root, ".ci", ".docs-check", String(process.pid))

const markdownFiles = (): Array<string> => {
  const files = ["README.md"]
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(rel)
      else if (entry.name.endsWith(".md")) files.push(rel)
    }
  }
  if (fs.existsSync(path.join(root, "docs"))) walk("docs")
  return files
}

interface Segment {
  readonly line: number // 1-based Markdown line of the segment's first code line
  readonly code: string
}

interface Block {
  readonly markdown: string
  readonly segments: Array<Segment>
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/

/** The fenced TypeScript blocks of a Markdown text, and how many were marked partial. */
export const extract = (markdown: string, text: string): { blocks: Array<Block>; partial: number } => {
  const lines = text.split("\n")
  const blocks: Array<Block> = []
  let partial = 0
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!)
    if (open === null) continue
    const [, indent, fence, lang, rest] = open
    const closing = new RegExp(`^\\s*\\${fence![0]}{${fence!.length},}\\s*$`)
    const end = lines.findIndex((l, j) => j > i && closing.test(l))
    const close = end === -1 ? lines.length : end
    const isTs = ["ts", "typescript", "tsx"].includes(lang!.toLowerCase())
    if (isTs && /\bpartial\b/.test(rest!)) partial++
    else if (isTs) {
      const code = lines.slice(i + 1, close).map((l) => l.startsWith(indent!) ? l.slice(indent!.length) : l).join("\n")
      const segment = { line: i + 2, code }
      const previous = blocks.at(-1)
      if (/\bcontinued\b/.test(rest!) && previous !== undefined) previous.segments.push(segment)
      else blocks.push({ markdown, segments: [segment] })
    }
    i = close
  }
  return { blocks, partial }
}

// relative imports in a block resolve from the Markdown file's directory, as its links do (same line count)
const fromMarkdown = (markdown: string, code: string): string =>
  code.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']*)\2/g, (_, pre: string, q: string, spec: string) => {
    const target = path.resolve(root, path.dirname(markdown), spec)
    return `${pre}${q}${path.relative(out, target).split(path.sep).join("/")}${q}`
  })

// the Markdown line of a line of a block's module (segments are joined with one newline)
const markdownLine = (block: Block, line: number): number => {
  let first = 1
  for (const segment of block.segments) {
    const count = segment.code.split("\n").length
    if (line < first + count) return segment.line + line - first
    first += count
  }
  return block.segments.at(-1)!.line
}

const main = () => {
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  const files = new Map<string, Block>()
  let partial = 0
  for (const markdown of markdownFiles()) {
    const found = extract(markdown, fs.readFileSync(path.join(root, markdown), "utf8"))
    partial += found.partial
    for (const block of found.blocks) {
      const name = `${markdown.replace(/[^A-Za-z0-9]+/g, "_")}_L${block.segments[0]!.line}.ts`
      // `export {}`: each block is a module (its own scope; top-level await allowed)
      const code = block.segments.map((s) => fromMarkdown(markdown, s.code)).join("\n")
      fs.writeFileSync(path.join(out, name), `${code}\nexport {}\n`)
      files.set(name, block)
    }
  }
  fs.writeFileSync(
    path.join(out, "tsconfig.json"),
    JSON.stringify({ extends: "../../../tsconfig.json", compilerOptions: { noEmit: true }, include: ["*.ts"] }, null, 2)
  )
  const tsc = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", out, "--pretty", "false"], {
    cwd: root,
    encoding: "utf8"
  })
  const report = (tsc.stdout + tsc.stderr).split("\n").filter((l) => l.trim() !== "").map((l) => {
    const m = /^(?:.*[\\/])?([^\\/()]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l)
    const block = m === null ? undefined : files.get(m[1]!)
    return block === undefined ? l : `${block.markdown}:${markdownLine(block, Number(m![2]))}:${m![3]}: ${m![4]}`
  })
  fs.rmSync(out, { recursive: true, force: true })
  if (tsc.status !== 0) {
    console.error(report.join("\n"))
    console.error(`docs check: the TypeScript blocks above do not compile (${files.size} checked, ${partial} marked partial)`)
    process.exit(1)
  }
  console.log(`docs check: ${files.size} TypeScript blocks compile (${partial} marked partial, skipped)`)
}

if (import.meta.main) main()

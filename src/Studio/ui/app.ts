/**
 * The Studio's page: a Preact app (no JSX, so the sources type-check with the
 * project's compiler settings), hash-routed, driven by the JSON API of
 * `../Studio.ts`. Every control is a native link, button or input, so the
 * page works with the keyboard alone; the keys 1–5 switch sections and `/`
 * focuses the first filter field.
 *
 * Bundled by `../internal/build.ts` into `../internal/bundle.ts`.
 *
 * @since 0.1.0
 * @internal
 */
import { type ComponentChildren, h, render } from "preact"
import { useCallback, useEffect, useState } from "preact/hooks"

// -- data ---------------------------------------------------------------------

interface EventJson {
  readonly position: string
  readonly type: string
  readonly tags: ReadonlyArray<string>
  readonly recordedAt: string
  readonly metadata: Readonly<Record<string, string>>
  readonly payload: unknown
  readonly decodedBy: string
  readonly decodeError: string | null
}

interface Boundary {
  readonly sequence: number
  readonly run: number
  readonly process: string
  readonly command: string
  readonly attempt: number
  readonly at: number
  readonly correlationId: string
  readonly idempotencyKey?: string
  readonly query?: unknown
  readonly after: string | null
  readonly outcome: string
  readonly position: string | null
  readonly appended: ReadonlyArray<{ readonly type: string; readonly tags: ReadonlyArray<string> }>
  readonly appendedCount: number
  readonly conflictingPosition: string | null
  readonly conflictingCondition?: number
  readonly conditions: ReadonlyArray<{ readonly query: unknown; readonly after: string | null }> | null
  readonly error?: string
}

interface Overview {
  readonly head: string | null
  readonly commands: ReadonlyArray<string>
  readonly actions: boolean
  readonly boundaries: { readonly capacity: number } | null
}

interface DeadLetter {
  readonly position: string
  readonly eventType: string
  readonly attempts: number
  readonly error: string
  readonly failedAt: number
}

const base = (document.querySelector("meta[name=studio-base]")?.getAttribute("content") ?? "/").replace(/\/$/, "")

const tokenKey = "fairway-studio-token"

const headers = (): Record<string, string> => {
  const token = sessionStorage.getItem(tokenKey)
  return token === null || token === "" ? {} : { authorization: `Bearer ${token}` }
}

const getJson = async <A>(path: string): Promise<A> => {
  const response = await fetch(`${base}/api${path}`, { headers: headers() })
  const body = await response.json()
  if (!response.ok) throw new Error(body.error ?? response.statusText)
  return body as A
}

const useJson = <A>(path: string | undefined, refresh = 0): { data: A | undefined; error: string | undefined } => {
  const [state, setState] = useState<{ data: A | undefined; error: string | undefined }>({ data: undefined, error: undefined })
  useEffect(() => {
    if (path === undefined) return
    let live = true
    getJson<A>(path).then(
      (data) => live && setState({ data, error: undefined }),
      (error: Error) => live && setState({ data: undefined, error: error.message })
    )
    return () => {
      live = false
    }
  }, [path, refresh])
  return state
}

const params = (entries: Record<string, string | undefined>): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(entries)) if (value !== undefined && value !== "") search.set(key, value)
  const text = search.toString()
  return text === "" ? "" : `?${text}`
}

// -- small pieces ---------------------------------------------------------------

const Link = (props: { href: string; children?: ComponentChildren; testid?: string }) =>
  h("a", { href: `#${props.href}`, "data-testid": props.testid }, props.children)

const Tags = (props: { tags: ReadonlyArray<string> }) =>
  h("span", { class: "tags" }, props.tags.map((tag) => h("code", { class: "tag", key: tag }, tag)))

const Badge = (props: { outcome: string }) => h("span", { class: `badge ${props.outcome}` }, props.outcome)

const Json = (props: { value: unknown }) => h("pre", { class: "json" }, JSON.stringify(props.value, null, 2))

interface QueryJson {
  readonly _tag: "All" | "Items"
  readonly items?: ReadonlyArray<{ readonly types?: ReadonlyArray<string>; readonly tags?: ReadonlyArray<string> }>
}

/** A query in words: items OR'ed, an item's types OR'ed and its tags AND'ed. */
const describeQuery = (query: QueryJson): string =>
  query._tag === "All" || query.items === undefined
    ? "every event"
    : query.items.map((item) => {
      const types = item.types === undefined || item.types.length === 0 ? "any type" : item.types.join(" or ")
      const tags = item.tags === undefined || item.tags.length === 0 ? "" : ` tagged ${item.tags.join(" and ")}`
      return `${types}${tags}`
    }).join("; or ")

/** The explorer's link for a one-item query, decided after a position. */
const exploreLink = (query: QueryJson, after: string | null): string | undefined => {
  if (query._tag !== "Items" || query.items === undefined || query.items.length !== 1) return undefined
  const item = query.items[0]!
  // a decision that read nothing conflicts with any matching event: explore from the start
  return `/explore${params({ types: item.types?.join(","), tags: item.tags?.join(","), after: after ?? "start" })}`
}

const Problem = (props: { error: string | undefined }) =>
  props.error === undefined ? null : h("p", { class: "error", role: "alert" }, props.error)

const Loading = () => h("p", { class: "muted" }, "Loading…")

const time = (iso: string | number) => new Date(iso).toLocaleTimeString()

const Field = (props: { label: string; name: string; value: string; onInput: (v: string) => void; placeholder?: string; testid?: string }) =>
  h("label", null, props.label, h("input", {
    name: props.name,
    value: props.value,
    placeholder: props.placeholder,
    "data-testid": props.testid,
    onInput: (e: Event) => props.onInput((e.target as HTMLInputElement).value)
  }))

const EventRows = (props: { events: ReadonlyArray<EventJson>; testid?: string }) =>
  h("table", { "data-testid": props.testid },
    h("thead", null, h("tr", null, ["Position", "Type", "Tags", "Command", "Recorded"].map((c) => h("th", { key: c, scope: "col" }, c)))),
    h("tbody", null, props.events.map((e) =>
      h("tr", { key: e.position, "data-position": e.position },
        h("td", null, h(Link, { href: `/event/${e.position}` }, `#${e.position}`)),
        h("td", null, e.type),
        h("td", null, h(Tags, { tags: e.tags.filter((t) => !t.startsWith("fairway.")) })),
        h("td", null, e.metadata["command"] ?? ""),
        h("td", null, time(e.recordedAt))))))

// -- log ------------------------------------------------------------------------

const Log = () => {
  const [types, setTypes] = useState("")
  const [tags, setTags] = useState("")
  const [at, setAt] = useState("")
  const [filter, setFilter] = useState({ types: "", tags: "", at: "" })
  const [pages, setPages] = useState<ReadonlyArray<string>>([]) // the `before` of each page visited
  const [live, setLive] = useState<ReadonlyArray<EventJson>>([])
  const before = pages.length > 0 ? pages[pages.length - 1] : filter.at === "" ? undefined : String(BigInt(filter.at) + 1n)
  const { data, error } = useJson<{ head: string | null; events: ReadonlyArray<EventJson>; next: string | null }>(
    `/events${params({ types: filter.types, tags: filter.tags, before, limit: "50" })}`
  )
  const first = pages.length === 0 && filter.at === ""
  // live: new events matching the filter, while the newest page is shown
  useEffect(() => {
    setLive([])
    if (!first || data === undefined) return
    const after = data.events[0]?.position ?? data.head ?? undefined
    const source = new EventSource(`${base}/api/live${params({ types: filter.types, tags: filter.tags, after })}`)
    source.addEventListener("append", (message) => {
      const event = JSON.parse((message as MessageEvent).data) as EventJson
      setLive((current) => [event, ...current].slice(0, 200))
    })
    return () => source.close()
  }, [data, first])
  const submit = (e: Event) => {
    e.preventDefault()
    if (at !== "" && !/^\d+$/.test(at)) return
    setPages([])
    setFilter({ types, tags, at })
  }
  const events = [...live, ...(data?.events ?? [])]
  return h("section", { "aria-labelledby": "log-title" },
    h("h2", { id: "log-title" }, "Event log ", h("small", { class: "muted" }, "newest first")),
    h("form", { class: "filters", onSubmit: submit, role: "search" },
      h(Field, { label: "Types", name: "types", value: types, onInput: setTypes, placeholder: "CourseDefined,…", testid: "filter-types" }),
      h(Field, { label: "Tags (all of)", name: "tags", value: tags, onInput: setTags, placeholder: "course:math", testid: "filter-tags" }),
      h(Field, { label: "At or before position", name: "at", value: at, onInput: setAt, placeholder: "head", testid: "filter-at" }),
      h("button", { type: "submit" }, "Filter")),
    h(Problem, { error }),
    data === undefined ? h(Loading, null) : h("div", null,
      h("p", { class: "muted", "data-testid": "log-summary" },
        `head #${live[0]?.position ?? data.head ?? "–"} · ${events.length} shown`, first ? h("span", { class: "live", title: "updates live" }, " ● live") : null),
      h(EventRows, { events, testid: "log-table" }),
      h("nav", { class: "pager", "aria-label": "log pages" },
        h("button", { type: "button", disabled: pages.length === 0 && filter.at === "", onClick: () => {
          setPages([])
          setFilter({ ...filter, at: "" })
          setAt("")
        } }, "Newest"),
        h("button", { type: "button", disabled: data.next === null, "data-testid": "older", onClick: () => setPages([...pages, data.next!]) }, "Older →"))))
}

// -- one event --------------------------------------------------------------------

const EventPage = (props: { position: string }) => {
  const { data, error } = useJson<{ event: EventJson; causationChain: ReadonlyArray<EventJson>; boundaries: ReadonlyArray<Boundary> }>(
    `/events/${props.position}`
  )
  if (error !== undefined) return h(Problem, { error })
  if (data === undefined) return h(Loading, null)
  const e = data.event
  return h("section", { "aria-labelledby": "event-title", "data-testid": "event-page" },
    h("h2", { id: "event-title" }, `#${e.position} ${e.type}`),
    h("dl", { class: "facts" },
      h("dt", null, "Tags"), h("dd", null, h(Tags, { tags: e.tags })),
      h("dt", null, "Recorded"), h("dd", null, e.recordedAt),
      h("dt", null, "Payload"), h("dd", null, h("small", { class: "muted" }, `decoded by ${e.decodedBy}`),
        e.decodeError === null ? null : h("p", { class: "error" }, e.decodeError), h(Json, { value: e.payload }))),
    h("h3", null, "Metadata"),
    h("table", { "data-testid": "metadata" }, h("tbody", null, Object.entries(e.metadata).map(([k, v]) =>
      h("tr", { key: k }, h("th", { scope: "row" }, k), h("td", null, h("code", null, v)))))),
    h("h3", null, "Causation chain"),
    data.causationChain.length === 0
      ? h("p", { class: "muted" }, "No cause recorded (no causationId, or the cause is not an event).")
      : h("ol", null, data.causationChain.map((c) => h("li", { key: c.position }, h(Link, { href: `/event/${c.position}` }, `#${c.position} ${c.type}`)))),
    h("h3", null, "Boundary of the run that wrote it"),
    data.boundaries.length === 0
      ? h("p", { class: "muted" }, "No boundary record (written outside a command, before recording began, or overwritten).")
      : h(BoundaryTable, { records: data.boundaries }))
}

// -- boundaries -------------------------------------------------------------------

const BoundaryTable = (props: { records: ReadonlyArray<Boundary> }) =>
  h("table", { "data-testid": "boundary-table" },
    h("thead", null, h("tr", null, ["#", "Command", "Attempt", "Outcome", "Decided after", "Appended / conflicting", "At"].map((c) =>
      h("th", { key: c, scope: "col" }, c)))),
    h("tbody", null, props.records.map((b) =>
      h("tr", { key: b.sequence, "data-command": b.command, "data-outcome": b.outcome },
        h("td", null, h(Link, { href: `/boundary/${b.sequence}` }, `${b.sequence}`)),
        h("td", null, b.command),
        h("td", null, b.attempt),
        h("td", null, h(Badge, { outcome: b.outcome })),
        h("td", null, b.after === null ? "(nothing read)" : `#${b.after}`),
        h("td", null,
          b.conflictingPosition !== null
            ? h("span", null, "conflict with ", h(Link, { href: `/event/${b.conflictingPosition}` }, `#${b.conflictingPosition}`))
            : b.position !== null ? `#${b.position} (${b.appendedCount} event${b.appendedCount === 1 ? "" : "s"})` : b.error ?? ""),
        h("td", null, time(b.at))))))

const BoundaryList = () => {
  const overview = useJson<Overview>("/overview")
  const [command, setCommand] = useState("")
  const [conflicted, setConflicted] = useState(false)
  const [refresh, setRefresh] = useState(0)
  const { data, error } = useJson<{ enabled: boolean; capacity: number; records: ReadonlyArray<Boundary> }>(
    `/boundaries${params({ command, conflicted: conflicted ? "1" : undefined, limit: "200" })}`,
    refresh
  )
  return h("section", { "aria-labelledby": "boundaries-title" },
    h("h2", { id: "boundaries-title" }, "Command boundaries"),
    h("p", { class: "muted" },
      "Each row is one attempt of a command run: the position its decision read up to, and how its append ended. ",
      "A conflict means an event matching the decision's query was appended after that position: the command read again and retried."),
    h("div", { class: "filters" },
      h("label", null, "Command ", h("select", { value: command, "data-testid": "boundary-command", onChange: (e: Event) => setCommand((e.target as HTMLSelectElement).value) },
        h("option", { value: "" }, "all"),
        (overview.data?.commands ?? []).map((c) => h("option", { key: c, value: c }, c)))),
      h("label", { class: "check" }, h("input", { type: "checkbox", checked: conflicted, "data-testid": "boundary-conflicted", onChange: () => setConflicted(!conflicted) }), " only runs with conflicts"),
      h("button", { type: "button", onClick: () => setRefresh(refresh + 1) }, "Refresh")),
    h(Problem, { error }),
    data === undefined ? h(Loading, null) : !data.enabled
      ? h("p", null, "Boundary recording is off: provide Boundaries.layer() to the app.")
      : h("div", null, h("p", { class: "muted" }, `${data.records.length} records shown (the store keeps the last ${data.capacity})`),
        h(BoundaryTable, { records: data.records })))
}

interface RunAttempt {
  readonly record: Boundary
  readonly readCount: number
  readonly readCountAtLeast: boolean
  readonly read: ReadonlyArray<EventJson>
  readonly conflicting: EventJson | null
}

const BoundaryRun = (props: { sequence: string }) => {
  const { data, error } = useJson<{ command: string; attempts: ReadonlyArray<RunAttempt> }>(`/boundaries/${props.sequence}`)
  if (error !== undefined) return h(Problem, { error })
  if (data === undefined) return h(Loading, null)
  const conflicts = data.attempts.filter((a) => a.record.outcome === "conflict")
  const last = data.attempts[data.attempts.length - 1]!.record
  return h("section", { "aria-labelledby": "run-title", "data-testid": "boundary-run" },
    h("h2", { id: "run-title" }, `${data.command}: ${data.attempts.length} attempt${data.attempts.length === 1 ? "" : "s"}`),
    h("p", { class: "summary", "data-testid": "run-summary" },
      conflicts.length === 0
        ? `Decided once, no conflict; it ended as "${last.outcome}".`
        // a retry follows each conflict but the last attempt's: a run that ran out of retries ends on a conflict
        : `It retried ${last.attempt - 1} time${last.attempt === 2 ? "" : "s"}: ` + conflicts.map((a) =>
          `attempt ${a.record.attempt} conflicted with #${a.record.conflictingPosition}` +
          (a.conflicting === null ? "" : ` ${a.conflicting.type} [${a.conflicting.tags.join(", ")}]`)).join("; ") +
          `. The last attempt ended as "${last.outcome}"${last.outcome === "conflict" ? " (no retry left)" : ""}.`),
    data.attempts.map((a) =>
      h("article", { key: a.record.sequence, class: `attempt ${a.record.outcome}`, "data-testid": `attempt-${a.record.attempt}` },
        h("h3", null, `Attempt ${a.record.attempt} `, h(Badge, { outcome: a.record.outcome })),
        h("dl", { class: "facts" },
          h("dt", null, "Decision query"), h("dd", { "data-testid": "query" }, a.record.query === undefined
            ? "(failed before reading)"
            : h("div", null,
              h("code", null, describeQuery(a.record.query as QueryJson)),
              (() => {
                const link = exploreLink(a.record.query as QueryJson, a.record.after)
                return link === undefined ? null : h("span", null, " · ", h(Link, { href: link }, "explore this boundary"))
              })(),
              h("details", null, h("summary", null, "as JSON"), h(Json, { value: a.record.query })))),
          a.record.conditions === null ? null : [h("dt", { key: "r" }, "Reads"), h("dd", { key: "s", "data-testid": "conditions" },
            h("ol", { start: 0 }, a.record.conditions.map((c, i) =>
              h("li", { key: i }, h("code", null, describeQuery(c.query as QueryJson)), ` up to #${c.after ?? "(nothing read)"}`))))],
          h("dt", null, "Read"), h("dd", null,
            `${a.readCountAtLeast ? "at least " : ""}${a.readCount} event${a.readCount === 1 ? "" : "s"}`,
            a.record.after === null ? " (none matched)" : `, up to position #${a.record.after} (the append condition's "after")`,
            a.read.length === 0 ? null : h("ul", { class: "inline" }, a.read.map((e) =>
              h("li", { key: e.position }, h(Link, { href: `/event/${e.position}` }, `#${e.position} ${e.type}`))))),
          a.record.outcome === "conflict"
            ? [h("dt", { key: "c" }, "Conflict"), h("dd", { key: "d", "data-testid": "conflict" },
              "The append failed: ",
              a.conflicting === null
                ? `event #${a.record.conflictingPosition}`
                : h(Link, { href: `/event/${a.conflicting.position}` }, `#${a.conflicting.position} ${a.conflicting.type} [${a.conflicting.tags.join(", ")}]`),
              a.record.conditions === null
                ? ` was appended after #${a.record.after ?? "the start"} and matches the decision query`
                : ` was appended after the position of read ${a.record.conflictingCondition ?? 0} and matches its query`,
              a.conflicting?.metadata["command"] === undefined ? "." : ` (written by ${a.conflicting.metadata["command"]}).`)]
            : null,
          a.record.appendedCount > 0
            ? [h("dt", { key: "a" }, "Appended"), h("dd", { key: "b" },
              h(Link, { href: `/event/${a.record.position}` }, `#${a.record.position}`), " ",
              a.record.appended.map((e, i) => h("span", { key: i }, `${e.type} `, h(Tags, { tags: e.tags.filter((t) => !t.startsWith("fairway.")) }))))]
            : null,
          a.record.error === undefined ? null : [h("dt", { key: "e" }, "Error"), h("dd", { key: "f", class: "error" }, a.record.error)],
          h("dt", null, "Correlation"), h("dd", null, h("code", null, a.record.correlationId))))))
}

// -- explorer --------------------------------------------------------------------

const Explorer = (props: { search: string }) => {
  const initial = new URLSearchParams(props.search)
  const [types, setTypes] = useState(initial.get("types") ?? "")
  const [tags, setTags] = useState(initial.get("tags") ?? "")
  const [after, setAfter] = useState(initial.get("after") ?? "")
  const [path, setPath] = useState<string | undefined>(
    initial.has("types") || initial.has("tags") ? `/explore?${props.search}` : undefined
  )
  const { data, error } = useJson<{ after: string | null; matching: ReadonlyArray<EventJson>; conflicts: ReadonlyArray<EventJson> }>(path)
  return h("section", { "aria-labelledby": "explore-title" },
    h("h2", { id: "explore-title" }, "Boundary explorer"),
    h("p", { class: "muted" }, "Enter a decision query: see the events it matches, and the appends that would fail a decision taken on it at a position (default: before the last 20 appends)."),
    h("form", { class: "filters", onSubmit: (e: Event) => {
      e.preventDefault()
      setPath(`/explore${params({ types, tags, after })}`)
    } },
      h(Field, { label: "Types", name: "types", value: types, onInput: setTypes, testid: "explore-types" }),
      h(Field, { label: "Tags (all of)", name: "tags", value: tags, onInput: setTags, testid: "explore-tags" }),
      h(Field, { label: "Decided after position", name: "after", value: after, onInput: setAfter, placeholder: "position, or start" }),
      h("button", { type: "submit" }, "Explore")),
    h(Problem, { error }),
    data === undefined ? null : h("div", null,
      h("h3", null, `Would conflict with a decision taken ${data.after === null ? "having read nothing" : `after #${data.after}`}: ${data.conflicts.length}`),
      h(EventRows, { events: data.conflicts, testid: "explore-conflicts" }),
      h("h3", null, `Matching events (newest ${data.matching.length})`),
      h(EventRows, { events: data.matching, testid: "explore-matching" })))
}

// -- views -------------------------------------------------------------------------

interface ViewJson {
  readonly name: string
  readonly version: number
  readonly activeVersion: number | null
  readonly checkpoint: string | null
  readonly head: string | null
  readonly lag: string
  readonly deadLetters: ReadonlyArray<DeadLetter>
}

const Views = () => {
  const [refresh, setRefresh] = useState(0)
  const { data, error } = useJson<ReadonlyArray<ViewJson>>("/views", refresh)
  return h("section", { "aria-labelledby": "views-title" },
    h("h2", { id: "views-title" }, "Views"),
    h("button", { type: "button", onClick: () => setRefresh(refresh + 1) }, "Refresh"),
    h(Problem, { error }),
    data === undefined ? h(Loading, null) : h("table", { "data-testid": "views-table" },
      h("thead", null, h("tr", null, ["Name", "Version", "Active", "Checkpoint", "Head", "Lag", "Parked"].map((c) => h("th", { key: c, scope: "col" }, c)))),
      h("tbody", null, data.map((v) =>
        h("tr", { key: v.name, "data-view": v.name },
          h("td", null, h(Link, { href: `/view/${encodeURIComponent(v.name)}` }, v.name)),
          h("td", null, v.version),
          h("td", null, v.activeVersion ?? "–"),
          h("td", null, v.checkpoint === null ? "–" : `#${v.checkpoint}`),
          h("td", null, v.head === null ? "–" : `#${v.head}`),
          h("td", { "data-testid": "lag", class: v.lag === "0" ? "" : "warn" }, v.lag),
          h("td", null, v.deadLetters.length === 0 ? "0" : v.deadLetters.map((d) =>
            h("div", { key: d.position }, h(Link, { href: `/event/${d.position}` }, `#${d.position}`), ` ${d.error}`))))))))
}

const ViewStates = (props: { name: string }) => {
  const [prefix, setPrefix] = useState("")
  const [query, setQuery] = useState("")
  const { data, error } = useJson<{ version: number; states: ReadonlyArray<{ key: string; state: unknown }>; next: string | null }>(
    `/views/${encodeURIComponent(props.name)}/states${params({ prefix: query, limit: "50" })}`
  )
  return h("section", { "aria-labelledby": "states-title" },
    h("h2", { id: "states-title" }, `View ${props.name}`, data === undefined ? "" : ` (version ${data.version})`),
    h("form", { class: "filters", onSubmit: (e: Event) => {
      e.preventDefault()
      setQuery(prefix)
    } }, h(Field, { label: "Key prefix", name: "prefix", value: prefix, onInput: setPrefix }), h("button", { type: "submit" }, "Browse")),
    h(Problem, { error }),
    data === undefined ? h(Loading, null) : h("table", { "data-testid": "states-table" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "State"))),
      h("tbody", null, data.states.map((s) => h("tr", { key: s.key }, h("th", { scope: "row" }, s.key), h("td", null, h(Json, { value: s.state })))))))
}

// -- automations -------------------------------------------------------------------

interface AutomationJson {
  readonly name: string
  readonly checkpoint: string | null
  readonly lag: string
  readonly lease: { readonly owner: string; readonly expiresAt: number; readonly expired: boolean } | null
  readonly deadLetters: ReadonlyArray<DeadLetter>
}

const Automations = () => {
  const overview = useJson<Overview>("/overview")
  const [refresh, setRefresh] = useState(0)
  const [message, setMessage] = useState<string | undefined>(undefined)
  const { data, error } = useJson<ReadonlyArray<AutomationJson>>("/automations", refresh)
  const actions = overview.data?.actions === true
  const act = useCallback(async (automation: string, position: string, verb: "retry" | "discard") => {
    const response = await fetch(`${base}/api/automations/${encodeURIComponent(automation)}/dead-letters/${position}/${verb}`, {
      method: "POST",
      headers: headers()
    })
    const body = await response.json()
    setMessage(response.ok ? `${verb}: ${JSON.stringify(body)}` : `${verb} refused: ${body.error}`)
    setRefresh((n) => n + 1)
  }, [])
  return h("section", { "aria-labelledby": "automations-title" },
    h("h2", { id: "automations-title" }, "Automations"),
    h("button", { type: "button", onClick: () => setRefresh(refresh + 1) }, "Refresh"),
    actions ? h(TokenField, null) : h("p", { class: "muted" }, "Read-only: retry and discard are disabled (start the Studio with an actions token to enable them)."),
    message === undefined ? null : h("p", { role: "status" }, message),
    h(Problem, { error }),
    data === undefined ? h(Loading, null) : data.map((a) =>
      h("article", { key: a.name, class: "automation", "data-automation": a.name },
        h("h3", null, a.name),
        h("dl", { class: "facts" },
          h("dt", null, "Checkpoint"), h("dd", null, a.checkpoint === null ? "–" : `#${a.checkpoint}`),
          h("dt", null, "Lag"), h("dd", null, a.lag),
          h("dt", null, "Lease"), h("dd", { "data-testid": "lease" }, a.lease === null
            ? "free"
            : `${a.lease.owner}, ${a.lease.expired ? "expired" : "expires"} at ${time(a.lease.expiresAt)}`)),
        h("h4", null, `Dead letters (${a.deadLetters.length})`),
        a.deadLetters.length === 0 ? null : h("table", { "data-testid": "dead-letters" },
          h("thead", null, h("tr", null, ["Event", "Type", "Attempts", "Error", "Parked", ""].map((c, i) => h("th", { key: i, scope: "col" }, c)))),
          h("tbody", null, a.deadLetters.map((d) =>
            h("tr", { key: d.position },
              h("td", null, h(Link, { href: `/event/${d.position}` }, `#${d.position}`)),
              h("td", null, d.eventType),
              h("td", null, d.attempts),
              h("td", null, d.error),
              h("td", null, time(d.failedAt)),
              h("td", null,
                h("button", { type: "button", disabled: !actions, onClick: () => act(a.name, d.position, "retry") }, "Retry"), " ",
                h("button", { type: "button", disabled: !actions, onClick: () => act(a.name, d.position, "discard") }, "Discard")))))))))
}

const TokenField = () => {
  const [token, setToken] = useState(sessionStorage.getItem(tokenKey) ?? "")
  return h("label", { class: "token" }, "Actions token ", h("input", {
    type: "password",
    value: token,
    autocomplete: "off",
    onInput: (e: Event) => {
      const value = (e.target as HTMLInputElement).value
      setToken(value)
      sessionStorage.setItem(tokenKey, value)
    }
  }))
}

// -- shell -------------------------------------------------------------------------

const sections = [
  ["/log", "Log"],
  ["/boundaries", "Boundaries"],
  ["/explore", "Explorer"],
  ["/views", "Views"],
  ["/automations", "Automations"]
] as const

const useRoute = () => {
  const [route, setRoute] = useState(location.hash.slice(1) || "/log")
  useEffect(() => {
    const onHash = () => setRoute(location.hash.slice(1) || "/log")
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return
      const n = Number(e.key)
      if (n >= 1 && n <= sections.length) location.hash = sections[n - 1]![0]
      if (e.key === "/") {
        // the first filter field, whatever its kind (the Boundaries section's first is a select)
        const input = document.querySelector<HTMLElement>("main input, main select")
        if (input !== null) {
          e.preventDefault()
          input.focus()
        }
      }
    }
    addEventListener("hashchange", onHash)
    addEventListener("keydown", onKey)
    return () => {
      removeEventListener("hashchange", onHash)
      removeEventListener("keydown", onKey)
    }
  }, [])
  return route
}

const page = (route: string) => {
  const [path = "", search = ""] = route.split("?")
  const [, section, arg] = path.split("/")
  switch (section) {
    case "event":
      return h(EventPage, { position: arg ?? "", key: route })
    case "boundaries":
      return h(BoundaryList, null)
    case "boundary":
      return h(BoundaryRun, { sequence: arg ?? "", key: route })
    case "explore":
      return h(Explorer, { search, key: route })
    case "views":
      return h(Views, null)
    case "view":
      return h(ViewStates, { name: decodeURIComponent(arg ?? ""), key: route })
    case "automations":
      return h(Automations, null)
    default:
      return h(Log, null)
  }
}

const App = () => {
  const route = useRoute()
  const current = `/${route.split("?")[0]!.split("/")[1]}`
  return h("div", { class: "shell" },
    // the hash is the route: moving focus must not change it (that would show the log)
    h("a", { class: "skip", href: "#main", onClick: (e: Event) => {
      e.preventDefault()
      document.getElementById("main")?.focus()
    } }, "Skip to content"),
    h("header", null,
      h("h1", null, "Fairway Studio"),
      h("nav", { "aria-label": "sections" }, sections.map(([href, label], i) =>
        h("a", {
          key: href,
          href: `#${href}`,
          "aria-current": current === href || (current === "/boundary" && href === "/boundaries") ? "page" : undefined,
          title: `${label} (key ${i + 1})`
        }, label)))),
    h("main", { id: "main", tabIndex: -1 }, page(route)))
}

render(h(App, null), document.getElementById("app")!)

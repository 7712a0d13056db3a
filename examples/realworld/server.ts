/**
 * The Conduit backend as layers: the app over a store (memory, the
 * FoundationDB simulator, or a FoundationDB cluster), with its views kept up
 * to date in the background and authentication from config (the JWT secret
 * is required on a shared store).
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import { EventStore } from "fairway/Dcb"
import * as AutomationStoreFdb from "fairway/Fdb/AutomationStoreFdb"
import * as EventStoreFdb from "fairway/Fdb/EventStoreFdb"
import * as FdbDatabase from "fairway/Fdb/FdbDatabase"
import * as ViewStoreFdb from "fairway/Fdb/ViewStoreFdb"
import { HttpRouter } from "effect/http"
import { App } from "fairway/Http"
import { Automation, AutomationStore, View, ViewStore } from "fairway/Module"
import { app } from "./api.ts"
import * as Auth from "./auth.ts"
import { ReleaseFavoritesOfDeletedArticles } from "./automations/ReleaseFavoritesOfDeletedArticles.ts"
import { ArticleIndex } from "./views/ArticleIndex.ts"
import { ArticleCounts } from "./views/ArticleCounts.ts"

/**
 * The stores the app runs on.
 *
 * @category layers
 * @since 0.1.0
 */
export type Stores = EventStore.EventStore | ViewStore.ViewStore | AutomationStore.AutomationStore

/**
 * The in-memory stores.
 *
 * @category layers
 * @since 0.1.0
 */
export const memoryStores: Layer.Layer<Stores> = Layer.mergeAll(
  EventStore.layerMemory,
  ViewStore.layerMemory,
  AutomationStore.layerMemory
)

/**
 * The FoundationDB stores over the simulator.
 *
 * @category layers
 * @since 0.1.0
 */
export const simulatorStores = (seed = 1): Layer.Layer<Stores> =>
  Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer(), AutomationStoreFdb.layer()).pipe(
    Layer.provide(FdbDatabase.layerSimulated({ seed }))
  )

/**
 * The FoundationDB stores on a cluster.
 *
 * @category layers
 * @since 0.1.0
 */
export const clusterStores = (clusterFile?: string) =>
  Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer(), AutomationStoreFdb.layer()).pipe(
    Layer.provide(FdbDatabase.layer(clusterFile === undefined ? {} : { clusterFile }))
  )

/**
 * The app's routes with everything they need but the stores and the JWT
 * service: CORS (browser front ends), the in-process idempotency store, the
 * list views and the automation that releases the favorites of deleted
 * articles running in the background.
 *
 * @category layers
 * @since 0.1.0
 */
export const appLayer: Layer.Layer<never, never, Stores | Auth.Auth | HttpRouter.HttpRouter> = Layer.mergeAll(
  app.layer,
  HttpRouter.cors({ allowedHeaders: ["authorization", "content-type", "idempotency-key"] }),
  View.layer(ArticleIndex),
  View.layer(ArticleCounts),
  Automation.layer(ReleaseFavoritesOfDeletedArticles)
).pipe(Layer.provide(App.layerDefaults))

/**
 * Where the app keeps its data: in memory, on the FoundationDB simulator
 * (deterministic from `seed`), or on a FoundationDB cluster (shared by every
 * process pointed at it).
 *
 * @category layers
 * @since 0.1.0
 */
export type StoreKind = "memory" | "simulator" | "fdb"

/**
 * The stores of a {@link StoreKind}, and whether other processes share them
 * (then the JWT secret must be configured: see `Auth.layerJwt`).
 *
 * @category layers
 * @since 0.1.0
 */
export const storesOf = (
  kind: StoreKind,
  options?: { readonly seed?: number | undefined; readonly clusterFile?: string | undefined }
): { readonly layer: Layer.Layer<Stores, unknown>; readonly shared: boolean; readonly description: string } => {
  switch (kind) {
    case "memory":
      return { layer: memoryStores, shared: false, description: "in memory" }
    case "simulator": {
      const seed = options?.seed ?? 1
      return { layer: simulatorStores(seed), shared: false, description: `FoundationDB simulator (seed ${seed})` }
    }
    case "fdb": {
      const clusterFile = options?.clusterFile
      return {
        layer: clusterFile === undefined ? clusterStores() : clusterStores(clusterFile),
        shared: true,
        description: `FoundationDB (${clusterFile ?? "default cluster file"})`
      }
    }
  }
}

/**
 * The app served on `port` (0: ephemeral) over `stores`, with the given
 * authentication services.
 *
 * @category layers
 * @since 0.1.0
 */
export const appServer = <E, EA>(
  stores: Layer.Layer<Stores, E>,
  auth: Layer.Layer<Auth.Auth, EA>,
  options: { readonly port: number; readonly host?: string }
) => App.serve(appLayer, options).pipe(Layer.provide([stores, auth]))

/**
 * The app served on `port` (0: ephemeral) over `stores`, authentication
 * from config; `shared` (a store other processes use too) requires the JWT
 * secret.
 *
 * @category layers
 * @since 0.1.0
 */
export const serve = <E>(
  stores: Layer.Layer<Stores, E>,
  options: { readonly port: number; readonly host?: string; readonly shared?: boolean | undefined }
) => appServer(stores, Auth.layer({ shared: options.shared ?? false }), options)

/**
 * The Conduit backend as layers: the app over a store (memory, the
 * FoundationDB simulator, or a FoundationDB cluster), with its views kept up
 * to date in the background and the JWT secret from config.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import { EventStore } from "../../src/Dcb/index.ts"
import * as EventStoreFdb from "../../src/Fdb/EventStoreFdb.ts"
import * as FdbDatabase from "../../src/Fdb/FdbDatabase.ts"
import * as ViewStoreFdb from "../../src/Fdb/ViewStoreFdb.ts"
import { HttpRouter } from "effect/http"
import { App } from "../../src/Http/index.ts"
import { View, ViewStore } from "../../src/Module/index.ts"
import { app } from "./api.ts"
import { layerJwt, type Jwt } from "./auth.ts"
import { ArticleIndex } from "./views/ArticleIndex.ts"
import { Tags } from "./views/Tags.ts"

/**
 * The stores the app runs on.
 *
 * @category layers
 * @since 0.1.0
 */
export type Stores = EventStore.EventStore | ViewStore.ViewStore

/**
 * The in-memory stores.
 *
 * @category layers
 * @since 0.1.0
 */
export const memoryStores: Layer.Layer<Stores> = Layer.mergeAll(EventStore.layerMemory, ViewStore.layerMemory)

/**
 * The FoundationDB stores over the simulator.
 *
 * @category layers
 * @since 0.1.0
 */
export const simulatorStores = (seed = 1): Layer.Layer<Stores> =>
  Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer()).pipe(Layer.provide(FdbDatabase.layerSimulated({ seed })))

/**
 * The FoundationDB stores on a cluster.
 *
 * @category layers
 * @since 0.1.0
 */
export const clusterStores = (clusterFile: string) =>
  Layer.mergeAll(EventStoreFdb.layer(), ViewStoreFdb.layer()).pipe(Layer.provide(FdbDatabase.layer({ clusterFile })))

/**
 * The app's routes with everything they need but the stores and the JWT
 * service: CORS (browser front ends), the in-process idempotency store, and
 * the list views running in the background.
 *
 * @category layers
 * @since 0.1.0
 */
export const appLayer: Layer.Layer<never, never, Stores | Jwt | HttpRouter.HttpRouter> = Layer.mergeAll(
  app.layer,
  HttpRouter.cors({ allowedHeaders: ["authorization", "content-type", "idempotency-key"] }),
  View.layer(ArticleIndex),
  View.layer(Tags)
).pipe(Layer.provide(App.layerDefaults))

/**
 * The app served on `port` (0: ephemeral) over `stores`.
 *
 * @category layers
 * @since 0.1.0
 */
export const serve = <E>(stores: Layer.Layer<Stores, E>, options: { readonly port: number; readonly host?: string }) =>
  App.serve(appLayer, options).pipe(Layer.provide([stores, layerJwt]))

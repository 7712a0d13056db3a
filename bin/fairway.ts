#!/usr/bin/env node
/**
 * The `fairway` executable: see `src/Cli/Main.ts`.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Main from "fairway/Cli/Main"

Main.main.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)

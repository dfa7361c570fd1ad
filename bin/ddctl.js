#!/usr/bin/env node
// ddctl, the operator CLI. The CLI is TypeScript run through tsx (a runtime dependency), so this
// launcher registers tsx first and only then loads it: a static import would be resolved before
// register() runs, so the import must be dynamic.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/ddctl.ts");

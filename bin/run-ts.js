#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts) in-process through tsx's CommonJS hook.
'use strict';
// The SDK warns that future releases need Node 22; Lambda runs nodejs22.x, the local CLI may run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const path = require('node:path');
const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], path.resolve(script), ...args];
require(path.resolve(script));

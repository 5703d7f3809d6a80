#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts) in-process through tsx's CommonJS hook.
'use strict';
require('tsx/cjs');
const path = require('node:path');
const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], path.resolve(script), ...args];
require(path.resolve(script));

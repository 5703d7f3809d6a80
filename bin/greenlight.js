#!/usr/bin/env node
// The greenlight CLI. TypeScript sources are loaded through tsx's CommonJS hook, so the CLI,
// the local rehearsal and the Lambda handlers run from the same source files.
'use strict';
require('tsx/cjs');
require('./cli.ts').main(process.argv.slice(2));

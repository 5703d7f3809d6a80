#!/usr/bin/env node
// The greenlight CLI. TypeScript sources are loaded through tsx's CommonJS hook, so the CLI,
// the local rehearsal and the Lambda handlers run from the same source files.
'use strict';
// The SDK warns that future releases need Node 22; Lambda runs nodejs22.x, the local CLI may run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./cli.ts').main(process.argv.slice(2));

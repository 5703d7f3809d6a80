/** Writes docs/openapi.json from the API's zod schemas (`npm run openapi`); a test checks it is current. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiText } from '../functions/api/openapi';

const file = resolve(__dirname, '..', 'docs', 'openapi.json');
writeFileSync(file, openApiText());
console.log(`wrote ${file}`);

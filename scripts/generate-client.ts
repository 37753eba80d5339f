// `npm run client:generate`: writes @polyshop/client's types (packages/client/src/openapi.generated.ts)
// from the OpenAPI document the platform serves at /docs/json. Run it after changing a route's schema;
// packages/platform/test/client-drift.test.ts fails while the committed file is stale.
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { CLIENT_SCHEMA_FILE, renderClientSchema } from '@polyshop/client/generate';
import { openApiDocument } from '@polyshop/platform';

await writeFile(CLIENT_SCHEMA_FILE, await renderClientSchema(await openApiDocument()));
console.log(`wrote ${relative(process.cwd(), CLIENT_SCHEMA_FILE)}`);

import { schemaTablesSuite } from '@polyshop/testing';
import { PLATFORM_SCHEMA } from '../src/platform-events.ts';

// The platform schema holds only the messaging tables (dead letters among them).
schemaTablesSuite({ schema: PLATFORM_SCHEMA, tables: [] });

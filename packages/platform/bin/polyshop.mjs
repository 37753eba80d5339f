#!/usr/bin/env node
// The `polyshop` command. TypeScript runs through tsx: no build step after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

#!/usr/bin/env node
// The `adstream` command. The sources are TypeScript run through tsx, so there is no build step
// between a clone and a working command.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);

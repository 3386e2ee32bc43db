#!/usr/bin/env -S node --max-semi-space-size=64
// The `adstream` command. The sources are TypeScript run through tsx, so there is no build step
// between a clone and a working command. The first line gives Node a 64 MiB young generation
// (README, "Node itself"): V8 reads it only at start, so only the command line can set it.
import { register } from 'tsx/esm/api';

// On Node 20 the AWS SDK prints a notice on every command that its releases after January 2027
// will need Node 22. package-lock.json pins releases that run on 20, so the notice only buried
// adstream's own messages; set this variable to anything else to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
// Before anything is printed: which commands a reader closing the pipe (`| head`) ends quietly.
const { onStdoutError } = await import('./closedPipe.ts');
process.stdout.on('error', onStdoutError);
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);

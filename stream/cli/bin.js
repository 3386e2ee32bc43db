#!/usr/bin/env node
// The `adstream` command. The sources are TypeScript run through tsx, so there is no build step
// between a clone and a working command.
import { register } from 'tsx/esm/api';

// On Node 20 the AWS SDK prints a notice on every command that its releases after January 2027
// will need Node 22. package-lock.json pins releases that run on 20, so the notice only buried
// adstream's own messages; set this variable to anything else to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Output piped into `head` (or any reader that stops early) closes the pipe: that is the reader
// being done, not a failure worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);

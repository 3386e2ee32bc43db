/**
 * The AWS calls a command's code can make, read from its sources: every module reachable from an
 * entry file through relative imports (static and dynamic), and in each module that imports an
 * AWS SDK client, the `new <Action>Command(` it constructs. Per module, not per function, so it
 * over-counts (a module's unused helper counts too); the test that uses it names those exceptions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const CLIENT_IMPORT = /import\s*\{([^}]*)\}\s*from\s*['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g;
const COMMAND = /new\s+([A-Z][A-Za-z0-9]*)Command\s*\(/g;

/** IAM service prefixes of the SDK clients whose command names are their IAM action names. */
const SERVICE: Record<string, string> = { kinesis: 'kinesis', dynamodb: 'dynamodb', sns: 'sns' };

/** `service:Action` for every command constructed in modules reachable from `entry`, sorted. */
export function awsCallsOf(entry: string): string[] {
  const seen = new Set<string>();
  const calls = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Each command class by the client package it is imported from.
    const serviceOf = new Map<string, string>();
    for (const [, names, client] of source.matchAll(CLIENT_IMPORT)) {
      for (const name of names.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())) if (SERVICE[client]) serviceOf.set(name, SERVICE[client]);
    }
    for (const m of source.matchAll(COMMAND)) {
      const service = serviceOf.get(`${m[1]}Command`);
      if (service) calls.add(`${service}:${m[1]}`);
    }
    for (const m of source.matchAll(IMPORT)) visit(resolve(dirname(file), m[1]));
  };
  visit(resolve(entry));
  return [...calls].sort();
}

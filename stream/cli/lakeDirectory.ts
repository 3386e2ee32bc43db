/**
 * The local lake a reading command (query, digest, dlq, load-warehouse) is given, checked: a
 * mistyped path read as an empty lake, every count 0 and exit 0, and a file as one did too.
 */
import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../config/load.ts';

/** `hint` ends each sentence, e.g. " (npm start writes ./data/demo/lake)". */
export function checkLakeDirectory(lake: string, hint = ''): void {
  if (!existsSync(lake)) throw new ConfigError(`the lake directory ${lake} does not exist; pass --lake <dir>${hint}.`);
  if (!statSync(lake).isDirectory()) throw new ConfigError(`the lake ${lake} is a file; pass --lake <dir>, the directory a worker or the demo wrote${hint}.`);
}

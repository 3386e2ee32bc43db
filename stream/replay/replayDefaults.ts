/**
 * The replay's defaults and where its outputs go beside the lake: what \`adstream replay\` shows in
 * its help before loading the pipeline itself (stream/cli/main.ts says why that waits).
 */

/** Records per part, as one GetRecords call returns them. */
export const DEFAULT_REPLAY_BATCH_SIZE = 500;
/** Virtual ms after which a quiet shard stops holding the watermark. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface ReplayDirectories {
  lake: string;
  /** Shard snapshots and the replay checkpoint. */
  state: string;
  /** EMF lines, one file per batch. */
  metrics: string;
  alertLog: string;
}

/** Default locations beside the lake: \`<lake>/../<name>.state\`, \`.metrics\`, \`.alerts.jsonl\`. */
export function directoriesFor(lake: string): ReplayDirectories {
  return { lake, state: `${lake}.state`, metrics: `${lake}.metrics`, alertLog: `${lake}.alerts.jsonl` };
}

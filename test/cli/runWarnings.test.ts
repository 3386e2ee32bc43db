/**
 * A worker retries its secondary steps (lease renewals, the stream-wide merge, snapshot cleanup)
 * instead of stopping; `adstream run` says each lasting cause once on stderr, so an operator learns
 * that stream-wide windows are missing without having asked for --events.
 */
import { describe, expect, it } from 'vitest';
import { failureWarnings } from '../../stream/cli/commands/run.ts';

describe('run failure warnings', () => {
  it('says each failed step once per cause, names the shard, and stays quiet about routine events', () => {
    const said: string[] = [];
    const warn = failureWarnings((text) => said.push(text));
    const denied = 'User is not authorized to perform: dynamodb:GetItem';
    for (let tick = 0; tick < 3; tick++) warn({ name: 'consumer.stream_windows_failed', workerId: 'w1', detail: denied });
    warn({ name: 'consumer.lease_taken', workerId: 'w1', shardId: 'shardId-000000000000' });
    warn({ name: 'consumer.renew_failed', workerId: 'w1', shardId: 'shardId-000000000001', detail: 'socket hang up' });
    warn({ name: 'consumer.stream_windows_failed', workerId: 'w1', detail: 'Access Denied' });
    expect(said).toEqual([
      `adstream: warning: the stream-wide windows could not be merged: ${denied}; the worker goes on and tries again (said once per cause).`,
      'adstream: warning: renewing a lease failed (shardId-000000000001): socket hang up; the worker goes on and tries again (said once per cause).',
      'adstream: warning: the stream-wide windows could not be merged: Access Denied; the worker goes on and tries again (said once per cause).',
    ]);
  });
});

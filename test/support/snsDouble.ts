/**
 * SNS for tests that drive a real SNSClient: the local SNS server (stream/local/snsServer.ts) on
 * an ephemeral port, keeping what it accepted, so a test asserts on the request SNS would have
 * received (decoded from the wire, and refused where SNS would refuse it), not on the arguments
 * our code passed to the SDK.
 */
import { startSnsServer, type PublishedMessage } from '../../stream/local/snsServer.ts';

export type { PublishedMessage };

export interface SnsDouble {
  endpoint: string;
  published: PublishedMessage[];
  close(): Promise<void>;
}

/** `topics`: the topics that exist (absent: any well-formed topic ARN). */
export async function startSnsDouble(topics?: readonly string[]): Promise<SnsDouble> {
  const published: PublishedMessage[] = [];
  const server = await startSnsServer({ onPublish: (message) => published.push(message), topics });
  return { ...server, published };
}

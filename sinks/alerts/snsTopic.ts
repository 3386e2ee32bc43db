/**
 * Whether SNS says a topic does not exist, asked before the first message. A topic ARN with a typo
 * (or a topic not created yet) was found out only at the first Publish: a worker read and wrote
 * its first units' lake files, then stopped at its first alert in SNS's words, "Topic does not
 * exist", which name no setting, and stopped there again at every restart.
 */
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';

export async function topicMissing(client: SNSClient, topicArn: string): Promise<boolean> {
  try {
    await client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    return false;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NotFoundException') return true;
    // A role granted sns:Publish alone may not look at the topic: that is no sign it is missing,
    // and the first Publish says what it must.
    if (name === 'AuthorizationErrorException') return false;
    throw error;
  }
}

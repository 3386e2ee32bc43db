/**
 * The SNS topic operators subscribe to: the processor publishes anomaly alerts to it and the
 * CloudWatch alarms publish their state changes. Encrypted with the stack's key, TLS only. An
 * email address given at deploy time (`--parameters AlertEmail=ops@example.com`) is subscribed;
 * an empty one subscribes nobody.
 */
import { CfnCondition, CfnParameter, Fn } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlertingProps {
  readonly topicName: string;
  readonly encryptionKey: kms.IKey;
}

export class Alerting extends Construct {
  readonly topic: sns.Topic;
  readonly emailParameter: CfnParameter;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'adstream alerts',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.emailParameter = new CfnParameter(this, 'AlertEmail', {
      type: 'String',
      default: '',
      description: 'Email address subscribed to the alert topic (confirm the subscription mail); empty for none.',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'an email address, or empty',
    });
    this.emailParameter.overrideLogicalId('AlertEmail');
    const hasEmail = new CfnCondition(this, 'HasAlertEmail', { expression: Fn.conditionNot(Fn.conditionEquals(this.emailParameter.valueAsString, '')) });
    const subscription = new sns.CfnSubscription(this, 'EmailSubscription', {
      topicArn: this.topic.topicArn,
      protocol: 'email',
      endpoint: this.emailParameter.valueAsString,
    });
    subscription.cfnOptions.condition = hasEmail;
  }
}

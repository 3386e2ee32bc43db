/**
 * What operators watch: a CloudWatch dashboard (throughput, lag, rejected rate, alerts, files
 * written) and the alarms that page them through the alert topic.
 *
 * Metric sources, and why each:
 * - Kinesis (AWS/Kinesis): records in, iterator age (lag), read throttling. Always there.
 * - S3 request metrics on the lake (AWS/S3, filters from LakeBuckets): files written, and files
 *   written to the DLQ prefix (the DLQ growth alarm); counted by S3 itself, so they work
 *   whatever the worker reports.
 * - The worker's operational metrics (namespace `adstream`, EMF lines that CloudWatch Logs turns
 *   into metrics; dimensions ops=ingest, source=<stream>): records in and rejected, hence the
 *   rejected rate (the task runs with ADSTREAM_METRICS_OUTPUT=emf-stdout).
 * - SNS (AWS/SNS): alerts published.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EMF_NAMESPACE } from '../../../sinks/metrics/emf.ts';
import { LAKE_METRIC_FILTERS } from './lakeBuckets.ts';

export interface MonitoringProps {
  readonly prefix: string;
  readonly stream: kinesis.IStream;
  readonly lake: s3.IBucket;
  readonly alertTopic: sns.ITopic;
  readonly service: ecs.FargateService;
  /** @default 5 minutes */
  readonly iteratorAgeThresholdMs?: number;
  /** @default 15 */
  readonly noDataMinutes?: number;
  /** DLQ files written per hour above which the DLQ is said to grow. @default 100 */
  readonly dlqFilesPerHourThreshold?: number;
}

export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  readonly readThrottledAlarm: cloudwatch.Alarm;
  readonly dlqGrowthAlarm: cloudwatch.Alarm;
  readonly noDataAlarm: cloudwatch.Alarm;
  readonly noTasksAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stream, lake, prefix } = props;
    const fiveMinutes = Duration.minutes(5);
    const streamName = stream.streamName;

    const incoming = stream.metricIncomingRecords({ statistic: cloudwatch.Stats.SUM, period: fiveMinutes, label: 'records put' });
    const read = stream.metricGetRecords({ statistic: cloudwatch.Stats.SUM, period: fiveMinutes, label: 'records read' });
    // Alarm metrics carry no label: a labelled metric renders as a metric-math alarm.
    const iteratorAge = stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) });
    const readThrottled = stream.metricReadProvisionedThroughputExceeded({ statistic: cloudwatch.Stats.SUM, period: fiveMinutes });
    const s3Puts = (filterId: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/S3', metricName: 'PutRequests', dimensionsMap: { BucketName: lake.bucketName, FilterId: filterId }, statistic: cloudwatch.Stats.SUM, period: fiveMinutes });
    const filesWritten = s3Puts(LAKE_METRIC_FILTERS.all).with({ label: 'lake files written' });
    const dlqFiles = s3Puts(LAKE_METRIC_FILTERS.rejected).with({ label: 'DLQ files written' });
    const opsMetric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: EMF_NAMESPACE, metricName, dimensionsMap: { ops: 'ingest', source: streamName }, statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) });
    const rejectedRate = new cloudwatch.MathExpression({
      expression: 'IF(recordsIn > 0, 100 * rejected / recordsIn, 0)',
      usingMetrics: { rejected: opsMetric('rejected'), recordsIn: opsMetric('records_in') },
      period: Duration.hours(1),
      label: 'rejected %',
    });
    const alertsPublished = props.alertTopic.metricNumberOfMessagesPublished({ statistic: cloudwatch.Stats.SUM, period: fiveMinutes, label: 'alerts published' });
    const runningTasks = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: props.service.cluster.clusterName, ServiceName: props.service.serviceName },
      statistic: cloudwatch.Stats.MINIMUM,
      period: fiveMinutes,
    });

    this.iteratorAgeAlarm = iteratorAge.createAlarm(this, 'IteratorAge', {
      alarmName: `${prefix}-iterator-age`,
      alarmDescription: 'The processor is falling behind the stream: the oldest unread record is older than the threshold. Check the service\'s tasks and logs; it scales out on this metric up to its maximum.',
      threshold: props.iteratorAgeThresholdMs ?? 5 * 60_000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.readThrottledAlarm = readThrottled.createAlarm(this, 'ReadThrottled', {
      alarmName: `${prefix}-read-throttled`,
      alarmDescription: 'GetRecords is throttled (ReadProvisionedThroughputExceeded) for 15 minutes: too many readers per shard, or a provisioned stream needs more shards.',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Counted by S3 (files written under _rejected/), so it works whatever the worker reports itself.
    this.dlqGrowthAlarm = s3Puts(LAKE_METRIC_FILTERS.rejected).with({ period: Duration.hours(1) }).createAlarm(this, 'DlqGrowth', {
      alarmName: `${prefix}-dlq-growth`,
      alarmDescription: 'More DLQ files (_rejected/, one per batch holding rejected records) were written in an hour than the threshold: a producer is sending malformed or invalid records. Query the rejected table by reason.',
      threshold: props.dlqFilesPerHourThreshold ?? 100,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const noDataMinutes = props.noDataMinutes ?? 15;
    this.noDataAlarm = stream
      .metricIncomingRecords({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(noDataMinutes) })
      .createAlarm(this, 'NoData', {
        alarmName: `${prefix}-no-data`,
        alarmDescription: `No record was put on the stream for ${noDataMinutes} minutes: the producers stopped or lost access.`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // Kinesis publishes nothing when nothing arrives: silence is the condition itself.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    this.noTasksAlarm = runningTasks.createAlarm(this, 'NoRunningTasks', {
      alarmName: `${prefix}-no-running-tasks`,
      alarmDescription: 'The processor service has no running task: nothing is consuming the stream. Check the service events (image pull, crash loop).',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const alarms = [this.iteratorAgeAlarm, this.readThrottledAlarm, this.dlqGrowthAlarm, this.noDataAlarm, this.noTasksAlarm];
    const notify = new actions.SnsAction(props.alertTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Throughput (records / 5 min)', left: [incoming, read], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'Lag: iterator age (ms)', left: [iteratorAge.with({ label: 'iterator age (max)' }), readThrottled.with({ label: 'read throttled' })], leftAnnotations: [{ value: props.iteratorAgeThresholdMs ?? 5 * 60_000, label: 'alarm' }], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Rejected rate (% of records in, hourly)', left: [rejectedRate], right: [dlqFiles], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Alerts published', left: [alertsPublished], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Lake files written', left: [filesWritten], right: [runningTasks.with({ label: 'running tasks' })], width: 8 }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
      ],
    });
  }
}

/**
 * The SNS Publish API on a local port, for `adstream local` and the tests. No SNS server ships on
 * npm as kinesalite, dynalite and s3rver do, so this is a stand-in at the wire: it decodes what
 * the AWS SDK puts on the wire, refuses what SNS refuses (with SNS's error, which the SDK throws
 * as SNS's would), and hands each accepted message to `onPublish`. It delivers to no one.
 * GetTopicAttributes answers too, as the worker asks it at start whether its alert topic exists.
 *
 * @aws-sdk/client-sns 3.x speaks the AWS Query protocol: a form-urlencoded POST
 * `Action=Publish&Version=2010-03-31&TopicArn=…&Subject=…&Message=…` with attributes as
 * `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, answered by an XML
 * `PublishResponse`. The AWS JSON 1.0 form (`X-Amz-Target: …Publish`, JSON body) is decoded too
 * in case a later SDK switches protocols.
 */
import { createServer, type Server } from 'node:http';
import { listenLocally, readBody } from './localHttp.ts';

export interface PublishedMessage {
  topicArn: string;
  subject: string | undefined;
  message: string;
  attributes: Record<string, { dataType: string; stringValue: string | undefined }>;
  /** FIFO topics only. */
  groupId?: string;
  deduplicationId?: string;
  protocol: 'query' | 'json';
}

export interface SnsServer {
  endpoint: string;
  close(): Promise<void>;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** SNS's limit on a message with its attributes, in UTF-8 bytes. */
const MAX_MESSAGE_BYTES = 262_144;
const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)(?!(?:AWS|Amazon)\.)[A-Za-z0-9_.-]{1,256}$/i;
const ATTRIBUTE_TYPE = /^(String|Number|Binary|String\.Array)(\.[A-Za-z0-9_.-]+)?$/;

/** Why SNS would refuse this Publish (its InvalidParameter text, shortened), or undefined. */
export function publishProblem(m: PublishedMessage): string | undefined {
  if (!TOPIC_ARN.test(m.topicArn)) return `Invalid parameter: TopicArn ${JSON.stringify(m.topicArn)} is not an SNS topic ARN`;
  if (m.message === '') return 'Invalid parameter: Empty message';
  // A FIFO topic orders by group and drops repeats by deduplication id (none is content-based here).
  const fifo = m.topicArn.endsWith('.fifo');
  if (fifo && !m.groupId) return 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics';
  if (fifo && !m.deduplicationId) return 'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly';
  if (!fifo && m.deduplicationId !== undefined) return 'Invalid parameter: MessageDeduplicationId is only valid for FIFO topics';
  for (const [name, id] of [['MessageGroupId', m.groupId], ['MessageDeduplicationId', m.deduplicationId]] as const) {
    if (id !== undefined && !/^[\x21-\x7e]{1,128}$/.test(id)) return `Invalid parameter: ${name} must be 1 to 128 printable ASCII characters`;
  }
  if (m.subject !== undefined) {
    // "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long."
    if (m.subject === '' || [...m.subject].length >= 100) return `Invalid parameter: Subject must be 1 to 99 characters, not ${[...m.subject].length}`;
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(m.subject)) return 'Invalid parameter: Subject holds a line break or control character';
  }
  const names = Object.keys(m.attributes);
  if (names.length > MAX_ATTRIBUTES) return `Invalid parameter: ${names.length} message attributes, at most ${MAX_ATTRIBUTES}`;
  let bytes = Buffer.byteLength(m.message);
  for (const [name, { dataType, stringValue }] of Object.entries(m.attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) return `Invalid parameter: message attribute name ${JSON.stringify(name)}`;
    if (!ATTRIBUTE_TYPE.test(dataType)) return `Invalid parameter: message attribute ${name} has data type ${JSON.stringify(dataType)}`;
    if (dataType.startsWith('Number') && !(stringValue !== undefined && Number.isFinite(Number(stringValue)))) return `Invalid parameter: message attribute ${name} is not a number`;
    if (stringValue === undefined || stringValue === '') return `Invalid parameter: message attribute ${name} has no value`;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(stringValue);
  }
  if (bytes > MAX_MESSAGE_BYTES) return `Invalid parameter: Message too long (${bytes} bytes with its attributes, at most ${MAX_MESSAGE_BYTES})`;
  return undefined;
}

function decodeQuery(body: string): { action: string | null; message: PublishedMessage } {
  const form = new URLSearchParams(body);
  const attributes: PublishedMessage['attributes'] = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    attributes[form.get(`${prefix}.Name`)!] = {
      dataType: form.get(`${prefix}.Value.DataType`) ?? '',
      stringValue: form.get(`${prefix}.Value.StringValue`) ?? undefined,
    };
  }
  return {
    action: form.get('Action'),
    message: {
      topicArn: form.get('TopicArn') ?? '',
      subject: form.get('Subject') ?? undefined,
      message: form.get('Message') ?? '',
      attributes,
      ...(form.has('MessageGroupId') ? { groupId: form.get('MessageGroupId')! } : {}),
      ...(form.has('MessageDeduplicationId') ? { deduplicationId: form.get('MessageDeduplicationId')! } : {}),
      protocol: 'query',
    },
  };
}

function decodeJson(body: string): PublishedMessage {
  const input = JSON.parse(body) as {
    TopicArn: string;
    Subject?: string;
    Message: string;
    MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
  };
  const attributes: PublishedMessage['attributes'] = {};
  for (const [name, v] of Object.entries(input.MessageAttributes ?? {})) attributes[name] = { dataType: v.DataType, stringValue: v.StringValue };
  return {
    topicArn: input.TopicArn,
    subject: input.Subject,
    message: input.Message,
    attributes,
    ...(input.MessageGroupId !== undefined ? { groupId: input.MessageGroupId } : {}),
    ...(input.MessageDeduplicationId !== undefined ? { deduplicationId: input.MessageDeduplicationId } : {}),
    protocol: 'json',
  };
}

const xmlEscape = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

const publishXml = (messageId: string): string =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
  `<ResponseMetadata><RequestId>${messageId}</RequestId></ResponseMetadata></PublishResponse>`;

const errorXml = (code: string, text: string): string =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>` +
  `<Code>${code}</Code><Message>${xmlEscape(text)}</Message></Error><RequestId>local-error</RequestId></ErrorResponse>`;

const topicAttributesXml = (topicArn: string): string =>
  `<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><GetTopicAttributesResult><Attributes>` +
  `<entry><key>TopicArn</key><value>${xmlEscape(topicArn)}</value></entry></Attributes></GetTopicAttributesResult>` +
  `<ResponseMetadata><RequestId>local-attributes</RequestId></ResponseMetadata></GetTopicAttributesResponse>`;

export interface SnsServerOptions {
  /** 0 or absent: any free port. */
  port?: number;
  onPublish?: (message: PublishedMessage) => void;
  /**
   * The topics that exist; a Publish or GetTopicAttributes naming another is answered as SNS
   * answers one that does not exist. Absent: every well-formed topic ARN exists (`adstream local`).
   */
  topics?: readonly string[];
}

/** Listens on 127.0.0.1; each accepted message goes to `onPublish`. */
export async function startSnsServer(options: SnsServerOptions = {}): Promise<SnsServer> {
  const exists = (topicArn: string): boolean => options.topics === undefined || options.topics.includes(topicArn);
  let published = 0;
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const target = req.headers['x-amz-target'];
        const json = typeof target === 'string';
        const decoded = json ? { action: target.slice(target.lastIndexOf('.') + 1), message: decodeJson(body) } : decodeQuery(body);
        const refuse = (code: string, text: string, status = 400): void => {
          res.writeHead(status, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
          res.end(json ? JSON.stringify({ __type: code, message: text }) : errorXml(code, text));
        };
        const { topicArn } = decoded.message;
        if (decoded.action !== 'Publish' && decoded.action !== 'GetTopicAttributes') return refuse('InvalidAction', `the local SNS implements Publish and GetTopicAttributes only, not ${String(decoded.action)}`);
        if (!TOPIC_ARN.test(topicArn)) return refuse('InvalidParameter', `Invalid parameter: TopicArn ${JSON.stringify(topicArn)} is not an SNS topic ARN`);
        // SNS's words and status for a well-formed ARN of no topic.
        if (!exists(topicArn)) return refuse('NotFound', 'Topic does not exist', 404);
        if (decoded.action === 'GetTopicAttributes') {
          res.writeHead(200, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
          res.end(json ? JSON.stringify({ Attributes: { TopicArn: topicArn } }) : topicAttributesXml(topicArn));
          return;
        }
        const problem = publishProblem(decoded.message);
        if (problem) return refuse('InvalidParameter', problem);
        published += 1;
        options.onPublish?.(decoded.message);
        const messageId = `local-${published}`;
        res.writeHead(200, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
        res.end(json ? JSON.stringify({ MessageId: messageId }) : publishXml(messageId));
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
  return listenLocally(server, options.port ?? 0);
}

/**
 * A stand-in for the SNS Publish API on 127.0.0.1 (ephemeral port), for tests that drive a real
 * SNSClient. It decodes what the SDK puts on the wire and records it, so a test asserts on the
 * request SNS would have received, not on the arguments our code passed to the SDK.
 *
 * @aws-sdk/client-sns 3.x speaks the AWS Query protocol: a form-urlencoded POST
 * `Action=Publish&Version=2010-03-31&TopicArn=…&Subject=…&Message=…` with attributes as
 * `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, answered by an XML
 * `PublishResponse`. The AWS JSON 1.0 form (`X-Amz-Target: …Publish`, JSON body) is decoded too
 * in case a later SDK switches protocols.
 */
import { createServer, type Server } from 'node:http';
import { listenLocally, readBody } from './wireDouble.ts';

export interface PublishedMessage {
  topicArn: string;
  subject: string | undefined;
  message: string;
  attributes: Record<string, { dataType: string; stringValue: string | undefined }>;
  protocol: 'query' | 'json';
}

export interface SnsDouble {
  endpoint: string;
  published: PublishedMessage[];
  close(): Promise<void>;
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
  };
  const attributes: PublishedMessage['attributes'] = {};
  for (const [name, v] of Object.entries(input.MessageAttributes ?? {})) {
    attributes[name] = { dataType: v.DataType, stringValue: v.StringValue };
  }
  return { topicArn: input.TopicArn, subject: input.Subject, message: input.Message, attributes, protocol: 'json' };
}

const publishXml = (messageId: string, requestId: string): string =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
  `<PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
  `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`;

const errorXml = (code: string, text: string): string =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>` +
  `<Code>${code}</Code><Message>${text}</Message></Error><RequestId>double-error</RequestId></ErrorResponse>`;

export async function startSnsDouble(): Promise<SnsDouble> {
  const published: PublishedMessage[] = [];
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const target = req.headers['x-amz-target'];
        if (typeof target === 'string') {
          if (!target.endsWith('.Publish')) throw new Error(`unsupported target ${target}`);
          published.push(decodeJson(body));
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ MessageId: `msg-${published.length}` }));
          return;
        }
        const { action, message } = decodeQuery(body);
        if (action !== 'Publish') {
          res.writeHead(400, { 'content-type': 'text/xml' });
          res.end(errorXml('InvalidAction', `the SNS double only implements Publish, got ${String(action)}`));
          return;
        }
        published.push(message);
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(publishXml(`msg-${published.length}`, `req-${published.length}`));
      })
      .catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
  });
  return { ...(await listenLocally(server)), published };
}

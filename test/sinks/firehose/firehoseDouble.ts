/**
 * A stand-in for Amazon Data Firehose's PutRecordBatch on 127.0.0.1, for tests that drive a real
 * FirehoseClient. It decodes what the SDK puts on the wire (AWS JSON 1.1:
 * `X-Amz-Target: Firehose_20150804.PutRecordBatch`, records' Data as base64) and records each
 * request. `rejectEntry` decides per entry whether to answer it as failed (as Firehose does with
 * ServiceUnavailableException); `failRequest` fails a request as a whole (HTTP 503);
 * `holdRequest` keeps a request waiting for its answer until the promise it returns settles.
 * Accepted records are appended to `delivered`, as the delivery stream would buffer them.
 */
import { createServer, type Server } from 'node:http';
import { listenLocally, readBody } from '../../support/wireDouble.ts';

export interface FirehoseRequest {
  deliveryStreamName: string;
  records: Buffer[];
}

export interface FirehoseDouble {
  endpoint: string;
  requests: FirehoseRequest[];
  delivered: Buffer[];
  /** Per entry: reject it? `request` is the 0-based request number. */
  rejectEntry: (data: Buffer, request: number) => boolean;
  /** Fail a whole request? */
  failRequest: (request: number) => boolean;
  /** Answer the request only once this resolves (a slow request still in flight). */
  holdRequest: (request: number) => Promise<void>;
  close(): Promise<void>;
}

export async function startFirehoseDouble(): Promise<FirehoseDouble> {
  const double: Omit<FirehoseDouble, 'endpoint' | 'close'> = {
    requests: [],
    delivered: [],
    rejectEntry: () => false,
    failRequest: () => false,
    holdRequest: () => Promise.resolve(),
  };
  const reply = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (text) => {
      if (req.headers['x-amz-target'] !== 'Firehose_20150804.PutRecordBatch' || req.headers['content-type'] !== 'application/x-amz-json-1.1') {
        reply(res, 400, { __type: 'InvalidArgumentException', message: `unsupported request ${String(req.headers['x-amz-target'])}` });
        return;
      }
      const body = JSON.parse(text) as { DeliveryStreamName: string; Records: { Data: string }[] };
      const records = body.Records.map((r) => Buffer.from(r.Data, 'base64'));
      const index = double.requests.length;
      double.requests.push({ deliveryStreamName: body.DeliveryStreamName, records });
      await double.holdRequest(index);
      if (double.failRequest(index)) {
        reply(res, 503, { __type: 'ServiceUnavailableException', message: 'Slow down.' });
        return;
      }
      let failed = 0;
      const responses = records.map((data, i) => {
        if (double.rejectEntry(data, index)) {
          failed += 1;
          return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
        }
        double.delivered.push(data);
        return { RecordId: `rec-${index}-${i}` };
      });
      reply(res, 200, { FailedPutCount: failed, Encrypted: false, RequestResponses: responses });
    });
  });
  return Object.assign(double, await listenLocally(server));
}

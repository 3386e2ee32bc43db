// lifion-kinesis ships no type declarations; the benchmark uses only this much of it.
declare module 'lifion-kinesis' {
  import { EventEmitter } from 'node:events';
  export default class Kinesis extends EventEmitter {
    constructor(options: Record<string, unknown>);
    startConsumer(): Promise<void>;
    stopConsumer(): void;
  }
}

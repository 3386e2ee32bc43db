/**
 * The DuckDB encoder's temp folder (rows as JSON in, Parquet out) when its process is killed:
 * SIGKILL leaves the folder behind, and the next encoder to start removes it. Hundreds of them
 * had piled up in a test machine's /tmp before. A temp folder that cannot be made fails that
 * encode only: the next one tries again, and the encoder still closes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it, vi } from 'vitest';
import { fieldSpecs } from '../../../stream/events/schemas.ts';
import { createDuckdbEncoder } from '../../../sinks/parquet/duckdb.ts';
import { createParquetEncoder } from '../../../sinks/parquet/encoder.ts';

/** A process that encodes one batch, says so, and waits to be killed. */
const CHILD = `
  const { createParquetEncoder } = await import(${JSON.stringify(join(import.meta.dirname, '../../../sinks/parquet/encoder.ts'))});
  const { fieldSpecs } = await import(${JSON.stringify(join(import.meta.dirname, '../../../stream/events/schemas.ts'))});
  const row = Object.fromEntries(fieldSpecs.click.map((f) => [f.name, f.kind === 'string' ? 'x' : f.kind === 'boolean' ? false : 1]));
  await createParquetEncoder('duckdb').encode(fieldSpecs.click, [row]);
  console.log('encoded');
  setInterval(() => {}, 1000);
`;

const foldersOf = async (pid: number): Promise<string[]> => (await readdir(tmpdir())).filter((name) => name.startsWith(`adstream-parquet-${pid}-`));

describe('DuckDB encoder temp folders', () => {
  it('outlive a killed process only until the next encoder starts', async () => {
    const child = spawn('node', ['--import', 'tsx', '--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('encoded') && resolve());
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before encoding`)));
    });
    const left = await foldersOf(child.pid!);
    expect(left).toHaveLength(1);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(tmpdir(), left[0]))).toBe(true);

    const encoder = createParquetEncoder('duckdb');
    const row = Object.fromEntries(fieldSpecs.click.map((f) => [f.name, f.kind === 'string' ? 'x' : f.kind === 'boolean' ? false : 1]));
    try {
      await encoder.encode(fieldSpecs.click, [row]);
      expect(await foldersOf(child.pid!)).toEqual([]);
      expect(await foldersOf(process.pid)).toHaveLength(1);
    } finally {
      await encoder.close!();
    }
    // Its own folder goes when it closes.
    expect(await foldersOf(process.pid)).toEqual([]);
  }, 60_000);

  it('forgets a start that failed: the next encode tries again, nothing is left open, close resolves', async () => {
    // Every DuckDB instance the encoder makes, and whether it was closed.
    const instances: { closed: boolean }[] = [];
    const create = DuckDBInstance.create.bind(DuckDBInstance);
    const spy = vi.spyOn(DuckDBInstance, 'create').mockImplementation(async (...args) => {
      const instance = await create(...args);
      const seen = { closed: false };
      instances.push(seen);
      const closeSync = instance.closeSync.bind(instance);
      instance.closeSync = () => ((seen.closed = true), closeSync());
      return instance;
    });
    // A temp directory under a file: the encoder's folder cannot be made there (ENOTDIR).
    const scratch = await mkdtemp(join(tmpdir(), 'adstream-duckdb-start-'));
    await writeFile(join(scratch, 'file'), '');
    const row = Object.fromEntries(fieldSpecs.click.map((f) => [f.name, f.kind === 'string' ? 'x' : f.kind === 'boolean' ? false : 1]));
    const encoder = createDuckdbEncoder();
    try {
      vi.stubEnv('TMPDIR', join(scratch, 'file'));
      await expect(encoder.encode(fieldSpecs.click, [row])).rejects.toThrow(/ENOTDIR/);
      vi.stubEnv('TMPDIR', scratch);
      expect((await encoder.encode(fieldSpecs.click, [row])).byteLength).toBeGreaterThan(0);
      await encoder.close!();
      expect(instances.length).toBeGreaterThan(0);
      expect(instances.every((i) => i.closed)).toBe(true);
      expect((await readdir(scratch)).filter((name) => name.startsWith('adstream-parquet-'))).toEqual([]);
      // An encoder whose only start failed closes too (the worker's close goes on to its clients).
      const failed = createDuckdbEncoder();
      vi.stubEnv('TMPDIR', join(scratch, 'file'));
      await expect(failed.encode(fieldSpecs.click, [row])).rejects.toThrow(/ENOTDIR/);
      await expect(failed.close!()).resolves.toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
      spy.mockRestore();
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

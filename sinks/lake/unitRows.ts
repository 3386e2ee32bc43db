/**
 * The lake rows of one commit unit, grouped by table and partition until the unit is written as
 * one file per partition. Rows are held in memory up to a budget; past it, every group's rows are
 * appended to its own JSON-lines file in the spill directory and memory starts over. A unit can
 * then be as large as the files analysts want (Athena and COPY like 128 MB–1 GB) while a worker
 * holds no more than the budget per shard.
 *
 * Spill files are scratch, never a source of truth: nothing of a unit is committed before it is
 * written, so after a crash its records are simply read again from the checkpoint.
 */
import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartitionedTable, WrittenFile } from './partitionedTable.ts';
import { makeDirectory } from '../makeDirectory.ts';

export interface SpillOptions {
  /** Local directory for spill files (created if missing). */
  directory: string;
  /** Bytes of rows (as estimated by the caller) held in memory before they spill. */
  memoryBytes: number;
}

type AnyRow = Record<string, unknown>;

interface Group {
  table: PartitionedTable<AnyRow>;
  partition: string;
  rows: AnyRow[];
  spilled?: { path: string; rows: number };
}

let spillFileCounter = 0;

export class UnitRows {
  private readonly groups = new Map<string, Group>();
  private heldBytes = 0;
  /** Spills so far: how often this unit outgrew its memory budget. */
  spills = 0;

  /** Without spill options every row stays in memory (replays and tests of small units). */
  constructor(private readonly spill?: SpillOptions) {}

  /** Each table's group that took its last row. */
  private readonly lastGroups = new Map<PartitionedTable<AnyRow>, Group>();

  add<Row extends AnyRow>(table: PartitionedTable<Row>, rows: Row[]): void {
    for (const row of rows) this.addRow(table, row);
  }

  /** One row: rows of several tables may come mixed (a part's events, in record order). */
  addRow<Row extends AnyRow>(table: PartitionedTable<Row>, row: Row): void {
    // Consecutive rows of a table nearly always share a partition: the group is looked up only when it changes.
    const anyTable = table as unknown as PartitionedTable<AnyRow>;
    const partition = table.partitionOf(row);
    let group = this.lastGroups.get(anyTable);
    if (group?.partition !== partition) {
      const id = `${table.table}/${partition}`;
      group = this.groups.get(id);
      if (!group) this.groups.set(id, (group = { table: anyTable, partition, rows: [] }));
      this.lastGroups.set(anyTable, group);
    }
    group.rows.push(row);
  }

  /** Counts `bytes` more rows held in memory, and spills them all once the budget is passed. */
  async hold(bytes: number): Promise<void> {
    this.heldBytes += bytes;
    if (this.spill && this.heldBytes > this.spill.memoryBytes) await this.spillAll(this.spill.directory);
  }

  private async spillAll(directory: string): Promise<void> {
    await makeDirectory(directory);
    for (const group of this.groups.values()) await this.spillGroup(group, directory);
    this.heldBytes = 0;
    this.spills += 1;
  }

  private async spillGroup(group: Group, directory: string): Promise<void> {
    if (group.rows.length === 0) return;
    group.spilled ??= { path: join(directory, `${process.pid}-${++spillFileCounter}.jsonl`), rows: 0 };
    await appendFile(group.spilled.path, group.rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    group.spilled.rows += group.rows.length;
    group.rows = [];
  }

  /** Writes the table's partitions, one file each named `fileName`, in partition order. */
  async write<Row extends AnyRow>(table: PartitionedTable<Row>, fileName: string): Promise<WrittenFile[]> {
    const groups = [...this.groups.values()].filter((group) => group.table === (table as unknown)).sort((a, b) => (a.partition < b.partition ? -1 : 1));
    const written: WrittenFile[] = [];
    for (const group of groups) {
      if (group.spilled && this.spill) {
        await this.spillGroup(group, this.spill.directory);
        written.push(await group.table.writeSpilledPartition(group.partition, fileName, group.spilled));
      } else {
        written.push(await group.table.writePartition(group.partition, fileName, group.rows));
      }
    }
    return written;
  }

  /** Removes this unit's spill files; call once it is written or abandoned. */
  async discard(): Promise<void> {
    for (const group of this.groups.values()) if (group.spilled) await rm(group.spilled.path, { force: true });
    this.groups.clear();
    this.lastGroups.clear();
    this.heldBytes = 0;
  }
}

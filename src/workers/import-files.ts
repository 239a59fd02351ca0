/**
 * Import mode: the run's staged contacts become CSV files on disk (IMPORT_DIR), split at HubSpot's limits, one
 * group for contacts that become marketing contacts and one for the others. Each file's state (its HubSpot
 * import id above all, recorded before the first poll) and its addresses in line order live in Redis, so a
 * worker that dies anywhere resumes the same imports, and row errors map back to the records of their line.
 */
import { mkdir, open, rm, stat } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { CONSENT_RANK } from '../core/contact.ts';
import { importKeys, readImportFiles, WRITTEN_MARK, type ImportFile } from '../run/imports.ts';
import type { RunInfo } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import { CsvSplitter, HUBSPOT_FILE_LIMITS, type CsvSink } from './import-csv.ts';
import { mergedProperties, parseStaged, scanStaged, type StagedRecord } from './import-staging.ts';

export type FileGroup = 'marketing' | 'contacts';

export class ImportFiles {
  private readonly keys;
  private readonly ctx: WorkerContext;
  private readonly runId: string;
  constructor(ctx: WorkerContext, runId: string) {
    this.ctx = ctx;
    this.runId = runId;
    this.keys = importKeys(ctx.config.queuePrefix, runId);
  }

  /** Every file of the run, or null when they have not been written yet. */
  async list(): Promise<ImportFile[] | null> {
    return readImportFiles(this.ctx.redis, this.ctx.config.queuePrefix, this.runId);
  }

  async save(file: ImportFile): Promise<void> {
    await this.ctx.redis.hset(this.keys.files, file.id, JSON.stringify(file));
  }

  path(file: Pick<ImportFile, 'fileName'>): string {
    return join(this.ctx.config.imports.dir, this.runId, file.fileName);
  }

  /** The staged records of a file's lines, `size` lines at a time, from line 2 (the header is line 1). */
  async *lines(file: ImportFile, size = 1000): AsyncGenerator<{ line: number; staged: StagedRecord[] }[]> {
    for (let from = 0; from < file.rows; from += size) {
      const emails = await this.ctx.redis.lrange(this.keys.lines(file.id), from, from + size - 1);
      if (emails.length === 0) return;
      const raw = await this.ctx.redis.hmget(this.keys.staged, ...emails);
      yield emails.map((_, i) => ({ line: from + i + 2, staged: raw[i] ? parseStaged(raw[i]) : [] }));
    }
  }

  /** Writes every file from the staged records and records them; nothing is started yet. */
  async writeAll(run: RunInfo): Promise<ImportFile[]> {
    const { redis } = this.ctx;
    await redis.del(this.keys.files);
    await rm(join(this.ctx.config.imports.dir, this.runId), { recursive: true, force: true });
    await mkdir(join(this.ctx.config.imports.dir, this.runId), { recursive: true });
    const columns = await this.columns();
    const limits = {
      maxRows: Math.min(this.ctx.config.imports.fileRows, HUBSPOT_FILE_LIMITS.rows),
      maxBytes: HUBSPOT_FILE_LIMITS.bytes,
    };
    const splitters = {
      marketing: new CsvSplitter(columns, limits, (part) => this.openFile('marketing', part)),
      contacts: new CsvSplitter(columns, limits, (part) => this.openFile('contacts', part)),
    };
    // HSCAN may return a field twice; each address gets one row.
    const seen = new Set<string>();
    // A line list left by an attempt that died half-way is emptied before this attempt's first push to it.
    const emptied = new Set<string>();
    try {
      await this.writeLines(redis, splitters, columns, seen, emptied);
    } catch (err) {
      // The files are written again from the start by the next attempt: only their handles need closing.
      await Promise.allSettled([splitters.marketing.close(), splitters.contacts.close()]);
      throw err;
    }
    const files: ImportFile[] = [];
    for (const group of ['marketing', 'contacts'] as const) {
      for (const part of await splitters[group].close()) {
        const id = fileId(group, part.part);
        files.push({
          id,
          name: `esp-sync ${run.id} ${id}`,
          fileName: `${id}.csv`,
          marketable: group === 'marketing',
          rows: part.rows,
          columns,
          importId: null,
          starting: false,
          state: 'WRITTEN',
          written: null,
          errors: null,
          settled: false,
        });
      }
    }
    const fields = Object.fromEntries(files.map((f) => [f.id, JSON.stringify(f)]));
    await redis
      .multi()
      .hset(this.keys.files, { ...fields, [WRITTEN_MARK]: '1' })
      .expire(this.keys.files, this.ctx.store.retentionSeconds)
      .exec();
    return files;
  }

  /** A file lost from disk (another machine, a cleaned temp folder) before its import started: written again. */
  /** Streams the staged contacts into the files, one row per address, and records each file's line order. */
  private async writeLines(
    redis: Redis,
    splitters: Record<FileGroup, CsvSplitter>,
    columns: string[],
    seen: Set<string>,
    emptied: Set<string>,
  ): Promise<void> {
    for await (const chunk of scanStaged(redis, this.keys.staged)) {
      const fresh = chunk.filter(([email, staged]) => staged.length > 0 && !seen.has(email));
      const marketable = await this.marketable(fresh);
      const lines = new Map<string, string[]>();
      for (const [email, staged] of fresh) {
        seen.add(email);
        const group: FileGroup = marketable.has(email) ? 'marketing' : 'contacts';
        const properties = mergedProperties(staged);
        const { part } = await splitters[group].add(
          columns.map((c) => (c === 'email' ? email : (properties[c] ?? ''))),
        );
        const id = fileId(group, part);
        lines.set(id, [...(lines.get(id) ?? []), email]);
      }
      const pipeline = redis.pipeline();
      for (const [id, emails] of lines) {
        if (!emptied.has(id)) pipeline.del(this.keys.lines(id));
        emptied.add(id);
        pipeline
          .rpush(this.keys.lines(id), ...emails)
          .expire(this.keys.lines(id), this.ctx.store.retentionSeconds);
      }
      await pipeline.exec();
    }
  }

  async ensureOnDisk(file: ImportFile): Promise<void> {
    if (await stat(this.path(file)).catch(() => null)) return;
    await mkdir(join(this.ctx.config.imports.dir, this.runId), { recursive: true });
    const limits = { maxRows: Number.MAX_SAFE_INTEGER, maxBytes: HUBSPOT_FILE_LIMITS.bytes };
    const splitter = new CsvSplitter(file.columns, limits, () => diskSink(this.path(file)));
    for await (const chunk of this.lines(file)) {
      for (const { staged } of chunk) {
        const email = staged[0]?.record.email ?? '';
        const properties = mergedProperties(staged);
        await splitter.add(file.columns.map((c) => (c === 'email' ? email : (properties[c] ?? ''))));
      }
    }
    await splitter.close();
  }

  /** Removes the staged records, the line lists and the files on disk; the file states stay for the run page. */
  async cleanUp(files: ImportFile[]): Promise<void> {
    await this.ctx.redis.del(this.keys.staged, ...files.map((f) => this.keys.lines(f.id)));
    await rm(join(this.ctx.config.imports.dir, this.runId), { recursive: true, force: true });
  }

  private openFile(group: FileGroup, part: number): Promise<CsvSink> {
    return diskSink(this.path({ fileName: `${fileId(group, part)}.csv` }));
  }

  /** `email` first, then every property any staged record sets, sorted. */
  private async columns(): Promise<string[]> {
    const names = new Set<string>();
    for await (const chunk of scanStaged(this.ctx.redis, this.keys.staged)) {
      for (const [, staged] of chunk) {
        for (const s of staged) for (const p of Object.keys(s.record.properties)) names.add(p);
      }
    }
    names.delete('email');
    return ['email', ...[...names].sort()];
  }

  /**
   * Addresses that become marketing contacts (IMPORT_MARKETABLE=subscribed): the record that writes the
   * properties asks for a subscription, none carries an opt-out, and no record of the person in any source
   * holds a stricter consent (the subscribe phase's test). HubSpot's own status is not read here (a batch read
   * costs two calls per address HubSpot does not know yet): someone HubSpot already holds opted out becomes a
   * marketing contact too, and stays opted out. https://knowledge.hubspot.com/contacts/marketing-contacts-faq
   */
  private async marketable(chunk: [string, StagedRecord[]][]): Promise<Set<string>> {
    if (this.ctx.config.imports.marketable === 'none') return new Set();
    const wanting = chunk.filter(
      ([, staged]) =>
        staged.at(-1)?.record.consent.state === 'subscribe' &&
        !staged.some((s) => s.move?.kind === 'carryOptOut' || s.record.consent.state === 'optOut'),
    );
    const strictest = await this.ctx.ledger.strictestConsent(wanting.map(([email]) => email));
    return new Set(
      wanting
        .map(([email]) => email)
        .filter((email) => (strictest.get(email) ?? 0) <= CONSENT_RANK.subscribe),
    );
  }
}

const fileId = (group: FileGroup, part: number) => `${group}-${part + 1}`;

async function diskSink(path: string): Promise<CsvSink> {
  const handle = await open(path, 'w');
  return {
    write: async (text) => {
      await handle.write(text);
    },
    close: () => handle.close(),
  };
}

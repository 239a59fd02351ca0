/**
 * CSV files for HubSpot imports, written as a stream: one header row of contact property names, then one row
 * per contact, split into a new file before a file would pass HubSpot's limits (rows or bytes per file).
 * https://developers.hubspot.com/docs/api/crm/imports
 * https://knowledge.hubspot.com/import-and-export/set-up-your-import-file
 */

/** HubSpot's limits per import file: 1,048,576 rows (the header is one of them) and 512 MB. */
export const HUBSPOT_FILE_LIMITS = { rows: 1_048_575, bytes: 512 * 1024 * 1024 } as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: string[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Where one file's text goes (a file on disk; an array in tests). */
export interface CsvSink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface CsvPart {
  /** Index of the file among this splitter's files. */
  part: number;
  rows: number;
  bytes: number;
}

/**
 * Writes rows under one header into as many files as the limits need: a row that would take a file past
 * `maxRows` data rows or `maxBytes` (header included) starts the next file. Text is buffered up to `chunkBytes`
 * before it goes to the sink, so memory stays flat whatever the number of rows.
 */
export class CsvSplitter {
  private readonly header: string;
  private readonly headerBytes: number;
  private current: { sink: CsvSink; part: CsvPart; buffer: string[]; buffered: number } | null = null;
  private readonly done: CsvPart[] = [];
  private readonly limits: { maxRows: number; maxBytes: number };
  private readonly open: (part: number) => Promise<CsvSink>;
  private readonly chunkBytes: number;

  constructor(
    columns: string[],
    limits: { maxRows: number; maxBytes: number },
    open: (part: number) => Promise<CsvSink>,
    chunkBytes = 64 * 1024,
  ) {
    this.limits = limits;
    this.open = open;
    this.chunkBytes = chunkBytes;
    this.header = csvLine(columns);
    this.headerBytes = Buffer.byteLength(this.header);
  }

  /** Adds one row; returns the index of the file it went into and its line there (the header is line 1). */
  async add(values: string[]): Promise<{ part: number; line: number }> {
    const text = csvLine(values);
    const bytes = Buffer.byteLength(text);
    if (this.headerBytes + bytes > this.limits.maxBytes) {
      throw new RangeError(
        `One import row is ${bytes} bytes, more than a file may hold (${this.limits.maxBytes}).`,
      );
    }
    const c = this.current;
    if (!c || c.part.rows + 1 > this.limits.maxRows || c.part.bytes + bytes > this.limits.maxBytes) {
      await this.finishCurrent();
      const part = this.done.length;
      const sink = await this.open(part);
      this.current = {
        sink,
        part: { part, rows: 0, bytes: this.headerBytes },
        buffer: [this.header],
        buffered: this.headerBytes,
      };
    }
    const cur = this.current!;
    cur.buffer.push(text);
    cur.buffered += bytes;
    cur.part.rows++;
    cur.part.bytes += bytes;
    if (cur.buffered >= this.chunkBytes) await this.flush();
    return { part: cur.part.part, line: cur.part.rows + 1 };
  }

  /** Closes the last file; returns every file written (none when no row was added). */
  async close(): Promise<CsvPart[]> {
    await this.finishCurrent();
    return [...this.done];
  }

  private async flush(): Promise<void> {
    const c = this.current;
    if (!c || c.buffer.length === 0) return;
    const text = c.buffer.join('');
    c.buffer = [];
    c.buffered = 0;
    await c.sink.write(text);
  }

  private async finishCurrent(): Promise<void> {
    if (!this.current) return;
    await this.flush();
    await this.current.sink.close();
    this.done.push(this.current.part);
    this.current = null;
  }
}

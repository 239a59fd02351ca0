/**
 * What an import-mode run keeps in Redis about its HubSpot imports (written by the workers' import step, read
 * by the run page): its staged contacts, one state per CSV file (its import id above all), and each file's
 * addresses in line order. https://developers.hubspot.com/docs/api/crm/imports
 */
import type { Redis } from 'ioredis';
import { runKeys } from './keys.ts';

export function importKeys(prefix: string, runId: string) {
  const base = `${runKeys(prefix, runId).info}:import`;
  return {
    /** email → JSON array of the address's staged records. */
    staged: `${base}:staged`,
    /** file id → JSON ImportFile, plus WRITTEN_MARK once every file is on disk. */
    files: `${base}:files`,
    /** The emails of one file, in line order (line n + 2: the header is line 1). */
    lines: (fileId: string) => `${base}:lines:${fileId}`,
  };
}

/** The field of the files hash that says every file has been written. */
export const WRITTEN_MARK = '_written';

export interface ImportFile {
  /** `marketing-1`, `contacts-2`, …: the file's group and its place in the group. */
  id: string;
  /** The import's name in HubSpot, unique per run and file: how a crashed start is found again. */
  name: string;
  fileName: string;
  marketable: boolean;
  rows: number;
  columns: string[];
  importId: string | null;
  /** Set just before the import is started: an id-less file that is `starting` may exist in HubSpot already. */
  starting: boolean;
  /** WRITTEN before it is started, then HubSpot's state (STARTED, PROCESSING, DEFERRED, DONE, …). */
  state: string;
  written: number | null;
  errors: number | null;
  /** Its records have their rows (outcome known). */
  settled: boolean;
}

/** Every file of a run, or null when they have not been written yet (or the run is not an import). */
export async function readImportFiles(
  redis: Redis,
  prefix: string,
  runId: string,
): Promise<ImportFile[] | null> {
  const raw = await redis.hgetall(importKeys(prefix, runId).files);
  if (raw[WRITTEN_MARK] !== '1') return null;
  return Object.entries(raw)
    .filter(([k]) => k !== WRITTEN_MARK)
    .map(([, v]) => JSON.parse(v) as ImportFile)
    .sort((a, b) => a.id.localeCompare(b.id));
}

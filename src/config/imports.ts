/**
 * IMPORT_*: the import mode of a migration (HubSpot CRM imports instead of batch upserts), where its files go,
 * when `--mode auto` picks it and which contacts become marketing contacts.
 * https://developers.hubspot.com/docs/api/crm/imports
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { optionalString, positiveInt } from './env-values.ts';

export interface ImportsPolicy {
  /** Where the CSV files are written before they are uploaded (deleted when their import has settled). */
  dir: string;
  /** `--mode auto` imports when the sources announce at least this many records, else batch upserts. */
  threshold: number;
  /** `subscribed`: contacts whose consent is "subscribe" become marketing contacts; `none`: nobody does. */
  marketable: 'subscribed' | 'none';
  /** How often a running import's state is read (ms). */
  pollMs: number;
  /** Data rows per file at most (HubSpot takes 1,048,576 rows per file, the header included). */
  fileRows: number;
}

/** The variables, merged into the environment schema in env.ts. */
export const IMPORTS_ENV = {
  IMPORT_DIR: optionalString,
  IMPORT_THRESHOLD: positiveInt(50_000),
  IMPORT_MARKETABLE: optionalString.pipe(z.enum(['subscribed', 'none']).optional().default('subscribed')),
  IMPORT_POLL_MS: positiveInt(5_000),
  IMPORT_FILE_ROWS: positiveInt(1_048_575),
};

type ImportsEnv = { [K in keyof typeof IMPORTS_ENV]: z.output<(typeof IMPORTS_ENV)[K]> };

export function importsPolicyFrom(e: ImportsEnv): ImportsPolicy {
  return {
    dir: e.IMPORT_DIR ?? join(tmpdir(), 'esp-sync-imports'),
    threshold: e.IMPORT_THRESHOLD,
    marketable: e.IMPORT_MARKETABLE,
    pollMs: e.IMPORT_POLL_MS,
    fileRows: e.IMPORT_FILE_ROWS,
  };
}

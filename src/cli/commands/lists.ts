/**
 * `esp-sync lists`: the source lists (Mailchimp audiences, their saved and static segments and the tags seen
 * in synced members, Constant Contact lists) and the HubSpot lists they map to, with HubSpot's sizes. Reads only: creates no list.
 */
import type { Command } from 'commander';
import { createApp, type App } from '../../app.ts';
import type { SourceName } from '../../config/env.ts';
import { requireHubSpot } from '../../config/env.ts';
import { createConstantContactSource } from '../../connectors/constant-contact/index.ts';
import { createHubSpotSink } from '../../connectors/hubspot/index.ts';
import { createMailchimpSource } from '../../connectors/mailchimp/index.ts';
import { SEGMENT_KINDS, type ListKind } from '../../core/lists.ts';
import type { HubSpotListsPort } from '../../core/ports.ts';
import { listName, segmentLists } from '../../mapping/lists.ts';
import { ListMembershipState } from '../../workers/list-membership-state.ts';
import { sourcesAndConfig } from '../shared.ts';

export interface ListOverviewRow {
  source: SourceName;
  kind: ListKind;
  /** The source's id of the list (audience id, `<audience id>:<tag or segment id>`, list_id). */
  sourceId: string;
  sourceName: string;
  /** A segment's size as Mailchimp counts it (its subscribed members only). */
  sourceSize?: number;
  /** Whether HUBSPOT_LISTS carries this kind over. */
  carried: boolean;
  /** The HubSpot list's name by the configured pattern (or as the tool registered it). */
  hubspotName: string;
  /** The HubSpot list, when it exists. */
  hubspot: { listId: string; size: number | null } | null;
}

const SOURCE_OF: Record<ListKind, SourceName> = {
  audience: 'mailchimp',
  tag: 'mailchimp',
  savedSegment: 'mailchimp',
  staticSegment: 'mailchimp',
  ccList: 'constant-contact',
};
const KIND_WORD: Record<ListKind, string> = {
  audience: 'audience',
  tag: 'tag',
  savedSegment: 'segment',
  staticSegment: 'static',
  ccList: 'list',
};

/** Every source list of the chosen sources, each with its HubSpot list (read, never created). */
export async function listOverview(app: App, sources: SourceName[]): Promise<ListOverviewRow[]> {
  const { config, redis, logger } = app;
  const common = { redis, keyPrefix: config.queuePrefix, timeoutMs: config.httpTimeoutMs, logger };
  const lists = createHubSpotSink(requireHubSpot(config), common).lists;
  const { names, kinds } = config.lists;
  const rows = new Map<string, Omit<ListOverviewRow, 'hubspot'> & { listId?: string }>();
  const add = (row: Omit<ListOverviewRow, 'hubspot' | 'carried'> & { listId?: string }) => {
    if (!sources.includes(row.source)) return;
    const key = row.hubspotName.toLowerCase();
    rows.set(key, { ...rows.get(key), ...row, carried: kinds.includes(row.kind) });
  };

  if (sources.includes('mailchimp') && config.mailchimp) {
    const mailchimp = createMailchimpSource(config.mailchimp, common);
    // Every saved segment, and every static one unless tags are carried over (then it is a tag's list).
    const segmentPolicy = { kinds: [...kinds, ...SEGMENT_KINDS], names };
    for (const audience of await mailchimp.listAudiences()) {
      const hubspotName = listName(names.audience, { audience: audience.name });
      add({
        source: 'mailchimp',
        kind: 'audience',
        sourceId: audience.id,
        sourceName: audience.name,
        hubspotName,
      });
      const segments = await mailchimp.segments(audience.id);
      const sizes = new Map(segments.map((s) => [`${audience.id}:${s.id}`, s.memberCount]));
      for (const list of segmentLists(audience, segments, segmentPolicy)) {
        const sourceSize = sizes.get(list.sourceId);
        add({
          source: 'mailchimp',
          kind: list.kind,
          sourceId: list.sourceId,
          sourceName: list.sourceName,
          hubspotName: list.name,
          ...(typeof sourceSize === 'number' ? { sourceSize } : {}),
        });
      }
    }
  }
  if (sources.includes('constant-contact') && config.constantContact) {
    const definitions = await createConstantContactSource(config.constantContact, common).definitions();
    for (const [listId, name] of definitions.lists) {
      const hubspotName = listName(names.ccList, { list: name });
      add({ source: 'constant-contact', kind: 'ccList', sourceId: listId, sourceName: name, hubspotName });
    }
  }
  // Tags (and anything renamed since) are known from what the workers registered while writing members.
  for (const entry of await new ListMembershipState(redis, config.queuePrefix).allRegisteredLists()) {
    add({
      source: SOURCE_OF[entry.kind],
      kind: entry.kind,
      sourceId: entry.sourceId,
      sourceName: entry.sourceName,
      hubspotName: entry.name,
      listId: entry.listId,
    });
  }

  const out: ListOverviewRow[] = [];
  for (const { listId, ...row } of rows.values()) {
    out.push({ ...row, hubspot: lists ? await hubspotListOf(lists, listId, row.hubspotName) : null });
  }
  return out.sort((a, b) => a.source.localeCompare(b.source) || a.hubspotName.localeCompare(b.hubspotName));
}

async function hubspotListOf(
  lists: HubSpotListsPort,
  listId: string | undefined,
  name: string,
): Promise<ListOverviewRow['hubspot']> {
  const info = (listId ? await lists.readList(listId) : null) ?? (await lists.findList(name));
  return info ? { listId: info.listId, size: info.size } : null;
}

export function listOverviewText(rows: ListOverviewRow[], carriedKinds: readonly ListKind[]): string {
  const lines: string[] = [];
  if (carriedKinds.length === 0) {
    lines.push(
      'HUBSPOT_LISTS is not set: no source list is carried over to HubSpot (see the README, Lists).',
    );
  }
  if (rows.length === 0) lines.push('No source lists found.');
  for (const row of rows) {
    const target = row.hubspot
      ? `${row.hubspotName} (list ${row.hubspot.listId}, ${row.hubspot.size ?? '?'} contacts)`
      : `${row.hubspotName} (not created yet${row.carried ? '' : '; not carried over'})`;
    const size = row.sourceSize === undefined ? '' : ` (${row.sourceSize} subscribed in Mailchimp)`;
    lines.push(
      `${row.source.padEnd(17)} ${KIND_WORD[row.kind].padEnd(9)} ${row.sourceName}${size}  →  ${target}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerListsCommand(program: Command): void {
  program
    .command('lists')
    .description('Show the source lists and the HubSpot lists they map to, with their sizes')
    .option('--source <source>', 'mailchimp, constant-contact or all (default: every configured source)')
    .option('--json', 'print a JSON array of rows')
    .action(async (opts: { source?: string; json?: boolean }) => {
      const { config, sources } = sourcesAndConfig(opts.source);
      const app = await createApp(config);
      try {
        const rows = await listOverview(app, sources);
        process.stdout.write(
          opts.json ? `${JSON.stringify(rows)}\n` : listOverviewText(rows, config.lists.kinds),
        );
      } finally {
        await app.close();
      }
    });
}

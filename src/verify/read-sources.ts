/**
 * Reads the sources page by page with the workers' own pagers (Mailchimp by keyset on last_changed, Constant
 * Contact by cursor) and mapping functions, and hands each page's mapped contacts on. Records that end in the
 * mapping (skipped by policy, failed) are only counted: they ask nothing of HubSpot. A member changed while
 * verify reads leaves the keyset window and is not compared; the next sync writes it.
 */
import type { MappedRecord, SourceContact, SourceName } from '../core/contact.ts';
import type { MailchimpPort } from '../connectors/mailchimp/wire.ts';
import type { ConstantContactPort } from '../connectors/constant-contact/wire.ts';
import type { FirstCheckpoint, SourcePager } from '../core/source-pages.ts';
import { ccPages, firstCcCheckpoints } from '../connectors/constant-contact/pages.ts';
import { firstMailchimpCheckpoints, mailchimpPages } from '../connectors/mailchimp/index.ts';
import { RuntimeError } from '../errors/index.ts';
import { mapCcContact } from '../mapping/constant-contact.ts';
import { mapMailchimpMember } from '../mapping/mailchimp.ts';
import type { ConsentPolicy } from '../mapping/policy.ts';

export interface SourceCounts {
  read: number;
  contacts: number;
  skipped: number;
  failed: number;
}

export interface SourceReaders {
  mailchimp?: () => MailchimpPort;
  constantContact?: () => ConstantContactPort;
}

export interface ReadOptions {
  sources: SourceName[];
  /** Mailchimp audience ids; empty = every audience. */
  audiences: string[];
  policy: ConsentPolicy;
  /** Which record keys are read for the first time (a keyset page may repeat the last second's records). */
  firstSeen: (recordKeys: string[]) => Promise<boolean[]>;
  onPage: (contacts: SourceContact[]) => Promise<void>;
  /** Records read so far, after each page. */
  onProgress?: (read: number) => void | Promise<void>;
  now?: Date;
}

const keyOf = (r: MappedRecord) => (r.kind === 'contact' ? r.contact.key : r.key);

async function readChains<C, R>(
  pager: SourcePager<C, R>,
  firsts: FirstCheckpoint<C>[],
  onRecords: (records: R[]) => Promise<void>,
): Promise<void> {
  for (const first of firsts) {
    for (let checkpoint: C | null = first.checkpoint; checkpoint !== null;) {
      const page = await pager.readPage(checkpoint);
      await onRecords(page.records);
      if (page.next !== null && JSON.stringify(page.next) === JSON.stringify(checkpoint)) {
        throw new RuntimeError(
          `The source sent the same next page twice in a row (${first.chain}); verify stopped instead of looping. Run it again later.`,
        );
      }
      checkpoint = page.next;
    }
  }
}

export async function readSources(readers: SourceReaders, options: ReadOptions): Promise<SourceCounts> {
  const counts: SourceCounts = { read: 0, contacts: 0, skipped: 0, failed: 0 };
  const take = async (mapped: MappedRecord[]) => {
    const fresh = await options.firstSeen(mapped.map(keyOf));
    const contacts: SourceContact[] = [];
    mapped.forEach((record, i) => {
      if (!fresh[i]) return;
      counts.read++;
      if (record.kind === 'contact') contacts.push(record.contact);
      else counts[record.kind]++;
    });
    counts.contacts += contacts.length;
    await options.onPage(contacts);
    await options.onProgress?.(counts.read);
  };
  const before = options.now ?? new Date();

  if (options.sources.includes('mailchimp') && readers.mailchimp) {
    const mailchimp = readers.mailchimp();
    const audiences =
      options.audiences.length > 0
        ? await Promise.all(options.audiences.map((id) => mailchimp.getAudience(id)))
        : await mailchimp.listAudiences();
    for (const audience of audiences) {
      const ctx = { audience, mergeFields: await mailchimp.mergeFields(audience.id), policy: options.policy };
      await readChains(
        mailchimpPages(mailchimp),
        firstMailchimpCheckpoints(audience.id, { before }),
        (members) => take(members.map((m) => mapMailchimpMember(m, ctx))),
      );
    }
  }

  if (options.sources.includes('constant-contact') && readers.constantContact) {
    const cc = readers.constantContact();
    const ctx = { definitions: await cc.definitions(), policy: options.policy };
    await readChains(ccPages(cc), firstCcCheckpoints(), (contacts) =>
      take(contacts.map((c) => mapCcContact(c, ctx))),
    );
  }
  return counts;
}

/**
 * Reads the sources page by page through the same connectors and mapping functions as the workers, and hands
 * each page's mapped contacts on. Records that end in the mapping (skipped by policy, failed) are only counted:
 * they ask nothing of HubSpot.
 */
import type { MappedRecord, SourceContact, SourceName } from '../core/contact.ts';
import { MAILCHIMP_STATUSES, type ConstantContactPort, type MailchimpPort } from '../core/ports.ts';
import { RuntimeError } from '../errors/index.ts';
import { mapCcContact } from '../mapping/constant-contact.ts';
import { mapMailchimpMember } from '../mapping/mailchimp.ts';
import type { ConsentPolicy } from '../mapping/policy.ts';

/** Mailchimp's largest page. */
const MAILCHIMP_PAGE = 1000;

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
  onPage: (contacts: SourceContact[]) => Promise<void>;
  /** Records read so far, after each page. */
  onProgress?: (read: number) => void;
}

export async function readSources(readers: SourceReaders, options: ReadOptions): Promise<SourceCounts> {
  const counts: SourceCounts = { read: 0, contacts: 0, skipped: 0, failed: 0 };
  const take = async (mapped: MappedRecord[]) => {
    const contacts: SourceContact[] = [];
    for (const record of mapped) {
      if (record.kind === 'contact') contacts.push(record.contact);
      else counts[record.kind]++;
    }
    counts.read += mapped.length;
    counts.contacts += contacts.length;
    await options.onPage(contacts);
    options.onProgress?.(counts.read);
  };

  if (options.sources.includes('mailchimp') && readers.mailchimp) {
    const mailchimp = readers.mailchimp();
    const audiences =
      options.audiences.length > 0
        ? await Promise.all(options.audiences.map((id) => mailchimp.getAudience(id)))
        : await mailchimp.listAudiences();
    for (const audience of audiences) {
      const ctx = { audience, mergeFields: await mailchimp.mergeFields(audience.id), policy: options.policy };
      for (const status of MAILCHIMP_STATUSES) {
        // Offset paging in last_changed order: verify reads a snapshot, and a member changed meanwhile is
        // simply compared as it was read.
        for (let offset = 0; ;) {
          const page = await mailchimp.memberPage({
            audienceId: audience.id,
            status,
            offset,
            count: MAILCHIMP_PAGE,
          });
          await take(page.members.map((m) => mapMailchimpMember(m, ctx)));
          offset += page.members.length;
          if (page.members.length === 0 || offset >= page.totalItems) break;
        }
      }
    }
  }

  if (options.sources.includes('constant-contact') && readers.constantContact) {
    const cc = readers.constantContact();
    const ctx = { definitions: await cc.definitions(), policy: options.policy };
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await cc.contactPage({ cursor });
      await take(page.contacts.map((c) => mapCcContact(c, ctx)));
      if (page.nextCursor !== null && page.nextCursor === cursor) {
        throw new RuntimeError(
          'Constant Contact returned the same next-page link twice in a row; verify stopped instead of looping. Run it again later.',
        );
      }
      cursor = page.nextCursor;
    }
  }
  return counts;
}

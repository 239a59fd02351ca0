import { describe, expect, it } from '@jest/globals';
import type {
  MailchimpMember,
  MailchimpMemberPageParams,
  MailchimpPort,
} from '../../src/connectors/mailchimp/wire.ts';
import {
  firstMailchimpCheckpoints,
  mailchimpPages,
  mailchimpQuery,
  nextMailchimpWindow,
  toMailchimpTime,
  type MailchimpCheckpoint,
} from '../../src/connectors/mailchimp/index.ts';

const BEFORE = '2024-06-01T00:00:00+00:00';
const members = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i) }) as MailchimpMember);

describe('Mailchimp keyset paging', () => {
  it('ends the chain on a short page', () => {
    expect(
      nextMailchimpWindow(
        { before: BEFORE, offset: 0 },
        { members: members(3), lastChanged: { first: null, last: null } },
        5,
      ),
    ).toBeNull();
  });

  it('continues one second before the last member seen (the filter is exclusive)', () => {
    const next = nextMailchimpWindow(
      { before: BEFORE, offset: 0, since: '2024-01-01T00:00:00+00:00' },
      {
        members: members(5),
        lastChanged: { first: '2024-02-01T10:00:00+00:00', last: '2024-03-01T10:00:07+00:00' },
      },
      5,
    );
    expect(next).toEqual({ since: '2024-03-01T10:00:06+00:00', before: BEFORE, offset: 0 });
  });

  it('pages a crowded second by offset inside that exact second, then continues after it', () => {
    const second = '2024-03-01T10:00:00+00:00';
    const tie = nextMailchimpWindow(
      { before: BEFORE, offset: 0 },
      { members: members(5), lastChanged: { first: second, last: second } },
      5,
    );
    expect(tie).toEqual({ before: BEFORE, offset: 0, tieSecond: second });
    expect(mailchimpQuery(tie!)).toEqual({
      since: '2024-03-01T09:59:59+00:00',
      before: '2024-03-01T10:00:01+00:00',
      offset: 0,
    });
    const more = nextMailchimpWindow(tie!, { members: members(5) }, 5);
    expect(more).toEqual({ before: BEFORE, offset: 5, tieSecond: second });
    const after = nextMailchimpWindow(more!, { members: members(2) }, 5);
    expect(after).toEqual({ since: second, before: BEFORE, offset: 0 });
  });

  it('never lets the crowded-second window pass the run bound', () => {
    const second = '2024-06-01T00:00:00+00:00';
    expect(mailchimpQuery({ before: BEFORE, offset: 0, tieSecond: second }).before).toBe(BEFORE);
  });

  it('returns only window fields, never the rest of the job data', () => {
    const data = { runId: 'r', index: 3, before: BEFORE, offset: 0, tieSecond: '2024-03-01T10:00:00+00:00' };
    expect(nextMailchimpWindow(data, { members: members(5) }, 5)).toEqual({
      before: BEFORE,
      offset: 5,
      tieSecond: '2024-03-01T10:00:00+00:00',
    });
  });

  it('falls back to offsets when members carry no last_changed', () => {
    expect(nextMailchimpWindow({ before: BEFORE, offset: 10 }, { members: members(5) }, 5)).toEqual({
      before: BEFORE,
      offset: 15,
    });
  });

  describe('against a Mailchimp whose since_last_changed is inclusive (not documented either way)', () => {
    const at = (second: number) =>
      new Date(Date.UTC(2024, 2, 1, 10, 0, second)).toISOString().slice(0, 19) + '+00:00';
    // Three members a second apart, then a crowded second.
    const audience = [0, 1, 1, 2, 3, 3, 3, 3, 4, 5].map((second, i) => ({
      id: `m${i}`,
      last_changed: at(second),
    }));

    /** GET /members sorted by last_changed, with both bounds inclusive of `since`. */
    function page(query: { since?: string; before: string; offset: number }, count: number) {
      const matching = audience.filter(
        (m) =>
          (query.since === undefined || Date.parse(m.last_changed) >= Date.parse(query.since)) &&
          Date.parse(m.last_changed) < Date.parse(query.before),
      );
      const members = matching.slice(query.offset, query.offset + count) as MailchimpMember[];
      const stamp = (m: MailchimpMember | undefined) => (m?.last_changed as string | undefined) ?? null;
      return { members, lastChanged: { first: stamp(members[0]), last: stamp(members.at(-1)) } };
    }

    it.each([2, 3, 4])(
      'ends and reads every member with pages of %i (no loop on a repeated last member)',
      (size) => {
        const seen = new Set<string>();
        let window: ReturnType<typeof nextMailchimpWindow> = { before: BEFORE, offset: 0 };
        let pages = 0;
        while (window && pages < 50) {
          const answer = page(mailchimpQuery(window), size);
          for (const m of answer.members) seen.add(m.id);
          window = nextMailchimpWindow(window, answer, size);
          pages++;
        }
        expect(window).toBeNull();
        expect([...seen].sort()).toEqual(audience.map((m) => m.id).sort());
      },
    );
  });
  describe('readPage from a checkpoint', () => {
    const at = (second: number) => toMailchimpTime(new Date(Date.UTC(2024, 2, 1, 10, 0, second)));
    // Two members a second apart, then a second holding more than a page.
    const audience = [0, 1, 2, 2, 2, 2, 3, 4].map((second, i) => ({
      id: `m${i}`,
      status: 'subscribed',
      email_address: `m${i}@example.com`,
      last_changed: at(second),
    })) as MailchimpMember[];
    const sent: MailchimpMemberPageParams[] = [];

    /** The member endpoint as Mailchimp documents it: exclusive bounds, last_changed ascending. */
    const port = {
      async memberPage(p: MailchimpMemberPageParams) {
        sent.push(p);
        const matching = audience.filter(
          (m) =>
            (p.sinceLastChanged === undefined ||
              Date.parse(String(m.last_changed)) > Date.parse(p.sinceLastChanged)) &&
            (p.beforeLastChanged === undefined ||
              Date.parse(String(m.last_changed)) < Date.parse(p.beforeLastChanged)),
        );
        const members = matching.slice(p.offset, p.offset + p.count);
        const stamp = (m: MailchimpMember | undefined) => (m ? String(m.last_changed) : null);
        return {
          members,
          totalItems: matching.length,
          lastChanged: { first: stamp(members[0]), last: stamp(members.at(-1)) },
        };
      },
    } as Pick<MailchimpPort, 'memberPage'> as MailchimpPort;

    it('plans one chain per status, in Mailchimp’s time format, with the sync’s lower bound', () => {
      const first = firstMailchimpCheckpoints('aud1', {
        before: new Date('2024-06-01T00:00:00.750Z'),
        since: new Date('2024-05-01T12:00:00Z'),
      });
      expect(first.map((f) => f.chain)).toContain('aud1.subscribed');
      expect(first.map((f) => f.chain)).toContain('aud1.archived');
      expect(first.find((f) => f.chain === 'aud1.cleaned')?.checkpoint).toEqual({
        source: 'mailchimp',
        audienceId: 'aud1',
        status: 'cleaned',
        before: '2024-06-01T00:00:00+00:00',
        since: '2024-05-01T12:00:00+00:00',
        offset: 0,
      });
    });

    it('reads a whole chain page by page, each next checkpoint JSON-safe, and announces the total', async () => {
      const pager = mailchimpPages(port, 3);
      const [first] = firstMailchimpCheckpoints('aud1', { before: new Date('2024-06-01T00:00:00Z') }).filter(
        (f) => f.checkpoint.status === 'subscribed',
      );
      let checkpoint: MailchimpCheckpoint | null = first!.checkpoint;
      const seen: string[] = [];
      const totals: (number | null)[] = [];
      for (let pages = 0; checkpoint && pages < 20; pages++) {
        const page = await pager.readPage(JSON.parse(JSON.stringify(checkpoint)) as MailchimpCheckpoint);
        seen.push(...page.records.map((m) => m.id));
        totals.push(page.total);
        checkpoint = page.next;
      }
      expect(checkpoint).toBeNull();
      expect(new Set(seen)).toEqual(new Set(audience.map((m) => m.id)));
      expect(totals[0]).toBe(audience.length);
      expect(sent.every((p) => p.audienceId === 'aud1' && p.status === 'subscribed' && p.count === 3)).toBe(
        true,
      );
    });
  });
});

import { describe, expect, it } from '@jest/globals';
import type { MailchimpMember } from '../../src/core/ports.ts';
import { mailchimpQuery, nextMailchimpWindow } from '../../src/workers/mailchimp-keyset.ts';

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
});

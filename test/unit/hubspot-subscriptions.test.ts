import { afterAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { ConfigError } from '../../src/errors/index.ts';
import { testSink, withJsonBody } from './hubspot-fixtures.ts';

const PREFS = '/communication-preferences/2026-09';
const SUB_ID = '1234567';
const EMAIL_Q = { channel: 'EMAIL' };
const WARN = 40;
const ERROR = 50;

afterAll(() => nock.restore());

function status(email: string, state: string, subscriptionId = Number(SUB_ID), extra: object = {}) {
  return {
    channel: 'EMAIL',
    source: 'Self Service Resubscription',
    status: state,
    subscriberIdString: email,
    subscriptionId,
    timestamp: '2026-11-28T10:00:00Z',
    businessUnitId: 0,
    legalBasis: 'CONSENT_WITH_NOTICE',
    legalBasisExplanation: 'Signed up',
    subscriptionName: 'Marketing Information',
    ...extra,
  };
}

function wide(email: string, state: string) {
  return {
    channel: 'EMAIL',
    status: state,
    subscriberIdString: email,
    timestamp: '2026-11-20T10:00:00Z',
    wideStatusType: 'PORTAL_WIDE',
    businessUnitId: 0,
  };
}

const envelope = (results: unknown[], extra: object = {}) => ({
  status: 'COMPLETE',
  results,
  startedAt: '2026-11-28T10:00:00Z',
  completedAt: '2026-11-28T10:00:01Z',
  ...extra,
});

const enterpriseOnly = {
  status: 'error',
  message: 'You must have an Marketing Hub Enterprise subscription to use this endpoint.',
  correlationId: 'c',
  category: 'MISSING_SCOPES',
  errors: [{ message: 'missing', context: { requiredGranularScopes: ['subscription-status-batch-write'] } }],
};

describe('subscriptionId', () => {
  const definitions = {
    results: [
      {
        id: '111',
        name: 'One to One',
        isActive: true,
        isDefault: true,
        isInternal: false,
        description: '',
        createdAt: '2020-01-01T00:00:00Z',
        updatedAt: '2020-01-01T00:00:00Z',
        communicationMethod: 'Email',
        businessUnitId: 0,
      },
      {
        id: '222',
        name: 'Marketing Information',
        isActive: true,
        isDefault: true,
        isInternal: false,
        description: '',
        createdAt: '2020-01-01T00:00:00Z',
        updatedAt: '2020-01-01T00:00:00Z',
        communicationMethod: 'Email',
        businessUnitId: 0,
      },
    ],
    startedAt: '2026-11-28T10:00:00Z',
    completedAt: '2026-11-28T10:00:01Z',
  };

  it('uses HUBSPOT_SUBSCRIPTION_ID without asking HubSpot', async () => {
    const t = testSink();
    await expect(t.sink.subscriptionId()).resolves.toBe(SUB_ID);
    expect(t.events).toEqual([]);
  });

  it('looks the name up once, and caches it in Redis for other workers', async () => {
    const t = testSink({ config: { subscriptionId: undefined, subscriptionName: 'marketing information ' } });
    const scope = nock(t.baseUrl).get(`${PREFS}/definitions`).once().reply(200, definitions);
    const ids = await Promise.all([t.sink.subscriptionId(), t.sink.subscriptionId()]);
    expect(ids).toEqual(['222', '222']);
    await expect(t.sink.subscriptionId()).resolves.toBe('222');
    expect(scope.isDone()).toBe(true);
    expect(JSON.parse(t.redisData.get('test:hubspot:subscription-id') ?? '{}')).toEqual({
      name: 'marketing information ',
      id: '222',
    });
  });

  it('takes the id from Redis when another worker looked it up', async () => {
    const t = testSink({ config: { subscriptionId: undefined } });
    t.redisData.set(
      'test:hubspot:subscription-id',
      JSON.stringify({ name: 'Marketing Information', id: '333' }),
    );
    await expect(t.sink.subscriptionId()).resolves.toBe('333');
    expect(t.events).toEqual([]);
  });

  it('says which names exist and what to set when the name is unknown', async () => {
    const t = testSink({ config: { subscriptionId: undefined, subscriptionName: 'Newsletter' } });
    nock(t.baseUrl).get(`${PREFS}/definitions`).reply(200, definitions);
    const error = await t.sink.subscriptionId().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/no email subscription type named "Newsletter"/);
    expect((error as Error).message).toMatch(/"One to One" \(111\), "Marketing Information" \(222\)/);
    expect((error as Error).message).toMatch(/HUBSPOT_SUBSCRIPTION_ID .* HUBSPOT_SUBSCRIPTION_NAME/);
  });

  it('also reads the v3 shape (subscriptionDefinitions)', async () => {
    const t = testSink({
      config: { subscriptionId: undefined },
      deps: { versions: { communicationPreferences: 'v4' } },
    });
    nock(t.baseUrl)
      .get('/communication-preferences/v4/definitions')
      .reply(200, { subscriptionDefinitions: definitions.results });
    await expect(t.sink.subscriptionId()).resolves.toBe('222');
  });
});

describe('readConsent', () => {
  it('reads statuses and unsubscribe-all in two batch calls', async () => {
    const t = testSink();
    const emails = ['sub@example.com', 'out@example.com', 'new@example.com', 'Odd@Example.com'];
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/read`, {
        inputs: ['sub@example.com', 'out@example.com', 'new@example.com', 'odd@example.com'],
      })
      .query(EMAIL_Q)
      .reply(
        200,
        envelope([
          {
            subscriberIdString: 'sub@example.com',
            statuses: [
              status('sub@example.com', 'SUBSCRIBED'),
              status('sub@example.com', 'UNSUBSCRIBED', 111),
            ],
          },
          { subscriberIdString: 'out@example.com', statuses: [status('out@example.com', 'UNSUBSCRIBED')] },
          { subscriberIdString: 'new@example.com', statuses: [] },
          {
            subscriberIdString: 'odd@example.com',
            statuses: [status('odd@example.com', 'PENDING_DOUBLE_OPT_IN')],
          },
        ]),
      )
      .post(`${PREFS}/statuses/batch/unsubscribe-all/read`)
      .query(EMAIL_Q)
      .reply(
        200,
        envelope([
          { subscriberIdString: 'sub@example.com', wideStatuses: [] },
          { subscriberIdString: 'out@example.com', wideStatuses: [wide('out@example.com', 'UNSUBSCRIBED')] },
          { subscriberIdString: 'new@example.com', wideStatuses: [] },
          { subscriberIdString: 'odd@example.com', wideStatuses: [] },
        ]),
      );
    const consent = await t.sink.readConsent(emails);
    expect(scope.isDone()).toBe(true);
    expect([...consent.values()]).toEqual([
      { email: 'sub@example.com', optedOutOfAll: false, marketing: 'SUBSCRIBED' },
      { email: 'out@example.com', optedOutOfAll: true, marketing: 'NOT_SUBSCRIBED' },
      { email: 'new@example.com', optedOutOfAll: false, marketing: 'NOT_SPECIFIED' },
      // An answer we cannot read never risks a resubscribe: it is unknown, shaped as opted out.
      {
        email: 'odd@example.com',
        optedOutOfAll: true,
        marketing: 'NOT_SUBSCRIBED',
        unknown: 'unknown subscription status "PENDING_DOUBLE_OPT_IN"',
      },
    ]);
    expect(t.lines.find((l) => l.level === WARN)).toMatchObject({
      email: 'odd@example.com',
      why: 'unknown subscription status "PENDING_DOUBLE_OPT_IN"',
    });
  });

  it('falls back to one address at a time on 403 and keeps doing so', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/read`)
      .query(EMAIL_Q)
      .reply(403, enterpriseOnly)
      .get(`${PREFS}/statuses/a%40example.com`)
      .query(EMAIL_Q)
      .reply(200, envelope([status('a@example.com', 'SUBSCRIBED')]))
      .get(`${PREFS}/statuses/a%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200, envelope([]))
      .get(`${PREFS}/statuses/b%2Btag%40example.com`)
      .query(EMAIL_Q)
      .reply(404, { status: 'error', message: 'Subscriber not found', category: 'OBJECT_NOT_FOUND' })
      .get(`${PREFS}/statuses/b%2Btag%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200, envelope([wide('b+tag@example.com', 'UNSUBSCRIBED')]));
    const first = await t.sink.readConsent(['a@example.com', 'b+tag@example.com']);
    expect(scope.isDone()).toBe(true);
    expect(first.get('a@example.com')).toEqual({
      email: 'a@example.com',
      optedOutOfAll: false,
      marketing: 'SUBSCRIBED',
    });
    // A 404 on one of the two reads is not "not specified": unknown never means yes.
    expect(first.get('b+tag@example.com')).toEqual({
      email: 'b+tag@example.com',
      optedOutOfAll: true,
      marketing: 'NOT_SUBSCRIBED',
      unknown: 'HubSpot does not know this address (404)',
    });

    const again = nock(t.baseUrl)
      .get(`${PREFS}/statuses/c%40example.com`)
      .query(EMAIL_Q)
      .reply(404, {})
      .get(`${PREFS}/statuses/c%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(404, {});
    const second = await t.sink.readConsent(['c@example.com']);
    expect(again.isDone()).toBe(true);
    // Both reads 404: HubSpot knows nothing about the address (absent), and still nothing is subscribed on it.
    expect(second.get('c@example.com')).toEqual({
      email: 'c@example.com',
      optedOutOfAll: true,
      marketing: 'NOT_SUBSCRIBED',
      unknown: 'HubSpot does not know this address (404); HubSpot does not know this address (404)',
      absent: true,
    });
  });

  it('reads an address the batch left out on its own, and an unclear single answer (400) as opted out', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/read`)
      .query(EMAIL_Q)
      .reply(
        207,
        envelope([], {
          numErrors: 1,
          errors: [{ status: 'error', message: 'Internal error for x@example.com', category: 'INTERNAL' }],
        }),
      )
      .post(`${PREFS}/statuses/batch/unsubscribe-all/read`)
      .query(EMAIL_Q)
      .reply(200, envelope([{ subscriberIdString: 'x@example.com', wideStatuses: [] }]))
      .get(`${PREFS}/statuses/x%40example.com`)
      .query(EMAIL_Q)
      .reply(400, { status: 'error', message: 'Invalid subscriber', category: 'VALIDATION_ERROR' })
      .get(`${PREFS}/statuses/x%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200, envelope([]));
    const consent = await t.sink.readConsent(['x@example.com']);
    expect(consent.get('x@example.com')).toEqual({
      email: 'x@example.com',
      optedOutOfAll: true,
      marketing: 'NOT_SUBSCRIBED',
      unknown: 'HubSpot answered 400: Invalid subscriber',
    });
  });
});

describe('unsubscribeAll', () => {
  it('opts addresses out in one batch call', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/unsubscribe-all`, { inputs: ['a@example.com', 'b@example.com'] })
      .query(EMAIL_Q)
      .reply(
        200,
        envelope([
          { subscriberIdString: 'a@example.com', statuses: [status('a@example.com', 'UNSUBSCRIBED')] },
          { subscriberIdString: 'b@example.com', statuses: [status('b@example.com', 'UNSUBSCRIBED')] },
        ]),
      );
    const results = await t.sink.unsubscribeAll(['A@example.com', 'b@example.com']);
    expect(scope.isDone()).toBe(true);
    expect(results).toEqual([
      { email: 'A@example.com', ok: true },
      { email: 'b@example.com', ok: true },
    ]);
    expect(t.sink.usingOptOutFallback).toBe(false);
  });

  it('fails only the address a 207 names', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(
        207,
        envelope([{ subscriberIdString: 'a@example.com', statuses: [] }], {
          numErrors: 1,
          errors: [
            {
              status: 'error',
              category: 'VALIDATION_ERROR',
              message: 'Invalid email',
              context: { subscriberIdString: ['bad@@example.com'] },
            },
          ],
        }),
      );
    const results = await t.sink.unsubscribeAll(['a@example.com', 'bad@@example.com']);
    expect(results).toEqual([
      { email: 'a@example.com', ok: true },
      { email: 'bad@@example.com', ok: false, reason: 'Invalid email' },
    ]);
  });

  it('falls back to one call per address on 403, says so once, and reports per address', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(403, enterpriseOnly)
      .post(`${PREFS}/statuses/a%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(
        200,
        envelope([
          status('a@example.com', 'UNSUBSCRIBED', 111, {
            setStatusSuccessReason: 'UNSUBSCRIBE_FROM_ALL_OCCURRED',
          }),
        ]),
      )
      .post(`${PREFS}/statuses/b%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(400, {
        status: 'error',
        message: 'Subscriber b@example.com is not valid',
        category: 'VALIDATION_ERROR',
      })
      .post(`${PREFS}/statuses/c%40example.com/unsubscribe-all`)
      .query(EMAIL_Q)
      .reply(200, '');
    const first = await t.sink.unsubscribeAll(['a@example.com', 'b@example.com']);
    const second = await t.sink.unsubscribeAll(['c@example.com']);
    expect(scope.isDone()).toBe(true);
    expect(t.sink.usingOptOutFallback).toBe(true);
    expect(first).toEqual([
      { email: 'a@example.com', ok: true },
      {
        email: 'b@example.com',
        ok: false,
        reason: 'HubSpot refused (400): Subscriber b@example.com is not valid',
      },
    ]);
    expect(second).toEqual([{ email: 'c@example.com', ok: true }]);
    const warnings = t.lines.filter((l) => l.level === WARN).map((l) => l.msg);
    expect(warnings).toEqual([
      'batch opt-out refused (403: needs Marketing Hub Enterprise); using one call per address',
    ]);
  });
});

describe('subscribe', () => {
  interface WriteBody {
    inputs: Record<string, unknown>[];
  }

  it('writes SUBSCRIBED with the legal basis and its explanation in one batch', async () => {
    const t = testSink();
    let sent: WriteBody | undefined;
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/write`, (body: WriteBody) => {
        sent = body;
        return true;
      })
      .reply(
        200,
        withJsonBody((body: WriteBody) =>
          envelope(
            body.inputs.map((i) =>
              status(String(i.subscriberIdString), 'SUBSCRIBED', Number(SUB_ID), {
                setStatusSuccessReason: 'REQUESTED_CHANGE_OCCURRED',
              }),
            ),
          ),
        ),
      );
    const results = await t.sink.subscribe([
      {
        email: 'Jane@Example.com',
        legalBasis: 'CONSENT_WITH_NOTICE',
        explanation: 'Subscribed to Mailchimp audience Newsletter on 2024-03-01 from 203.0.113.9',
      },
    ]);
    expect(scope.isDone()).toBe(true);
    expect(sent?.inputs).toEqual([
      {
        channel: 'EMAIL',
        statusState: 'SUBSCRIBED',
        subscriberIdString: 'jane@example.com',
        subscriptionId: 1234567,
        legalBasis: 'CONSENT_WITH_NOTICE',
        legalBasisExplanation: 'Subscribed to Mailchimp audience Newsletter on 2024-03-01 from 203.0.113.9',
      },
    ]);
    expect(results).toEqual([{ email: 'Jane@Example.com', ok: true }]);
    expect(t.lines.filter((l) => l.level >= ERROR)).toEqual([]);
  });

  it('fails the input a 207 names and logs an error if HubSpot reports a resubscribe', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/write`)
      .reply(
        207,
        envelope(
          [
            status('a@example.com', 'SUBSCRIBED', Number(SUB_ID), {
              setStatusSuccessReason: 'RESUBSCRIBE_OCCURRED',
            }),
          ],
          {
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'VALIDATION_ERROR',
                message: 'Missing legal basis for b@example.com',
              },
            ],
          },
        ),
      );
    const results = await t.sink.subscribe([
      { email: 'a@example.com', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' },
      { email: 'b@example.com', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'y' },
    ]);
    expect(results).toEqual([
      { email: 'a@example.com', ok: true, resubscribed: true },
      { email: 'b@example.com', ok: false, reason: 'Missing legal basis for b@example.com' },
    ]);
    const errors = t.lines.filter((l) => l.level === ERROR);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/RESUBSCRIBE_OCCURRED/);
    expect(errors[0]?.email).toBe('a@example.com');
  });

  it('falls back to one call per address on 403', async () => {
    const t = testSink();
    let single: unknown;
    const scope = nock(t.baseUrl)
      .post(`${PREFS}/statuses/batch/write`)
      .reply(403, enterpriseOnly)
      .post(`${PREFS}/statuses/a%40example.com`, (body: unknown) => {
        single = body;
        return true;
      })
      .reply(
        200,
        status('a@example.com', 'SUBSCRIBED', Number(SUB_ID), {
          setStatusSuccessReason: 'REQUESTED_CHANGE_OCCURRED',
        }),
      );
    const results = await t.sink.subscribe([
      { email: 'a@example.com', legalBasis: 'NON_GDPR', explanation: 'US list' },
    ]);
    expect(scope.isDone()).toBe(true);
    expect(single).toEqual({
      channel: 'EMAIL',
      statusState: 'SUBSCRIBED',
      subscriptionId: 1234567,
      legalBasis: 'NON_GDPR',
      legalBasisExplanation: 'US list',
    });
    expect(results).toEqual([{ email: 'a@example.com', ok: true }]);
    // The opt-out fallback is a separate switch: only a refused batch opt-out sets it.
    expect(t.sink.usingOptOutFallback).toBe(false);
  });
});

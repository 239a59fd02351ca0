import { describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { runCcDeviceFlow } from '../../src/connectors/constant-contact/device-flow.ts';
import { AuthError } from '../../src/errors/index.ts';

const AUTHZ = 'https://authz.cc.test';
const TOKEN_PATH = '/oauth2/default/v1/token';
const DEVICE_PATH = '/oauth2/default/v1/device/authorize';
const json = { 'Content-Type': 'application/json' };

function run() {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const stored: string[] = [];
  const done = runCcDeviceFlow({
    config: { clientId: 'the-client', tokenUrl: `${AUTHZ}${TOKEN_PATH}` },
    tokens: {
      storeRefreshToken: (t) => {
        stored.push(t);
        return Promise.resolve();
      },
    },
    timeoutMs: 1000,
    print: (line) => lines.push(line),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { done, lines, sleeps, stored };
}

function authorize(interval = 5) {
  return nock(AUTHZ)
    .post(DEVICE_PATH, { client_id: 'the-client', scope: 'contact_data offline_access' })
    .reply(
      200,
      {
        device_code: 'dev-code',
        user_code: 'ABCD-EFGH',
        verification_uri: 'https://authz.cc.test/activate',
        verification_uri_complete: 'https://authz.cc.test/activate?user_code=ABCD-EFGH',
        expires_in: 600,
        interval,
      },
      json,
    );
}

const poll = {
  client_id: 'the-client',
  device_code: 'dev-code',
  grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
};

describe('runCcDeviceFlow', () => {
  it('prints the URL and code, honours pending and slow_down, and stores the refresh token without printing it', async () => {
    const scope = authorize()
      .post(TOKEN_PATH, poll)
      .reply(400, { error: 'authorization_pending' }, json)
      .post(TOKEN_PATH, poll)
      .reply(400, { error: 'slow_down' }, json)
      .post(TOKEN_PATH, poll)
      .reply(
        200,
        {
          access_token: 'the-access-token',
          refresh_token: 'the-refresh-token',
          expires_in: 86400,
          token_type: 'Bearer',
        },
        json,
      );
    const { done, lines, sleeps, stored } = run();
    await done;
    expect(stored).toEqual(['the-refresh-token']);
    expect(sleeps).toEqual([5000, 5000, 10_000]);
    expect(lines.join('\n')).toContain('https://authz.cc.test/activate');
    expect(lines.join('\n')).toContain('ABCD-EFGH');
    expect(lines.at(-1)).toBe('Stored. Workers will use it from now on.');
    expect(lines.join('\n')).not.toMatch(/the-refresh-token|the-access-token|dev-code/);
    expect(scope.isDone()).toBe(true);
  });

  it('expired_token → AuthError telling the user to run it again', async () => {
    authorize(1).post(TOKEN_PATH, poll).reply(400, { error: 'expired_token' }, json);
    const { done, stored } = run();
    await expect(done).rejects.toThrow(/expired.*esp-sync auth constant-contact/);
    expect(stored).toEqual([]);
  });

  it('access_denied → AuthError', async () => {
    authorize(1).post(TOKEN_PATH, poll).reply(400, { error: 'access_denied' }, json);
    await expect(run().done).rejects.toThrow(/denied/);
  });

  it('a token response without a refresh token → AuthError about offline_access', async () => {
    authorize(1).post(TOKEN_PATH, poll).reply(200, { access_token: 'a', expires_in: 10 }, json);
    await expect(run().done).rejects.toThrow(/offline_access/);
  });

  it('an app that is not allowed the device flow → AuthError naming the client id setting', async () => {
    nock(AUTHZ)
      .post(DEVICE_PATH)
      .reply(400, { error: 'unauthorized_client', error_description: 'Device flow not allowed' }, json);
    const err = await run().done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/unauthorized_client.*CONSTANT_CONTACT_CLIENT_ID/);
  });
});

import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost, parseBasicAuth, resolveAuth } from '../../src/dashboard/auth.ts';
import { runLinkOf } from '../../src/dashboard/board.ts';
import { escapeHtml, html } from '../../src/dashboard/html.ts';
import { LoginThrottle } from '../../src/dashboard/login-throttle.ts';
import { maskEmailsDeep } from '../../src/dashboard/mask.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { ConfigError } from '../../src/errors/index.ts';
import type { App } from '../../src/app.ts';

const noCredentials = { user: undefined, password: undefined, readOnly: false, actions: 'none' as const };

describe('dashboard authentication settings', () => {
  it('refuses to start without credentials unless --no-auth is given', () => {
    expect(() => resolveAuth(noCredentials, { noAuth: false, host: '127.0.0.1' })).toThrow(
      new ConfigError('set DASHBOARD_USER and DASHBOARD_PASSWORD, or pass --no-auth'),
    );
    expect(() =>
      resolveAuth({ ...noCredentials, user: 'ops' }, { noAuth: false, host: '127.0.0.1' }),
    ).toThrow(/DASHBOARD_PASSWORD/);
    expect(resolveAuth(noCredentials, { noAuth: true, host: '127.0.0.1' })).toBeNull();
    expect(
      resolveAuth(
        { user: 'ops', password: 'twelve-chars', readOnly: false, actions: 'none' },
        { noAuth: false, host: '0.0.0.0' },
      ),
    ).toEqual({ user: 'ops', password: 'twelve-chars' });
  });

  it('refuses a DASHBOARD_PASSWORD shorter than 12 characters without printing it', () => {
    const short = { user: 'ops', password: 'eleven-char', readOnly: false, actions: 'none' as const };
    const attempt = () => resolveAuth(short, { noAuth: false, host: '127.0.0.1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DASHBOARD_PASSWORD is too short \(11 characters\): use at least 12/);
    expect(attempt).not.toThrow(/eleven-char/);
  });

  it('allows --no-auth only on loopback', () => {
    for (const host of ['0.0.0.0', '192.168.1.5', '::', 'example.com']) {
      expect(() => resolveAuth(noCredentials, { noAuth: true, host })).toThrow(/only listens on loopback/);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
  });

  it('startDashboard itself refuses an open non-loopback listener', async () => {
    await expect(
      startDashboard({ app: {} as App, port: 0, host: '0.0.0.0', auth: null, readOnly: false }),
    ).rejects.toThrow(/only listens on loopback/);
  });

  it('parses Basic credentials, passwords with colons included', () => {
    const header = `Basic ${Buffer.from('ops:pa:ss').toString('base64')}`;
    expect(parseBasicAuth(header)).toEqual({ user: 'ops', password: 'pa:ss' });
    expect(parseBasicAuth('Bearer abc')).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
  });
});

describe('login throttle', () => {
  it('refuses an address after 10 failures until its window ends, and counts addresses apart', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ now: () => now });
    for (let i = 0; i < 9; i++) throttle.recordFailure('10.0.0.1');
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
    throttle.recordFailure('10.0.0.1');
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(60);
    expect(throttle.retryAfterSeconds('10.0.0.2')).toBe(0);
    now += 59_500;
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(1);
    now += 500;
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
    throttle.recordFailure('10.0.0.1');
    expect(throttle.retryAfterSeconds('10.0.0.1')).toBe(0);
  });
});

describe('rendering helpers', () => {
  it('escapes every interpolation unless it is already Html', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', html`<br />`]}</p>`.value).toBe('<p><b>&lt;i&gt;</b>&lt;<br /></p>');
  });

  it('masks emails anywhere in job data and links jobs to their run', () => {
    expect(maskEmailsDeep({ a: ['x jane.doe@example.com y'], n: 3 })).toEqual({
      a: ['x j***@e***.com y'],
      n: 3,
    });
    expect(runLinkOf({ data: { runId: 'r 1' } })).toEqual({ href: '/runs/r%201', displayText: 'Run r 1' });
    expect(runLinkOf({ data: {} }).href).toBe('/runs');
  });
});

/**
 * /__admin: what tests and the benchmark read and poke over HTTP (the same operations the Sandbox object has).
 * No auth: the sandbox listens on loopback.
 */
import { json, Router, type SandboxRequest } from './kit.ts';
import type { Sandbox } from './index.ts';
import type { FaultConfig } from './faults.ts';
import type { MemberPatch } from './mailchimp/index.ts';
import type { CcPermission } from './generator/types.ts';

const bodyOf = <T>(req: SandboxRequest): T => (req.body ?? {}) as T;

const attempt = (fn: () => unknown) => {
  try {
    return json(200, fn() ?? { ok: true });
  } catch (err) {
    return json(400, { error: err instanceof Error ? err.message : String(err) });
  }
};

export function adminRouter(sandbox: () => Sandbox): Router {
  const r = new Router();
  r.add('GET', '/__admin/state', () => json(200, sandbox().state()));
  r.add('GET', '/__admin/calls', () => json(200, sandbox().callCounts()));
  r.add('GET', '/__admin/faults', () => json(200, sandbox().faults.snapshot()));
  r.add('POST', '/__admin/faults', (req) =>
    attempt(() => {
      const body = bodyOf<FaultConfig & { clear?: boolean }>(req);
      if (body.clear) sandbox().faults.clear();
      sandbox().faults.set(body);
      return sandbox().faults.snapshot();
    }),
  );
  r.add('DELETE', '/__admin/faults', () =>
    attempt(() => {
      sandbox().faults.clear();
      return sandbox().faults.snapshot();
    }),
  );
  r.add('POST', '/__admin/reset', () => attempt(() => sandbox().reset()));

  r.add('POST', '/__admin/hubspot/options', (req) =>
    attempt(() => sandbox().hubspot.setOptions(bodyOf(req))),
  );
  r.add('POST', '/__admin/mailchimp/options', (req) =>
    attempt(() => sandbox().mailchimp.setOptions(bodyOf(req))),
  );
  r.add('POST', '/__admin/constant-contact/options', (req) =>
    attempt(() => sandbox().constantContact.setOptions(bodyOf(req))),
  );

  r.add('POST', '/__admin/mailchimp/lists/:listId/members/:member', (req) =>
    attempt(() =>
      sandbox().mailchimp.updateMember(
        req.params.listId ?? '',
        req.params.member ?? '',
        bodyOf<MemberPatch>(req),
      ),
    ),
  );
  r.add('POST', '/__admin/constant-contact/contacts/:contact/permission', (req) =>
    attempt(() => {
      const b = bodyOf<{ permission: CcPermission; source?: 'Account' | 'Contact'; reason?: string }>(req);
      return sandbox().constantContact.setPermission(req.params.contact ?? '', b.permission, b);
    }),
  );
  r.add('POST', '/__admin/constant-contact/contacts/:contact/email', (req) =>
    attempt(() =>
      sandbox().constantContact.changeEmail(
        req.params.contact ?? '',
        bodyOf<{ address: string }>(req).address,
      ),
    ),
  );
  r.add('POST', '/__admin/constant-contact/contacts/:contact/delete', (req) =>
    attempt(() => sandbox().constantContact.deleteContact(req.params.contact ?? '')),
  );
  r.add('POST', '/__admin/constant-contact/device/approve', (req) =>
    attempt(() => {
      const b = bodyOf<{ user_code?: string; decision?: 'approved' | 'denied' }>(req);
      return { approved: sandbox().constantContact.approveDevice(b.user_code, b.decision) };
    }),
  );
  r.add('POST', '/__admin/constant-contact/reset-day', () =>
    attempt(() => sandbox().constantContact.resetDay()),
  );
  r.add('POST', '/__admin/constant-contact/expire-tokens', () =>
    attempt(() => sandbox().constantContact.expireAccessTokens()),
  );
  return r;
}

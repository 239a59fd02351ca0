import type { ApiCallObserver, ContactWrite, ContactWriteResult } from '../../src/core/ports.ts';
import type { PortOverrides } from '../../src/workers/context.ts';
import { FakeHubSpot, FakeMailchimp, member } from '../helpers/fakes.ts';

/** A HubSpot fake slow enough that a run lasts several page refreshes, and that reports its calls as metrics. */
class SlowHubSpot extends FakeHubSpot {
  readonly delayMs: number;
  readonly observe: ApiCallObserver;
  constructor(delayMs: number, observe: ApiCallObserver) {
    super();
    this.delayMs = delayMs;
    this.observe = observe;
  }

  override async upsertContacts(inputs: ContactWrite[]): Promise<ContactWriteResult[]> {
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const results = await super.upsertContacts(inputs);
    const endpoint = 'POST /crm/v3/objects/contacts/batch/upsert';
    this.observe({ api: 'hubspot', endpoint, status: 200, durationMs: Date.now() - started });
    return results;
  }
}

export interface BrowserTestSource {
  /** Extra environment for parseConfig (credentials, base URLs). */
  env: Record<string, string>;
  /** Ports handed to the workers; empty to use the real connectors (e.g. against the sandbox simulators). */
  ports: PortOverrides;
  /** Records the run will read, and how many of them HubSpot rejects. */
  total: number;
  rejected: number;
}

/**
 * The APIs the browser test runs against. Today: in-memory fakes. To point the test at the sandbox simulators,
 * return `ports: {}` and `env` with HUBSPOT_BASE_URL / MAILCHIMP_BASE_URL (and tokens) of the running sandbox,
 * seeded so that some records are rejected; the test itself does not change.
 */
export function browserTestSource(observe: ApiCallObserver): BrowserTestSource {
  const total = 800;
  const hubspot = new SlowHubSpot(700, observe);
  const mailchimp = new FakeMailchimp();
  mailchimp.members = Array.from({ length: total }, (_, i) =>
    member(`contact${i}@example.com`, 'transactional'),
  );
  for (let i = 0; i < total; i += 40) hubspot.rejectEmails.add(`contact${i}@example.com`);
  return {
    env: { HUBSPOT_ACCESS_TOKEN: 'test-token', MAILCHIMP_API_KEY: 'abc-us1' },
    ports: { hubspot, mailchimp },
    total,
    rejected: hubspot.rejectEmails.size,
  };
}

import { startSandbox, generateDataset, type Sandbox } from '../../src/sandbox/index.ts';

export interface BrowserTestSource {
  /** Environment for parseConfig: the sandbox's base URLs and credentials. */
  env: Record<string, string>;
  /** Records the run will read, and how many of them HubSpot rejects. */
  total: number;
  rejected: number;
  close(): Promise<void>;
}

/**
 * A sandbox run for the browser test: one Mailchimp audience of `total` members, every 40th with an address our
 * validation accepts but HubSpot refuses (so failures arrive during the run, batch by batch), and HubSpot
 * answering slowly enough that the run lasts several page refreshes. Constant Contact is not configured.
 */
export async function browserTestSource(): Promise<BrowserTestSource> {
  const total = 800;
  const dataset = generateDataset({
    seed: 5,
    mailchimp: { audiences: 1, membersPerAudience: total },
    constantContact: { contacts: 0 },
    hubspotPreexisting: { contacts: 0 },
  });
  const members = dataset.mailchimp.lists[0]!.members;
  members.splice(total);
  members.forEach((m, i) => {
    m.status = 'transactional';
    delete m.unsubscribe_reason;
    m.email_address = i % 40 === 0 ? `contact${i}@exa_mple.com` : `contact${i}@example.com`;
  });
  const sandbox: Sandbox = await startSandbox({
    seed: 5,
    limits: false,
    dataset,
    faults: { hubspot: { latencyMs: 700 } },
  });
  const { CONSTANT_CONTACT_CLIENT_ID: _id, CONSTANT_CONTACT_CLIENT_SECRET: _secret, ...env } = sandbox.env;
  return {
    env,
    total,
    rejected: members.filter((m) => m.email_address.includes('exa_mple')).length,
    close: () => sandbox.close(),
  };
}

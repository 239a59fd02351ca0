/**
 * A local stack whose workers use the real HubSpot sink against the sandbox, with hooks around some of its
 * calls: a test can let HubSpot change its mind between two calls (an opt-out landing between a read and a
 * write), or refuse one address, exactly where the race or the failure it tests happens.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { LocalStack } from '../../../src/demo/local-stack.ts';
import type { HubSpotPort } from '../../../src/core/ports.ts';
import type { MailchimpPort } from '../../../src/connectors/mailchimp/wire.ts';
import { ConsentLedger } from '../../../src/ledger/ledger.ts';
import type { RunOptions } from '../../../src/run/types.ts';
import type { RunSnapshot } from '../../../src/run/follow.ts';
import { followRun } from '../../../src/run/follow.ts';
import { startRun } from '../../../src/run/start.ts';
import { generateDataset, type DatasetOptions } from '../../../src/sandbox/index.ts';
import type { MailchimpMemberSeed } from '../../../src/sandbox/generator/types.ts';
import { createWorkerContext } from '../../../src/workers/context.ts';
import { startWorkers } from '../../../src/workers/index.ts';
import { normalize } from '../../helpers/expected-state.ts';
import type { StackPool } from './stack.ts';

export type Hooks = Partial<
  Pick<HubSpotPort, 'readConsent' | 'unsubscribeAll' | 'subscribe' | 'upsertContacts' | 'imports'>
>;

export interface ConsentStack {
  stack: LocalStack;
  ledger: ConsentLedger;
  /** Messages the worker logged at error level (alerts included). */
  errors: string[];
  /** Replaced at any time; each hook gets the real sink to call through. */
  hooks: { current: (real: HubSpotPort) => Hooks };
  mailchimpHooks: { current: (real: MailchimpPort) => Partial<MailchimpPort> };
  run(options: Partial<RunOptions> & Pick<RunOptions, 'sources'>): Promise<RunSnapshot>;
  listId(index?: number): string;
  /** Members of one status whose address is valid and unique across the whole dataset. */
  members(status: string, listIndex?: number): MailchimpMemberSeed[];
  email(member: MailchimpMemberSeed): string;
}

export const DEFAULT_DATASET: DatasetOptions = {
  mailchimp: { audiences: 1, membersPerAudience: 80 },
  constantContact: { contacts: 40 },
  overlap: 0,
  hubspotPreexisting: { contacts: 5, optedOutShare: 0 },
};

export async function openConsentStack(
  pool: StackPool,
  seed: number,
  dataset: DatasetOptions = DEFAULT_DATASET,
): Promise<ConsentStack> {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      errors.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  const stack = await pool.open({
    sandbox: { seed, limits: false, dataset: generateDataset({ ...dataset, seed }) },
    env: { CONSTANT_CONTACT_RATE_LIMIT: '100' },
    workers: false,
    logger: pino({ level: 'error' }, sink),
  });
  const hooks: ConsentStack['hooks'] = { current: () => ({}) };
  const mailchimpHooks: ConsentStack['mailchimpHooks'] = { current: () => ({}) };
  const ports = {
    hubspot: hookable(stack.ctx.hubspot(), (real) => hooks.current(real)),
    mailchimp: hookable(stack.ctx.mailchimp(), (real) => mailchimpHooks.current(real)),
  };
  const ctx = createWorkerContext({ ...stack.app, ports });
  const workers = startWorkers(ctx, { concurrency: 4 });
  pool.onClose(() => workers.close());
  const sandbox = stack.sandbox;
  const allEmails = () => {
    const mc = sandbox.dataset.mailchimp.lists.flatMap((l) =>
      sandbox.mailchimp.members(l.id).map((m) => m.email_address),
    );
    const cc = sandbox.constantContact.contacts().flatMap((c) => c.email_address?.address ?? []);
    const hs = sandbox.dataset.hubspot.contacts.map((c) => c.email);
    return [...mc, ...cc, ...hs].map((e) => normalize(e));
  };
  return {
    stack,
    ledger: new ConsentLedger(stack.app.redis, stack.config.queuePrefix),
    errors,
    hooks,
    mailchimpHooks,
    async run(options) {
      const run = await startRun(stack.app, {
        audiences: [],
        ignoreFingerprints: false,
        kind: 'migrate',
        ...options,
      });
      return followRun(stack.app.store, run.id, () => undefined, 100);
    },
    listId: (index = 0) => sandbox.dataset.mailchimp.lists[index]!.id,
    members(status, listIndex = 0) {
      const counts = new Map<string, number>();
      for (const e of allEmails()) if (e) counts.set(e, (counts.get(e) ?? 0) + 1);
      return sandbox.mailchimp
        .members(sandbox.dataset.mailchimp.lists[listIndex]!.id)
        .filter((m) => m.status === status && counts.get(normalize(m.email_address) ?? '') === 1);
    },
    email: (member) => normalize(member.email_address)!,
  };
}

/** The real port, with any method the current hooks define taking its place. */
function hookable<T extends object>(real: T, current: (real: T) => Partial<T>): T {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const hook = (current(target) as Record<string | symbol, unknown>)[prop];
      if (hook) return hook;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Hooks under which HubSpot refuses the upsert of one record (the others are written). */
export function refuseUpsertOf(key: string): (real: HubSpotPort) => Hooks {
  return (real) => ({
    upsertContacts: async (inputs) => [
      ...(await real.upsertContacts(inputs.filter((i) => i.key !== key))),
      ...inputs
        .filter((i) => i.key === key)
        .map((i) => ({ ...i, ok: false as const, reason: 'simulated refusal' })),
    ],
  });
}

/** Hooks that hold every upsert until `release()`; `started()` counts the upserts waiting or done. */
export function holdUpserts(): { hooks: (real: HubSpotPort) => Hooks; started(): number; release(): void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  return {
    hooks: (real) => ({
      upsertContacts: async (inputs) => {
        started++;
        await held;
        return real.upsertContacts(inputs);
      },
    }),
    started: () => started,
    release: () => release(),
  };
}

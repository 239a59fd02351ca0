/**
 * The HubSpot sink of a dry run: every read goes to HubSpot (batch reads, within the shared rate limit), every
 * write is answered the way HubSpot would answer it and kept in the run's plan instead of being sent. Later
 * batches of the same run read the plan back, so they see the portal as the real run would have left it: a
 * contact the run would create exists, an address it would opt out is opted out.
 *
 * The calls a real run would make are counted by kind with the same batch sizes as the real sink (100 inputs
 * per call; one call per address where HubSpot refused the batch endpoint), which is the cost preview.
 */
import { createHash } from 'node:crypto';
import { canonicalEmail, type PropertyDefinition } from '../../core/contact.ts';
import type {
  ContactWrite,
  ContactWriteResult,
  DryRunPlan,
  EmailChange,
  EmailChangeResult,
  EmailWriteResult,
  HubSpotConsent,
  HubSpotListInfo,
  HubSpotListsPort,
  HubSpotPort,
  HubSpotReadPort,
  PlannedContactWrite,
  SubscribeInput,
} from '../../core/ports.ts';
import { DUPLICATE_IN_BATCH, MAX_BATCH_INPUTS } from './contacts.ts';
import { NO_CONTACT_AT_OLD_ADDRESS, SAME_CONTACT_TWICE } from './email-changes.ts';
import { dryImports } from './dry-imports.ts';
import { settableListId } from './lists.ts';
import { STATUS_BATCH_SIZE } from './subscriptions.ts';

/** Record ids the dry run makes up for contacts it would create; HubSpot's own ids are numeric. */
const PLANNED_ID = 'planned-';
const PLANNED_LIST = 'planned-list:';

const callsFor = (count: number, size: number) => Math.ceil(count / size);

export function createDryRunSink(
  real: HubSpotPort & HubSpotReadPort,
  plan: DryRunPlan,
): HubSpotPort & HubSpotReadPort {
  let propertiesPlanned = false;
  const sink: HubSpotPort & HubSpotReadPort = {
    async ensureProperties(definitions: PropertyDefinition[]) {
      // Once per process, like the real sink's own cache: creating the group, listing, creating what is missing.
      if (propertiesPlanned) return;
      const names = await real.missingProperties(definitions);
      await plan.record(
        { kind: 'properties', names },
        { setup: 2 + callsFor(names.length, MAX_BATCH_INPUTS) },
      );
      propertiesPlanned = true;
    },
    upsertContacts: (inputs) => planUpserts(real, plan, inputs),
    changeEmails: (changes) => planEmailChanges(real, plan, changes),
    readConsent: (emails) => readPlannedConsent(real, plan, emails),
    async unsubscribeAll(emails: string[]): Promise<EmailWriteResult[]> {
      const unique = [...new Set(emails.map(canonicalEmail))];
      const calls = real.usingOptOutFallback ? unique.length : callsFor(unique.length, STATUS_BATCH_SIZE);
      await plan.record({ kind: 'consent', state: 'optedOut', emails: unique }, { optOutWrite: calls });
      return emails.map((email) => ({ email, ok: true }));
    },
    async subscribe(inputs: SubscribeInput[]): Promise<EmailWriteResult[]> {
      const unique = [...new Set(inputs.map((i) => canonicalEmail(i.email)))];
      await plan.record(
        { kind: 'consent', state: 'subscribed', emails: unique },
        { subscribeWrite: callsFor(unique.length, STATUS_BATCH_SIZE) },
      );
      return inputs.map((i) => ({ email: i.email, ok: true }));
    },
    get usingOptOutFallback() {
      return real.usingOptOutFallback;
    },
    subscriptionId: () => real.subscriptionId(),
    missingProperties: (definitions) => real.missingProperties(definitions),
    readContacts: (emails, properties) => real.readContacts(emails, properties),
    ...(real.lists ? { lists: dryLists(real, real.lists, plan) } : {}),
    // Import mode's imports, simulated whether or not the real connection has them: nothing is sent.
    imports: dryImports(plan, async (emails) => {
      const known = await contactsNow(real, plan, emails, []);
      const fresh = emails.filter((e) => !known.has(e));
      await plan.record(
        { kind: 'newContacts', contacts: fresh.map((email) => ({ email, hubspotId: plannedId(email) })) },
        {},
      );
    }),
  };
  return sink;
}

function plannedId(email: string): string {
  return `${PLANNED_ID}${createHash('sha256').update(email).digest('hex').slice(0, 16)}`;
}

/** The contact each address has, as the real run would find it: the plan first, then HubSpot. */
async function contactsNow(
  real: HubSpotReadPort,
  plan: DryRunPlan,
  emails: string[],
  properties: string[],
): Promise<Map<string, { hubspotId: string; properties: Record<string, string>; created: boolean }>> {
  const planned = await plan.contacts(emails);
  const read = await real.readContacts(
    emails.filter((e) => planned.get(e) !== 'movedAway'),
    properties,
  );
  const out = new Map<string, { hubspotId: string; properties: Record<string, string>; created: boolean }>();
  for (const email of emails) {
    const p = planned.get(email);
    if (p === 'movedAway') continue;
    const found = read.get(email);
    if (p) {
      out.set(email, { hubspotId: p.hubspotId, properties: found?.properties ?? {}, created: p.created });
    } else if (found) {
      out.set(email, { hubspotId: found.hubspotId, properties: found.properties, created: false });
    }
  }
  return out;
}

async function planUpserts(
  real: HubSpotReadPort,
  plan: DryRunPlan,
  inputs: ContactWrite[],
): Promise<ContactWriteResult[]> {
  const seen = new Set<string>();
  const unique: ContactWrite[] = [];
  const results = new Map<number, ContactWriteResult>();
  inputs.forEach((input, index) => {
    const email = canonicalEmail(input.email);
    if (seen.has(email)) {
      results.set(index, { key: input.key, email: input.email, ok: false, reason: DUPLICATE_IN_BATCH });
    } else {
      seen.add(email);
      unique.push({ ...input, email });
    }
  });
  const names = [...new Set(unique.flatMap((i) => Object.keys(i.properties)))];
  const current = await contactsNow(
    real,
    plan,
    unique.map((i) => i.email),
    names,
  );
  const writes: PlannedContactWrite[] = unique.map((input) => {
    const existing = current.get(input.email);
    // A contact this run would create is "updated" by its later writes, as HubSpot would answer them.
    const action = existing ? 'update' : 'create';
    const before = existing?.properties ?? {};
    return {
      key: input.key,
      email: input.email,
      hubspotId: existing?.hubspotId ?? plannedId(input.email),
      action,
      changes: Object.entries(input.properties)
        .filter(([name, value]) => before[name] !== value)
        .map(([property, to]) => ({ property, from: before[property] ?? null, to })),
    };
  });
  await plan.record({ kind: 'contacts', writes }, { upsert: callsFor(unique.length, MAX_BATCH_INPUTS) });
  const byKey = new Map(writes.map((w) => [w.key, w]));
  return inputs.map((input, index) => {
    const done = results.get(index);
    if (done) return done;
    const w = byKey.get(input.key)!;
    return {
      key: input.key,
      email: input.email,
      ok: true,
      hubspotId: w.hubspotId,
      created: w.action === 'create',
    };
  });
}

async function planEmailChanges(
  real: HubSpotReadPort,
  plan: DryRunPlan,
  changes: EmailChange[],
): Promise<EmailChangeResult[]> {
  const olds = [...new Set(changes.map((c) => canonicalEmail(c.oldEmail)))];
  const found = await contactsNow(real, plan, olds, []);
  const claimed = new Set<string>();
  const moves: { oldEmail: string; newEmail: string; hubspotId: string }[] = [];
  const results = changes.map((change): EmailChangeResult => {
    const contact = found.get(canonicalEmail(change.oldEmail));
    if (!contact) return { key: change.key, ok: false, reason: NO_CONTACT_AT_OLD_ADDRESS, oldMissing: true };
    if (claimed.has(contact.hubspotId)) return { key: change.key, ok: false, reason: SAME_CONTACT_TWICE };
    claimed.add(contact.hubspotId);
    moves.push({
      oldEmail: canonicalEmail(change.oldEmail),
      newEmail: canonicalEmail(change.newEmail),
      hubspotId: contact.hubspotId,
    });
    return { key: change.key, ok: true, hubspotId: contact.hubspotId };
  });
  // A batch read of the old addresses, then a batch update by record id, per 100 changes.
  await plan.record(
    { kind: 'moves', moves },
    { emailChange: 2 * callsFor(changes.length, MAX_BATCH_INPUTS) },
  );
  return results;
}

/** HubSpot's answer, with what this run would have written on top of it. */
async function readPlannedConsent(
  real: HubSpotPort,
  plan: DryRunPlan,
  emails: string[],
): Promise<Map<string, HubSpotConsent>> {
  const unique = [...new Set(emails.map(canonicalEmail))];
  const [answer, written, planned] = await Promise.all([
    real.readConsent(emails),
    plan.consent(unique),
    plan.contacts(unique),
  ]);
  // A status read and an opt-out-of-all read per 100 addresses.
  await plan.record({ kind: 'calls' }, { statusRead: 2 * callsFor(unique.length, STATUS_BATCH_SIZE) });
  const out = new Map(answer);
  for (const email of unique) {
    const state = written.get(email);
    const contact = planned.get(email);
    const known = answer.get(email);
    if (state === 'optedOut') out.set(email, { email, optedOutOfAll: true, marketing: 'NOT_SUBSCRIBED' });
    else if (state === 'subscribed') {
      out.set(email, { email, optedOutOfAll: known?.optedOutOfAll ?? false, marketing: 'SUBSCRIBED' });
    } else if (contact && contact !== 'movedAway' && contact.created && (!known || known.absent)) {
      // A contact the run would create has no status yet: HubSpot answers NOT_SPECIFIED, not 404.
      out.set(email, { email, optedOutOfAll: false, marketing: 'NOT_SPECIFIED' });
    }
  }
  return out;
}

function dryLists(sink: HubSpotReadPort, real: HubSpotListsPort, plan: DryRunPlan): HubSpotListsPort {
  return {
    async ensureList(name: string) {
      const found = await real.findList(name);
      if (found) {
        await plan.record({ kind: 'calls' }, { list: 1 });
        return settableListId(found);
      }
      await plan.record({ kind: 'list', name }, { list: 2 });
      return `${PLANNED_LIST}${name}`;
    },
    findList: (name) => real.findList(name),
    async readList(listId: string): Promise<HubSpotListInfo | null> {
      if (!listId.startsWith(PLANNED_LIST)) return real.readList(listId);
      return { listId, name: listId.slice(PLANNED_LIST.length), processingType: 'MANUAL', size: 0 };
    },
    async changeMembers(listId: string, change: 'add' | 'remove', recordIds: string[]) {
      const unique = new Set(recordIds).size;
      await plan.record({ kind: 'calls' }, { list: callsFor(unique, MAX_BATCH_INPUTS) });
      return { listMissing: false, changed: unique };
    },
    async contactIds(emails: string[]) {
      const unique = [...new Set(emails.map(canonicalEmail))];
      const found = await contactsNow(sink, plan, unique, []);
      await plan.record({ kind: 'calls' }, { list: callsFor(unique.length, MAX_BATCH_INPUTS) });
      return new Map([...found].map(([email, c]) => [email, c.hubspotId]));
    },
  };
}

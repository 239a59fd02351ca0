/**
 * Deterministic seed data for the three simulators. The same options give the same data, byte for byte.
 * People are numbered; each source draws people by index, so overlaps are exact and cheap to compute.
 */
import { Prng } from './prng.ts';
import type { Person } from './people.ts';
import { makePerson, messyEmail } from './people.ts';
import { makeListSkeleton, makeMember } from './mailchimp.ts';
import { conflictingPermission, makeCcCatalog, makeCcContact } from './constant-contact.ts';
import type { Dataset, DatasetOptions, HubSpotSeed, MailchimpListSeed, MailchimpStatus } from './types.ts';

export * from './types.ts';
export { Prng, hashString } from './prng.ts';
export { DATA_NOW } from './mailchimp.ts';

const CROSS_AUDIENCE_SHARE = 0.15;
const CONFLICT_SHARE = 0.4;

export function generateDataset(options: DatasetOptions = {}): Dataset {
  const seed = options.seed ?? 1;
  const audiences = options.mailchimp?.audiences ?? 2;
  const perAudience = options.mailchimp?.membersPerAudience ?? 200;
  const ccCount = options.constantContact?.contacts ?? 200;
  const overlap = options.overlap ?? 0.3;
  const hsCount = options.hubspotPreexisting?.contacts ?? 50;
  const optedOutShare = options.hubspotPreexisting?.optedOutShare ?? 0.2;

  const root = new Prng(seed);
  const peopleRng = root.fork('people');
  const personCache = new Map<number, Person>();
  // Each person depends only on (seed, index), never on the order in which sources ask for them.
  const personSeed = Math.floor(peopleRng.next() * 4294967296);
  const person = (index: number): Person => {
    let p = personCache.get(index);
    if (!p) {
      p = makePerson(new Prng((personSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0), index);
      personCache.set(index, p);
    }
    return p;
  };

  const mcRng = root.fork('mailchimp');
  const mainStatus: MailchimpStatus[] = [];
  const lists: MailchimpListSeed[] = [];
  for (let a = 0; a < audiences; a++) {
    const skeleton = makeListSkeleton(mcRng, { index: a, withInterests: a % 2 === 0, gdpr: a % 3 === 0 });
    const members = new Array<ReturnType<typeof makeMember>>(perAudience);
    for (let m = 0; m < perAudience; m++) {
      // Someone in the main audience and another one, often with their email cased differently.
      const shared = a > 0 && mcRng.chance(CROSS_AUDIENCE_SHARE);
      const member = makeMember(mcRng, skeleton, person(shared ? m : a * perAudience + m));
      members[m] = member;
      if (a === 0) mainStatus[m] = member.status;
    }
    lists.push({ ...skeleton, members });
  }
  const mcPeople = audiences > 0 ? perAudience : 0;

  const ccRng = root.fork('constant-contact');
  const catalog = makeCcCatalog(ccRng);
  const ccBase = audiences * perAudience;
  const contacts = new Array<ReturnType<typeof makeCcContact>>(ccCount);
  for (let c = 0; c < ccCount; c++) {
    const inBoth = c < mcPeople && ccRng.chance(overlap);
    const mcStatus = inBoth ? mainStatus[c] : undefined;
    const permission = mcStatus && ccRng.chance(CONFLICT_SHARE) ? conflictingPermission(mcStatus) : undefined;
    contacts[c] = makeCcContact(ccRng, catalog, person(inBoth ? c : ccBase + c), permission);
  }

  const hsRng = root.fork('hubspot');
  const known = ccBase + ccCount;
  const hsBase = known;
  const hubspot: HubSpotSeed[] = [];
  const hubspotEmails = new Set<string>();
  for (let h = 0; h < hsCount; h++) {
    // Most pre-existing HubSpot contacts are people the sources also know, spread over both sources.
    const index = hsRng.chance(0.6) && known > 0 ? (h * 7 + 3) % known : hsBase + h;
    const p = person(index);
    const seedContact: HubSpotSeed = {
      email: messyEmail(hsRng, p.email, { mixed: 0.1, padded: 0, invalid: 0 }),
      properties: { firstname: p.firstName, lastname: p.lastName },
    };
    if (hsRng.chance(optedOutShare)) seedContact.optedOutOfAll = true;
    // HubSpot keeps one contact per (lowercased) email.
    const key = seedContact.email.toLowerCase();
    if (!hubspotEmails.has(key)) {
      hubspotEmails.add(key);
      hubspot.push(seedContact);
    }
  }

  return {
    seed,
    mailchimp: { lists },
    constantContact: { ...catalog, contacts },
    hubspot: { contacts: hubspot },
  };
}

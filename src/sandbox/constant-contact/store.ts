import type { CcContactSeed, CcPermission } from '../generator/types.ts';

export interface CcContactPatch {
  first_name?: string;
  last_name?: string;
  job_title?: string;
  company_name?: string;
}

const nowIso = (): string => new Date().toISOString();
const today = (): string => nowIso().slice(0, 10);

/**
 * The account's contacts in insertion order (the order GET /contacts pages through). Edits copy the record,
 * so the generated dataset stays untouched.
 */
export class CcStore {
  private contacts: CcContactSeed[] = [];
  private byId = new Map<string, number>();
  private readonly seeds: CcContactSeed[];

  constructor(seeds: CcContactSeed[]) {
    this.seeds = seeds;
    this.reset();
  }

  reset(): void {
    this.contacts = [...this.seeds];
    this.byId = new Map(this.contacts.map((c, i) => [c.contact_id, i]));
  }

  all(): readonly CcContactSeed[] {
    return this.contacts;
  }

  /** By contact_id, or by email address (case-insensitive, trimmed). */
  find(idOrEmail: string): CcContactSeed | undefined {
    const i = this.byId.get(idOrEmail);
    if (i !== undefined) return this.contacts[i];
    const wanted = idOrEmail.trim().toLowerCase();
    return this.contacts.find((c) => c.email_address?.address.trim().toLowerCase() === wanted);
  }

  add(contact: CcContactSeed): void {
    this.byId.set(contact.contact_id, this.contacts.length);
    this.contacts.push(contact);
  }

  private replace(idOrEmail: string, edit: (c: CcContactSeed) => CcContactSeed): CcContactSeed {
    const current = this.find(idOrEmail);
    if (!current) throw new Error(`No Constant Contact contact ${idOrEmail}`);
    const next = edit(current);
    this.contacts[this.byId.get(current.contact_id)!] = next;
    return next;
  }

  /**
   * Changes email permission the way an unsubscribe link or a bounce does: email_address.updated_at and the
   * opt-out fields move, the contact's own updated_at does not (so updated_after alone misses it).
   */
  setPermission(
    idOrEmail: string,
    permission: CcPermission,
    opts: { source?: 'Account' | 'Contact'; reason?: string } = {},
  ): CcContactSeed {
    return this.replace(idOrEmail, (c) => {
      if (!c.email_address) throw new Error(`Contact ${c.contact_id} has no email address`);
      const now = nowIso();
      const email = { ...c.email_address, permission_to_send: permission, updated_at: now };
      if (permission === 'unsubscribed') {
        email.opt_out_source = opts.source ?? 'Contact';
        email.opt_out_date = now;
        email.opt_out_reason = opts.reason ?? '';
      } else {
        delete email.opt_out_source;
        delete email.opt_out_date;
        delete email.opt_out_reason;
        if (permission === 'explicit' || permission === 'implicit') {
          email.opt_in_date = now;
          email.opt_in_source = opts.source ?? 'Account';
        }
      }
      return { ...c, email_address: email };
    });
  }

  unsubscribe(
    idOrEmail: string,
    opts: { source?: 'Account' | 'Contact'; reason?: string } = {},
  ): CcContactSeed {
    return this.setPermission(idOrEmail, 'unsubscribed', opts);
  }

  /** A new address: bumps both updated_at values. */
  changeEmail(idOrEmail: string, address: string): CcContactSeed {
    return this.replace(idOrEmail, (c) => {
      const now = nowIso();
      const base = c.email_address ?? {
        permission_to_send: 'implicit' as const,
        created_at: now,
        confirm_status: 'off' as const,
      };
      return {
        ...c,
        updated_at: now,
        update_source: 'Account',
        email_address: { ...base, address, updated_at: now },
      };
    });
  }

  update(idOrEmail: string, patch: CcContactPatch): CcContactSeed {
    return this.replace(idOrEmail, (c) => ({
      ...c,
      ...patch,
      updated_at: nowIso(),
      update_source: 'Account',
    }));
  }

  /** DELETE /contacts/{id}: deleted_at today, no list memberships; the permission is left as it was. */
  delete(idOrEmail: string): CcContactSeed {
    return this.replace(idOrEmail, (c) => ({
      ...c,
      deleted_at: today(),
      updated_at: nowIso(),
      list_memberships: [],
    }));
  }
}

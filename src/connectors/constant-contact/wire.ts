/**
 * Constant Contact's wire shapes as this tool reads them (contacts, custom fields, lists, tags) and the port the
 * Constant Contact source offers over them. They belong to the connector: core speaks only the domain words.
 * Contact fields: https://developer.constantcontact.com/api_guide/contacts_overview.html
 */

export interface CcDefinitions {
  /** custom_field_id → { name, label, type } */
  customFields: Map<string, { name: string; label: string; type: string }>;
  /** list_id → name */
  lists: Map<string, string>;
  /** tag_id → name */
  tags: Map<string, string>;
}

/** A contact as Constant Contact sends it; loose for the same reason as MailchimpMember. */
export interface CcContact {
  contact_id: string;
  email_address?: unknown;
  first_name?: unknown;
  last_name?: unknown;
  job_title?: unknown;
  company_name?: unknown;
  birthday_month?: unknown;
  birthday_day?: unknown;
  created_at?: unknown;
  updated_at?: unknown;
  deleted_at?: unknown;
  custom_fields?: unknown;
  phone_numbers?: unknown;
  street_addresses?: unknown;
  list_memberships?: unknown;
  taggings?: unknown;
  [extra: string]: unknown;
}

export interface CcContactPageParams {
  /** The relative `_links.next.href` of the previous page, or null for the first page. */
  cursor: string | null;
  updatedAfter?: string;
  optoutAfter?: string;
}

export interface ConstantContactPort {
  definitions(): Promise<CcDefinitions>;
  contactPage(
    params: CcContactPageParams,
  ): Promise<{ contacts: CcContact[]; nextCursor: string | null; totalCount: number | null }>;
}

/**
 * zod schemas of every Constant Contact response we read (Swagger build 3.0.178,
 * https://api.cc.email/v3/swagger.yaml). Only what the source reads is checked, and every optional field may be
 * null or absent. Records stay loose: one odd contact fails alone in the mapper instead of failing its page.
 */
import { z } from 'zod';
import { optional } from '../lenient.ts';

const nextLink = z
  .looseObject({ next: z.looseObject({ href: optional(z.string().min(1)) }).nullish() })
  .nullish();

/** The relative `_links.next.href` of a page, or null on the last page. */
export function nextHref(links: z.infer<typeof nextLink>): string | null {
  return links?.next?.href ?? null;
}

// https://developer.constantcontact.com/api_reference/index.html#!/Contacts/getContacts
export const contactsPageSchema = z.looseObject({
  contacts: z.array(z.looseObject({ contact_id: z.unknown() })),
  contacts_count: optional(z.number().int().nonnegative()),
  _links: nextLink,
});

// https://developer.constantcontact.com/api_reference/index.html#!/Contacts_Custom_Fields/getCustomFields
export const customFieldsPageSchema = z.looseObject({
  custom_fields: z.array(
    z.looseObject({
      custom_field_id: z.string().min(1),
      name: optional(z.string()),
      label: optional(z.string()),
      type: optional(z.string()),
    }),
  ),
  _links: nextLink,
});

// https://developer.constantcontact.com/api_reference/index.html#!/Contact_Lists/getLists
export const listsPageSchema = z.looseObject({
  lists: z.array(z.looseObject({ list_id: z.string().min(1), name: z.string() })),
  _links: nextLink,
});

// https://developer.constantcontact.com/api_reference/index.html#!/Contact_Tags/getTags
export const tagsPageSchema = z.looseObject({
  tags: z.array(z.looseObject({ tag_id: z.string().min(1), name: z.string() })),
  _links: nextLink,
});

/** API errors come as an array `[{error_key, error_message}]`, auth errors and 429s as one object. */
const apiErrorItem = z.looseObject({
  error_key: optional(z.string()),
  error_message: optional(z.string()),
});
export const apiErrorSchema = z.union([z.array(apiErrorItem), apiErrorItem]);

// OAuth2 (Okta) token endpoint: https://developer.constantcontact.com/api_guide/server_flow.html
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: optional(z.string()),
  expires_in: optional(z.number().positive()),
  refresh_token: optional(z.string().min(1)),
  scope: optional(z.string()),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const oauthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: optional(z.string()),
});

// https://developer.constantcontact.com/api_guide/device_flow.html
export const deviceAuthorizationSchema = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  verification_uri_complete: optional(z.string().min(1)),
  expires_in: z.number().positive(),
  interval: optional(z.number().nonnegative()),
});
export type DeviceAuthorization = z.infer<typeof deviceAuthorizationSchema>;

/**
 * zod schemas of every Constant Contact response we read (Swagger build 3.0.178,
 * https://api.cc.email/v3/swagger.yaml). Records stay loose: one odd contact fails alone in the mapper
 * instead of failing its page.
 */
import { z } from 'zod';

const nextLink = z
  .looseObject({ next: z.looseObject({ href: z.string().min(1).optional() }).nullish() })
  .nullish();

/** The relative `_links.next.href` of a page, or null on the last page. */
export function nextHref(links: z.infer<typeof nextLink>): string | null {
  return links?.next?.href ?? null;
}

// https://developer.constantcontact.com/api_reference/index.html#!/Contacts/getContacts
export const contactsPageSchema = z.looseObject({
  contacts: z.array(z.looseObject({ contact_id: z.unknown() })),
  contacts_count: z.number().int().nonnegative().optional(),
  _links: nextLink,
});

// https://developer.constantcontact.com/api_reference/index.html#!/Contacts_Custom_Fields/getCustomFields
export const customFieldsPageSchema = z.looseObject({
  custom_fields: z.array(
    z.looseObject({
      custom_field_id: z.string().min(1),
      name: z.string().optional(),
      label: z.string().optional(),
      type: z.string().optional(),
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
  error_key: z.string().optional(),
  error_message: z.string().optional(),
});
export const apiErrorSchema = z.union([z.array(apiErrorItem), apiErrorItem]);

// OAuth2 (Okta) token endpoint: https://developer.constantcontact.com/api_guide/server_flow.html
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const oauthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});

// https://developer.constantcontact.com/api_guide/device_flow.html
export const deviceAuthorizationSchema = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  verification_uri_complete: z.string().min(1).optional(),
  expires_in: z.number().positive(),
  interval: z.number().nonnegative().optional(),
});
export type DeviceAuthorization = z.infer<typeof deviceAuthorizationSchema>;

export {
  buildMailchimpSource,
  createMailchimpSource,
  mailchimpAccountHash,
  mailchimpSemaphoreKey,
  MAILCHIMP_PAGE_SIZE,
  type ConnectionLimiter,
  type MailchimpSourceDeps,
} from './source.ts';
export {
  firstMailchimpCheckpoints,
  mailchimpPages,
  mailchimpQuery,
  nextMailchimpWindow,
  toMailchimpTime,
  type MailchimpCheckpoint,
  type MailchimpWindow,
} from './pages.ts';
export type { SdkListsApi, SdkResult } from './sdk.ts';

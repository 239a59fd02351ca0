import type { CcCheckpoint } from './constant-contact/pages.ts';
import type { MailchimpCheckpoint } from './mailchimp/pages.ts';

/**
 * Where a chain of source pages stands, as each source connector defines it: JSON-serialisable, so a job can
 * carry it, and opaque to the workers beyond `source`, which says whose it is.
 */
export type SourceCheckpoint = MailchimpCheckpoint | CcCheckpoint;

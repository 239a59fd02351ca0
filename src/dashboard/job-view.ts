import { maskText } from './mask.ts';

/**
 * What Bull Board may show of a job's data and return value: an allow-list, not a deny-list, so a field added
 * to job data later stays hidden until someone decides it is safe to show. Ids, counts, statuses and masked
 * emails are shown; names, phones, custom properties, consent explanations (they hold opt-in IPs) and
 * fingerprints are not. BullMQ's guide: job data is stored in Redis in clear, so it must hold no secrets.
 */

/** Fields of our job data shown as they are (strings still go through maskText). */
const SHOWN_FIELDS = new Set([
  'runId',
  'step',
  'kind',
  'ignoreFingerprints',
  // Jobs queued before the field was renamed.
  'full',
  'audienceId',
  'status',
  'index',
  'since',
  'before',
  'offset',
  'tieSecond',
  'cursor',
  'chain',
  'source',
  'updatedAfter',
  'optoutAfter',
  'scheduleId',
  'sources',
  'audiences',
  'consent',
  'skipped',
]);
const MAX_LISTED = 100;
const MAX_TEXT = 200;

type View = Record<string, unknown>;

function shown(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value.slice(0, MAX_TEXT));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.slice(0, MAX_LISTED).map(shown);
  return '(hidden)';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? maskText(value.slice(0, MAX_TEXT)) : undefined;
}

function recordView(record: unknown): View {
  const r = (record ?? {}) as Record<string, unknown>;
  const consent = (r.consent ?? {}) as Record<string, unknown>;
  return {
    key: text(r.key),
    source: text(r.source),
    email: text(r.email),
    sourceStatus: text(r.sourceStatus),
    consent: text(consent.state),
  };
}

function candidateView(candidate: unknown): View {
  const c = (candidate ?? {}) as Record<string, unknown>;
  return {
    email: text(c.email),
    keys: Array.isArray(c.keys) ? c.keys.slice(0, MAX_LISTED).map(text) : [],
    legalBasis: text(c.legalBasis),
  };
}

function parentView(parent: unknown): View {
  const p = (parent ?? {}) as Record<string, unknown>;
  return { id: text(p.id), queue: text(p.queue) };
}

/** The allow-listed view of a job's data, return value or progress; `hiddenFields` names what was left out. */
export function jobDataView(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return shown(value);
  const view: View = {};
  const hidden: string[] = [];
  for (const [field, v] of Object.entries(value)) {
    if (field === 'records' && Array.isArray(v)) {
      view.recordCount = v.length;
      view.records = v.slice(0, MAX_LISTED).map(recordView);
    } else if (field === 'candidates' && Array.isArray(v)) {
      view.candidateCount = v.length;
      view.candidates = v.slice(0, MAX_LISTED).map(candidateView);
    } else if (field === 'parent') {
      view.parent = parentView(v);
    } else if (field === 'checkpoint') {
      // A source page's paging state (src/connectors/*/pages.ts): the same allow-list applies inside it.
      view.checkpoint = jobDataView(v);
    } else if (SHOWN_FIELDS.has(field) || typeof v === 'number' || typeof v === 'boolean') {
      view[field] = shown(v);
    } else {
      hidden.push(field);
    }
  }
  if (hidden.length > 0) view.hiddenFields = hidden.map((f) => maskText(f.slice(0, MAX_TEXT)));
  return view;
}

/** Bull Board's job fields that carry error texts: an error message may quote an email or a member id. */
function maskErrors(job: Record<string, unknown>): void {
  if (typeof job.failedReason === 'string') job.failedReason = maskText(job.failedReason);
  if (Array.isArray(job.stacktrace)) {
    job.stacktrace = job.stacktrace.map((line: unknown) =>
      typeof line === 'string' ? maskText(line) : line,
    );
  }
}

/**
 * Masks error texts in a Bull Board API body, wherever a job appears: one job (`job`), a queue's page of jobs
 * (`queues[].jobs[]`), or a job's log lines (an array of strings).
 */
export function maskBoardBody<T>(body: T): T {
  if (Array.isArray(body)) {
    return body.map((line: unknown) => (typeof line === 'string' ? maskText(line) : line)) as T;
  }
  if (typeof body !== 'object' || body === null) return body;
  const b = body as { job?: unknown; queues?: unknown; logs?: unknown };
  if (b.job && typeof b.job === 'object') maskErrors(b.job as Record<string, unknown>);
  if (Array.isArray(b.queues)) {
    for (const queue of b.queues as { jobs?: unknown }[]) {
      if (Array.isArray(queue?.jobs)) {
        for (const job of queue.jobs) maskErrors(job as Record<string, unknown>);
      }
    }
  }
  if (Array.isArray(b.logs)) b.logs = maskBoardBody(b.logs);
  return body;
}

import { maskEmail } from '../lib/logger.ts';
import { maskAddress, maskText } from './mask.ts';
import { isFinished } from '../run/follow.ts';
import { COUNT_NAMES } from '../run/types.ts';
import { breakdownTables } from './breakdown.ts';
import { importsSection } from './imports-view.ts';
import { planSection } from './dry-run-plan-view.ts';
import { barChart } from './chart.ts';
import { formatDuration, formatTime, html, page, progressBar, type Html } from './html.ts';
import { durationSeconds, type RunPageData } from './run-data.ts';

const PHASES: Record<RunPageData['run']['phase'], string> = {
  queued: 'queued',
  reading: 'reading and writing',
  importing: 'importing into HubSpot',
  subscribing: 'subscribing',
  finishing: 'finishing',
  done: 'done',
};

/** Where the run is; in the subscribe phase, its own progress (subscriptions settled of those queued). */
function phaseLine(d: RunPageData): Html {
  const sub = d.progress.subscribe;
  const detail = sub ? ` · ${sub.done} of ${sub.total} subscriptions settled` : '';
  const pending = d.pendingOptOuts.count
    ? html`<p class="error" id="pending-opt-outs">
        ${d.pendingOptOuts.count} opt-out(s) wait for HubSpot's confirmation (oldest since
        ${formatTime(d.pendingOptOuts.oldestSince)}); every run sends them again.
      </p>`
    : '';
  return html`<p>Phase: <span id="run-phase">${PHASES[d.run.phase]}</span>${detail}</p>
    ${pending}`;
}

function progressSection(d: RunPageData): Html {
  const { done, total, rate, etaSeconds } = d.progress;
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : null;
  const bar = progressBar(done, total, pct ?? (isFinished(d.run) ? 100 : 0));
  const eta = isFinished(d.run) ? 'finished' : `ETA ${formatDuration(etaSeconds)}`;
  return html`<section>
    <h2>Progress</h2>
    ${bar}
    <p>
      <span id="progress-done">${done}</span> of ${total ?? 'unknown'}
      records${pct !== null ? ` (${pct}%)` : ''} · ${rate.toFixed(1)}/s · ${eta}
    </p>
    ${phaseLine(d)}
  </section>`;
}

function countsTable(d: RunPageData): Html {
  const { bySource, byStatus } = breakdownTables(d.breakdown);
  const totals = html`<table id="counts">
    <tbody>
      ${COUNT_NAMES.map(
        (n) =>
          html`<tr>
            <th>${n}</th>
            <td class="n">${d.counts[n]}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
  const perSource = [...bySource].map(
    ([source, columns]) =>
      html`<h3>${source}</h3>
        <table class="per-source">
          <tbody>
            ${[...columns].map(
              ([column, n]) =>
                html`<tr>
                  <th>${column}</th>
                  <td class="n">${n}</td>
                </tr>`,
            )}
          </tbody>
        </table>`,
  );
  const perStatus = [...byStatus].map(
    ([source, statuses]) =>
      html`<h3>${source} statuses</h3>
        <table class="per-status">
          <tbody>
            ${[...statuses].map(
              ([status, n]) =>
                html`<tr>
                  <th>${status}</th>
                  <td class="n">${n}</td>
                </tr>`,
            )}
          </tbody>
        </table>`,
  );
  return html`<div class="grid">
    <section>
      <h2>Counts</h2>
      ${totals}
    </section>
    <section>
      <h2>Per source</h2>
      ${perSource}
    </section>
    <section>
      <h2>Source statuses</h2>
      ${perStatus}
    </section>
  </div>`;
}

function failuresTable(d: RunPageData): Html {
  if (d.failures.length === 0) {
    return html`<h2>Failures</h2>
      <p class="note" id="no-failures">No failed records.</p>`;
  }
  const rows = d.failures.map(
    (r) =>
      html`<tr>
        <td>${maskAddress(r.email)}</td>
        <td>${r.source}</td>
        <td>${r.sourceStatus}</td>
        <td>${maskText(r.reason ?? '')}</td>
        <td>${maskEmail(r.key)}</td>
      </tr>`,
  );
  const note = d.failuresTruncated
    ? html`<p class="note">
        Showing the first ${d.failures.length} of ${d.counts.failed} failures; download the report for all of
        them.
      </p>`
    : '';
  return html`<h2>Failures (${d.counts.failed})</h2>
    ${note}
    <p class="note">Emails are masked here; the report download has them in full.</p>
    <table id="failures">
      <thead>
        <tr>
          <th>Email</th>
          <th>Source</th>
          <th>Source status</th>
          <th>Reason</th>
          <th>Record</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

function actions(d: RunPageData, readOnly: boolean): Html {
  const id = encodeURIComponent(d.run.id);
  const downloads = html`<a href="/runs/${id}/report.csv" download>Report (CSV)</a> ·
    <a href="/runs/${id}/report.json" download>Report (JSON)</a> ·
    <a href="/runs/${id}/report.csv?only=failed" download>Failed only (CSV)</a>`;
  // A dry run wrote nothing: its failures are the real run's to come, not something to retry.
  const canRetry = !readOnly && isFinished(d.run) && d.retryable > 0 && !d.run.dryRun;
  const retry = canRetry
    ? html` <form class="inline" method="post" action="/runs/${id}/retry-failed">
        <button type="submit" id="retry-failed">Retry ${d.retryable} failed record(s)</button>
      </form>`
    : '';
  const notRetryable = d.counts.failed - d.retryable;
  const fixInSource =
    notRetryable > 0
      ? html`<p class="note" id="not-retryable">
          ${notRetryable} failed record(s) cannot be retried: their data is invalid in the source. Fix them
          there; the next sync reads them again.
        </p>`
      : '';
  const cancel =
    !readOnly && !isFinished(d.run) && !d.run.cancelRequested
      ? html` <form class="inline" method="post" action="/runs/${id}/cancel">
          <button type="submit" id="cancel-run">Cancel this run</button>
        </form>`
      : '';
  return html`<p>${downloads}${retry}${cancel}</p>
    ${fixInSource}`;
}

export function renderRunPage(d: RunPageData, options: { readOnly: boolean }): string {
  const r = d.run;
  const charts = html`<div class="grid">
    <section>
      ${barChart(
        d.timeline.map((t) => ({ label: t.minute.slice(11), value: t.written })),
        { title: 'Contacts written per minute', color: '#3b82f6' },
      )}
    </section>
    <section>
      ${barChart(
        d.timeline.map((t) => ({ label: t.minute.slice(11), value: t.rateLimited })),
        { title: '429 (rate limited) per minute', color: '#f59e0b' },
      )}
    </section>
  </div>`;
  const body = html`<h1>
      Run ${r.id} <span class="status status-${r.status}" id="run-status">${r.status}</span>
    </h1>
    <p>
      ${r.kind}${r.retryOf ? html` of <a href="/runs/${encodeURIComponent(r.retryOf)}">${r.retryOf}</a>` : ''}
      ${r.dryRun ? html`· <strong id="dry-run">dry run: nothing was written to HubSpot</strong>` : ''} ·
      ${r.sources.join(', ')}${r.ignoreFingerprints ? ' · full (fingerprints ignored)' : ''} · started
      ${formatTime(r.startedAt)} · ${formatDuration(durationSeconds(r))}
    </p>
    ${r.error ? html`<p class="error">${maskEmail(r.error)}</p>` : ''}
    ${r.notices.map((n) => html`<p class="note">${maskEmail(n)}</p>`)}
    ${actions(d, options.readOnly)}${progressSection(d)}${importsSection(d.imports)}${countsTable(d)}${planSection(d)}${charts}${failuresTable(d)}`;
  return page(`Run ${r.id}`, body, isFinished(r) ? {} : { refreshSeconds: 2 });
}

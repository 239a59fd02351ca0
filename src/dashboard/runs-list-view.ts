import type { SourceName } from '../config/env.ts';
import type { RunSnapshot } from '../run/follow.ts';
import { differenceCounts } from '../verify/run-store.ts';
import { durationSeconds } from './run-data.ts';
import { formatDuration, formatTime, html, page, type Html } from './html.ts';

export interface RunsListOptions {
  readOnly: boolean;
  /** Sources this dashboard's configuration can start (others are not offered). */
  startableSources: SourceName[];
  error?: string;
}

function startForm(sources: SourceName[]): Html {
  if (sources.length === 0) {
    return html`<p class="note">
      To start runs here, configure HUBSPOT_ACCESS_TOKEN and a source (MAILCHIMP_API_KEY or
      CONSTANT_CONTACT_CLIENT_ID / CONSTANT_CONTACT_CLIENT_SECRET) for the dashboard too.
    </p>`;
  }
  const choices = sources.length > 1 ? [...sources, 'all'] : sources;
  return html`<form method="post" action="/runs" id="start-run">
    <label
      >Source
      <select name="source">
        ${choices.map((s) => html`<option value="${s}">${s}</option>`)}
      </select></label
    >
    <label
      >Kind
      <select name="kind">
        <option value="migrate">migrate</option>
        <option value="sync">sync</option>
      </select></label
    >
    <label><input type="checkbox" name="ignoreFingerprints" value="1" /> full (ignore fingerprints)</label>
    <label><input type="checkbox" name="dryRun" value="1" /> dry run (plan it, write nothing)</label>
    <button type="submit">Start run</button>
  </form>`;
}

function countsCell(s: RunSnapshot): Html {
  const c = s.counts;
  if (s.run.kind === 'verify') {
    const d = differenceCounts(s.breakdown);
    const missing = d.optOutMissing + d.consentUnreadable;
    return html`${c.read} read · ${Object.values(d).reduce((a, b) => a + b, 0)} differences ·
      <span class="${missing > 0 ? 'error' : ''}">${missing} opt-outs missing</span>`;
  }
  return html`${c.read} read · ${c.created + c.updated} written · ${c.unchanged} unchanged · ${c.optedOut}
    opted out · ${c.skipped} skipped ·
    <span class="${c.failed > 0 ? 'error' : ''}">${c.failed} failed</span>`;
}

export function renderRunsList(runs: RunSnapshot[], options: RunsListOptions): string {
  const rows = runs.map(
    (s) =>
      html`<tr data-run-id="${s.run.id}">
        <td><a href="/runs/${encodeURIComponent(s.run.id)}">${s.run.id}</a></td>
        <td>${s.run.sources.join(', ')}</td>
        <td>
          ${s.run.kind}${s.run.dryRun ? ' (dry run)' : ''}${s.run.retryOf ? html` of <a href="/runs/${encodeURIComponent(s.run.retryOf)}">${s.run.retryOf}</a>` : ''}
        </td>
        <td>${formatTime(s.run.startedAt ?? s.run.createdAt)}</td>
        <td>${formatDuration(durationSeconds(s.run))}</td>
        <td><span class="status status-${s.run.status}">${s.run.status}</span></td>
        <td>${countsCell(s)}</td>
      </tr>`,
  );
  const body = html`<h1>Runs</h1>
    ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
    ${options.readOnly ? html`<p class="note">Read-only dashboard: runs cannot be started here.</p>` : startForm(options.startableSources)}
    <table id="runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Source</th>
          <th>Kind</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Status</th>
          <th>Counts</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length > 0
            ? rows
            : html`<tr>
                <td colspan="7" class="note">No runs yet.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  const anyRunning = runs.some((s) => s.run.status === 'running' || s.run.status === 'queued');
  return page('Runs', body, anyRunning ? { refreshSeconds: 5 } : {});
}

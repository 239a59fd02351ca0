/**
 * The run page of a verify: marked as a verify, where it is (reading the sources, comparing with HubSpot),
 * its differences counted by kind and listed (addresses, details and record keys masked like every other
 * page of the dashboard; the report download has them in full), and no retry (a verify wrote nothing).
 */
import { isFinished } from '../run/follow.ts';
import type { RunStore } from '../run/store.ts';
import type { RunInfo } from '../run/types.ts';
import { DIFFERENCE_KINDS, FAILING_KINDS, type Difference } from '../verify/compare.ts';
import { KIND_LABELS } from '../verify/format.ts';
import { VerifyRunStore, type VerifyRunState } from '../verify/run-store.ts';
import { formatDuration, formatTime, html, page, progressBar, type Html } from './html.ts';
import { maskAddress, maskText } from './mask.ts';
import { durationSeconds } from './run-data.ts';

/** The differences table shows at most this many rows; the report download has them all. */
export const DIFFERENCES_SHOWN = 500;

export interface VerifyPageData {
  run: RunInfo;
  state: VerifyRunState;
  /** Records read so far. */
  read: number;
  differences: Difference[];
}

export async function loadVerifyRunPage(
  store: RunStore,
  run: RunInfo,
  cap = DIFFERENCES_SHOWN,
): Promise<VerifyPageData> {
  const runs = new VerifyRunStore(store);
  const [state, { counts }] = await Promise.all([runs.state(run.id), store.counts(run.id)]);
  const differences: Difference[] = [];
  for await (const chunk of runs.differences(run.id, DIFFERENCE_KINDS, cap)) {
    differences.push(...chunk.slice(0, cap - differences.length));
    if (differences.length >= cap) break;
  }
  return { run, state, read: counts.read, differences };
}

function progressSection(d: VerifyPageData): Html {
  const p = d.state.progress;
  if (isFinished(d.run)) {
    const people = d.state.summary?.people ?? (p && p.step === 'comparing' ? p.people : null);
    return html`<p id="verify-progress">
      Finished: ${d.read} source records read${people === null ? '' : `, ${people} people compared`}.
    </p>`;
  }
  if (!p || p.step === 'reading') {
    return html`<p id="verify-progress">Reading the sources: ${d.read} records read so far.</p>`;
  }
  const pct = p.people > 0 ? Math.min(100, Math.round((p.compared / p.people) * 100)) : 100;
  return html`${progressBar(p.compared, p.people, pct)}
    <p id="verify-progress">
      Comparing with HubSpot: ${p.compared} of ${p.people} people (${pct}%), from ${p.read} source records.
    </p>`;
}

function countsTable(d: VerifyPageData): Html {
  return html`<table id="verify-counts">
    <tbody>
      ${DIFFERENCE_KINDS.map(
        (kind) =>
          html`<tr data-kind="${kind}">
            <th>${KIND_LABELS[kind]}</th>
            <td class="n">${d.state.counts[kind]}</td>
            <td class="${FAILING_KINDS.has(kind) && d.state.counts[kind] > 0 ? 'error' : 'note'}">
              ${FAILING_KINDS.has(kind) ? (d.state.counts[kind] > 0 ? 'must be fixed' : 'ok') : ''}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function differencesTable(d: VerifyPageData): Html {
  if (d.differences.length === 0) {
    return html`<p class="note" id="no-differences">
      ${isFinished(d.run) ? 'HubSpot agrees with the sources.' : 'No difference found so far.'}
    </p>`;
  }
  const total = Object.values(d.state.counts).reduce((a, b) => a + b, 0);
  const note =
    d.differences.length < total
      ? html`<p class="note">
          Showing the first ${d.differences.length} of ${total} differences; download the report for all of
          those listed.
        </p>`
      : '';
  return html`${note}
    <p class="note">Emails are masked here; the report download has them in full.</p>
    <table id="differences">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Email</th>
          <th>What differs</th>
          <th>Records</th>
        </tr>
      </thead>
      <tbody>
        ${d.differences.map(
          (x) =>
            html`<tr data-kind="${x.kind}">
              <td>${KIND_LABELS[x.kind]}</td>
              <td>${maskAddress(x.email)}</td>
              <td>${maskText(x.detail)}</td>
              <td>${maskText(x.keys.join(' '))}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function renderVerifyRunPage(d: VerifyPageData, options: { readOnly: boolean }): string {
  const r = d.run;
  const id = encodeURIComponent(r.id);
  const cancel =
    !options.readOnly && !isFinished(r) && !r.cancelRequested
      ? html` <form class="inline" method="post" action="/runs/${id}/cancel">
          <button type="submit" id="cancel-run">Cancel this verify</button>
        </form>`
      : '';
  const body = html`<h1>
      Run ${r.id} <span class="status" id="run-kind">verify</span>
      <span class="status status-${r.status}" id="run-status">${r.status}</span>
    </h1>
    <p>
      verify (HubSpot compared with the sources; nothing written) · ${r.sources.join(', ')}
      ${r.audiences.length ? ` · audiences ${r.audiences.join(', ')}` : ''} · started
      ${formatTime(r.startedAt)} · ${formatDuration(durationSeconds(r))}
    </p>
    ${r.error ? html`<p class="error">${maskText(r.error)}</p>` : ''}
    <p>
      <a href="/runs/${id}/report.csv" download>Differences (CSV)</a> ·
      <a href="/runs/${id}/report.json" download>Differences (JSON)</a>${cancel}
    </p>
    <section>
      <h2>Progress</h2>
      ${progressSection(d)}
    </section>
    <section>
      <h2>Differences by kind</h2>
      ${countsTable(d)}
    </section>
    <section>
      <h2>Differences</h2>
      ${differencesTable(d)}
    </section>`;
  return page(`Verify ${r.id}`, body, isFinished(r) ? {} : { refreshSeconds: 2 });
}

/** The run page's imports section: each HubSpot import of an import-mode run, with its state and counters. */
import type { ImportFile } from '../run/imports.ts';
import { html, type Html } from './html.ts';

export function importsSection(files: ImportFile[] | null): Html | '' {
  if (!files || files.length === 0) return '';
  const rows = files.map(
    (f) =>
      html`<tr>
        <td>${f.id}</td>
        <td>${f.importId ?? '—'}</td>
        <td class="import-state">${f.state}</td>
        <td>${f.marketable ? 'marketing' : 'non-marketing'}</td>
        <td>${f.rows}</td>
        <td>${f.written ?? '—'}</td>
        <td>${f.errors ?? '—'}</td>
        <td>${f.settled ? 'yes' : 'no'}</td>
      </tr>`,
  );
  return html`<section>
    <h2>HubSpot imports</h2>
    <table id="imports">
      <tr>
        <th>file</th>
        <th>import id</th>
        <th>state</th>
        <th>contacts</th>
        <th>rows</th>
        <th>written</th>
        <th>row errors</th>
        <th>records settled</th>
      </tr>
      ${rows}
    </table>
  </section>`;
}

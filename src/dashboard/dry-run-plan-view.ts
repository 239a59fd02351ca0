import { html, type Html } from './html.ts';
import type { RunPageData } from './run-data.ts';

/** What a dry run planned beyond its counts: the HubSpot calls a real run would make, and what it would create. */
export function planSection(d: RunPageData): Html {
  const plan = d.plan;
  if (!plan) return html``;
  const calls = Object.entries(plan.calls).map(
    ([kind, n]) =>
      html`<tr>
        <td>${kind}</td>
        <td>${n}</td>
      </tr>`,
  );
  return html`<section id="dry-run-plan">
    <h2>Plan of a real run</h2>
    <p>
      ${plan.totalCalls} HubSpot calls; ${plan.subscribed} subscription(s) to marketing email,
      ${plan.newSubscribed} of them to contacts new to the portal.
    </p>
    ${plan.properties.length > 0 ? html`<p>Properties to create: ${plan.properties.join(', ')}</p>` : ''}
    ${plan.lists.length > 0 ? html`<p>Lists to create: ${plan.lists.join(', ')}</p>` : ''}
    <table>
      <thead>
        <tr>
          <th>HubSpot calls</th>
          <th>count</th>
        </tr>
      </thead>
      <tbody>
        ${calls}
      </tbody>
    </table>
    <p>Per record, what would change (old → new): download the report.</p>
  </section>`;
}

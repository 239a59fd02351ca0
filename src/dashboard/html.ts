/** Escapes text for HTML content and attribute values (every value from Redis or a user goes through this). */
export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A template tag whose interpolations are escaped unless they are already rendered Html. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

function part(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return escapeHtml(value);
  }
  throw new TypeError('html`` only interpolates strings, numbers, booleans, Html and arrays of them');
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), ''));
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:20px;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header strong{margin-right:auto}
main{padding:20px 24px;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 20px}
th,td{border-bottom:1px solid #e3e6eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.status{padding:1px 7px;border-radius:9px;font-size:12px;background:#e3e6eb}
.status-running,.status-queued{background:#dbeafe}.status-completed{background:#dcfce7}
.status-completed_with_errors{background:#fef3c7}.status-failed{background:#fee2e2}
.bar{background:#e3e6eb;border-radius:4px;height:18px;overflow:hidden;max-width:600px}
.bar>div{background:#3b82f6;height:100%}
.grid{display:flex;flex-wrap:wrap;gap:20px}.grid>section{flex:1 1 340px}
.note{color:#5b6472}.error{color:#b91c1c}
button{padding:5px 12px;border:1px solid #1d2330;border-radius:4px;background:#fff;cursor:pointer}
form.inline{display:inline}
`;

export interface PageOptions {
  /** Seconds between reloads while something is still moving (a running run). */
  refreshSeconds?: number;
}

export function page(title: string, body: Html, options: PageOptions = {}): string {
  const refresh = options.refreshSeconds
    ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />`
    : html``;
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        ${refresh}
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · esp-sync</title>
        <style>
          ${new Html(CSS)}
        </style>
      </head>
      <body>
        <header>
          <strong>esp-sync</strong><a href="/runs">Runs</a><a href="/queues">Queues</a
          ><a href="/metrics">Metrics</a>
        </header>
        <main>${body}</main>
      </body>
    </html>`.value
  }`;
}

export { formatDuration } from '../lib/time.ts';

/** The progress bar of a run page (#run-progress); `width` is its filled share in percent. */
export function progressBar(done: number, total: number | null, width: number): Html {
  return html`<div
    class="bar"
    id="run-progress"
    role="progressbar"
    aria-valuemin="0"
    aria-valuenow="${done}"
    aria-valuemax="${total ?? ''}"
  >
    <div style="width:${width}%"></div>
  </div>`;
}

export function formatTime(iso: string | null): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '–';
}

import { html, type Html } from './html.ts';

export interface ChartPoint {
  label: string;
  value: number;
}

const WIDTH = 560;
const HEIGHT = 160;
const PAD = { left: 40, bottom: 20, top: 10 };

/** A bar chart as inline SVG (no scripts, no external assets), one bar per point. */
export function barChart(points: ChartPoint[], options: { title: string; color: string }): Html {
  if (points.length === 0) return html`<p class="note">${options.title}: no data yet.</p>`;
  const max = Math.max(1, ...points.map((p) => p.value));
  const plotW = WIDTH - PAD.left;
  const plotH = HEIGHT - PAD.bottom - PAD.top;
  const slot = plotW / points.length;
  const bars = points.map((p, i) => {
    const h = (p.value / max) * plotH;
    const x = PAD.left + i * slot + slot * 0.1;
    const y = PAD.top + plotH - h;
    return html`<rect
      x="${x.toFixed(1)}"
      y="${y.toFixed(1)}"
      width="${(slot * 0.8).toFixed(1)}"
      height="${h.toFixed(1)}"
      fill="${options.color}"
      ><title>${p.label}: ${p.value}</title></rect
    >`;
  });
  const first = points[0]!.label;
  const last = points[points.length - 1]!.label;
  return html`<figure>
    <figcaption>${options.title}</figcaption>
    <svg
      role="img"
      aria-label="${options.title}"
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="${WIDTH}"
      height="${HEIGHT}"
    >
      <line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH}" y2="${PAD.top + plotH}" stroke="#9aa3af" />
      <text x="${PAD.left - 4}" y="${PAD.top + 10}" text-anchor="end" font-size="11">${max}</text>
      <text x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end" font-size="11">0</text>
      ${bars}
      <text x="${PAD.left}" y="${HEIGHT - 4}" font-size="11">${first}</text>
      <text x="${WIDTH}" y="${HEIGHT - 4}" text-anchor="end" font-size="11">${last}</text>
    </svg>
  </figure>`;
}

// A horizontal stacked bar chart in SVG, built with DOM APIs: one bar per row, one segment per
// series. The same numbers are always in a table beside it; the chart has a text summary.
import { s, h } from './dom.js';

// Colours with at least 3:1 against white and each labelled in the legend.
const COLOURS = ['#1b5e20', '#b26a00', '#0d47a1', '#8e24aa', '#c62828', '#37474f', '#00695c'];

// Colours for the configured states and grades (GET /api/v1/workflow), by their place in the
// configuration, so that a colour means the same on every chart: the final state is green, the
// grades run from green to grey, no grade is grey.
const STATE_PALETTE = ['#6d4c41', '#0d47a1', '#6a1b9a', '#00695c', '#b26a00', '#37474f'];
const GRADE_PALETTE = ['#1b5e20', '#b26a00', '#c62828', '#37474f', '#0d47a1', '#6a1b9a'];
export function stateColours(states) {
  return Object.fromEntries(states.map((st, i) => [st.code, st.final ? '#1b5e20' : STATE_PALETTE[i % STATE_PALETTE.length]]));
}
export function gradeColours(grades) {
  return { ...Object.fromEntries(grades.map((g, i) => [g.code, GRADE_PALETTE[i % GRADE_PALETTE.length]])), '': '#757575', none: '#757575', null: '#757575' };
}

export function stackedBars(title, rows, series, opts = {}) {
  const colour = (k, i) => (opts.colours && opts.colours[k]) || COLOURS[i % COLOURS.length];
  const labelW = opts.labelWidth || 260;
  const barW = 420;
  const rowH = 28;
  const top = 8;
  const max = Math.max(1, ...rows.map((r) => series.reduce((n, k) => n + (r.values[k] || 0), 0)));
  const height = top + rows.length * rowH + 40;
  const svg = s('svg', { viewBox: `0 0 ${labelW + barW + 60} ${height}`, role: 'img', 'aria-label': title, class: 'chart' });
  svg.append(s('title', {}, title));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg.append(s('text', { x: labelW - 8, y: y + rowH / 2 + 5, 'text-anchor': 'end', class: 'chart-label' }, truncate(r.label, 18)));
    let x = labelW;
    let total = 0;
    series.forEach((k, si) => {
      const v = r.values[k] || 0;
      if (!v) return;
      const w = (v / max) * barW;
      const rect = s('rect', { x, y: y + 4, width: Math.max(w, 1), height: rowH - 8, fill: colour(k, si) });
      rect.append(s('title', {}, `${r.label} ${opts.seriesLabel ? opts.seriesLabel(k) : k}: ${v}`));
      svg.append(rect);
      x += w;
      total += v;
    });
    svg.append(s('text', { x: x + 6, y: y + rowH / 2 + 5, class: 'chart-value' }, String(total)));
  });
  const legendY = top + rows.length * rowH + 22;
  let lx = labelW;
  series.forEach((k, si) => {
    const label = opts.seriesLabel ? opts.seriesLabel(k) : k;
    svg.append(s('rect', { x: lx, y: legendY - 11, width: 12, height: 12, fill: colour(k, si) }));
    svg.append(s('text', { x: lx + 16, y: legendY, class: 'chart-legend' }, label));
    lx += 24 + label.length * 14;
  });
  return h('figure.chart-box', svg, h('figcaption', title));
}

function truncate(t, n) { return t.length > n ? `${t.slice(0, n)}…` : t; }

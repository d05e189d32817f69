import type { ScalingFit, SweepPointSummary, SweepResult, SweepSeries } from '../model/sweep';
import { esc, num, page } from './html-report';

/**
 * A sweep as one self-contained HTML file (the run report's page, styles and escaping): the quantity
 * against the swept parameter with each point's 95% interval, the share of trials meeting the sweep's
 * condition with its exact interval, and the speed-up with Amdahl's and the USL's fitted curves, their
 * parameters, goodness of fit, predicted peak and what they say. Every runtime's curve is drawn on the
 * same chart, so Node and CPython read side by side. Inline SVG only: no script, nothing loaded.
 */

const SERIES_COLOURS = ['#3b82c4', '#e0783b', '#2f9e67', '#b0508f', '#8a7b2a', '#5a67d8'];
const WIDTH = 760;
const HEIGHT = 300;
const LEFT = 84;
const RIGHT = 16;
const TOP = 16;
const BOTTOM = 44;

/** One curve of a plot: its points (with an optional interval each), drawn as a line, markers, or both. */
export interface PlotCurve {
  readonly name: string;
  readonly colour: string;
  readonly points: readonly { readonly x: number; readonly y: number; readonly low?: number; readonly high?: number }[];
  /** SVG stroke-dasharray; none: a solid line. */
  readonly dash?: string;
  readonly markers: boolean;
  readonly line: boolean;
}

export interface Plot {
  /** Names the figure for people and for tests (data-plot). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly curves: readonly PlotCurve[];
  /** Category labels when the parameter is not a number: x is then the label's index. */
  readonly xCategories?: readonly string[];
  /** Fixed y range (shares: 0 to 1), else from the data with 0 included. */
  readonly yRange?: readonly [number, number];
  readonly yFormat?: (v: number) => string;
  /** Said instead of the plot when no curve has a point. */
  readonly empty?: string;
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Evenly spaced ticks on round numbers (1, 2 or 5 × a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A line chart as inline SVG: axes with round ticks, each curve's line and markers, interval whiskers, a legend. */
export function svgPlot(plot: Plot): string {
  const all = plot.curves.flatMap((c) => c.points);
  if (all.length === 0) return `<p class="muted" data-plot-empty="${esc(plot.id)}">${esc(plot.empty ?? `${plot.title}: no point has a value.`)}</p>`;
  const xs = all.map((p) => p.x);
  let xLo = Math.min(...xs);
  let xHi = Math.max(...xs);
  if (plot.xCategories) {
    xLo = -0.5;
    xHi = plot.xCategories.length - 0.5;
  } else if (xHi === xLo) {
    xLo -= 1;
    xHi += 1;
  }
  const ys = all.flatMap((p) => [p.y, p.low, p.high]).filter(finite);
  const [yLo, yFrom] = plot.yRange ?? [Math.min(0, ...ys), Math.max(...ys)];
  let yHi = yFrom > yLo ? yFrom : yLo + 1;
  if (!plot.yRange) yHi += (yHi - yLo) * 0.05;
  const baseX = (x: number): number => LEFT + ((x - xLo) / (xHi - xLo)) * (WIDTH - LEFT - RIGHT);
  const px = baseX;
  const py = (y: number): number => TOP + (1 - (y - yLo) / (yHi - yLo)) * (HEIGHT - TOP - BOTTOM);
  const f = (v: number): string => v.toFixed(1);
  const yFormat = plot.yFormat ?? ((v: number) => num(v));

  const yTicks = niceTicks(yLo, yHi).map(
    (v) => `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${f(py(v))}" y2="${f(py(v))}" stroke="#eef0f4"/><text x="${LEFT - 6}" y="${f(py(v) + 4)}" font-size="11" text-anchor="end">${esc(yFormat(v))}</text>`,
  );
  const xTickValues = plot.xCategories ? plot.xCategories.map((_, i) => i) : [...new Set(xs)].sort((a, b) => a - b);
  const xTicks = xTickValues.map(
    (v) => `<line x1="${f(px(v))}" x2="${f(px(v))}" y1="${HEIGHT - BOTTOM}" y2="${HEIGHT - BOTTOM + 4}" stroke="#667085"/><text x="${f(px(v))}" y="${HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle">${esc(plot.xCategories ? plot.xCategories[v] : num(v))}</text>`,
  );
  const axes = `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${HEIGHT - BOTTOM}" y2="${HEIGHT - BOTTOM}" stroke="#667085"/><line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${HEIGHT - BOTTOM}" stroke="#667085"/>
<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 8}" font-size="12" text-anchor="middle">${esc(plot.xLabel)}</text>
<text transform="translate(13 ${(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(plot.yLabel)}</text>`;

  // Curves with markers are drawn a few pixels apart, so that equal values (Node and CPython both at 100%) both show.
  const marked = plot.curves.filter((c) => c.markers);
  const dodge = (curve: PlotCurve): number => {
    const i = marked.indexOf(curve);
    return i < 0 || marked.length < 2 ? 0 : (i - (marked.length - 1) / 2) * 5;
  };
  const curves = plot.curves.map((curve) => {
    const shift = dodge(curve);
    const px = (x: number): number => baseX(x) + shift;
    const points = [...curve.points].filter((p) => finite(p.y)).sort((a, b) => a.x - b.x);
    const dash = curve.dash ? ` stroke-dasharray="${curve.dash}"` : '';
    const line = curve.line && points.length > 1 ? `<polyline fill="none" stroke="${curve.colour}" stroke-width="2"${dash} points="${points.map((p) => `${f(px(p.x))},${f(py(p.y))}`).join(' ')}"/>` : '';
    const whiskers = points
      .filter((p) => finite(p.low) && finite(p.high))
      .map((p) => {
        const x = f(px(p.x));
        return `<g class="interval" stroke="${curve.colour}" stroke-width="1.5"><line x1="${x}" x2="${x}" y1="${f(py(p.low!))}" y2="${f(py(p.high!))}"/><line x1="${f(px(p.x) - 4)}" x2="${f(px(p.x) + 4)}" y1="${f(py(p.low!))}" y2="${f(py(p.low!))}"/><line x1="${f(px(p.x) - 4)}" x2="${f(px(p.x) + 4)}" y1="${f(py(p.high!))}" y2="${f(py(p.high!))}"/></g>`;
      });
    const markers = curve.markers
      ? points.map((p) => {
          const label = `${curve.name}: ${plot.xCategories ? plot.xCategories[p.x] : num(p.x)} → ${yFormat(p.y)}${finite(p.low) && finite(p.high) ? ` (95% interval ${yFormat(p.low)} – ${yFormat(p.high)})` : ''}`;
          return `<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="3.5" fill="${curve.colour}"><title>${esc(label)}</title></circle>`;
        })
      : [];
    return `<g data-curve="${esc(curve.name)}">${line}${whiskers.join('')}${markers.join('')}</g>`;
  });
  const legend = plot.curves
    .map((c) => `<span><i style="background:${c.colour}${c.dash ? ';opacity:.6' : ''}"></i>${esc(c.name)}${c.dash ? ' (fit)' : ''}</span>`)
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${esc(plot.title)}" data-plot="${esc(plot.id)}">${yTicks.join('')}${xTicks.join('')}${axes}${curves.join('')}</svg>
<figcaption><div class="legend">${legend}</div><span class="muted">${esc(plot.title)}</span></figcaption></figure>`;
}

function runtimeName(runtime: string): string {
  return runtime === 'node' ? 'Node' : runtime === 'cpython' ? 'CPython' : runtime === 'cpython-nogil' ? 'CPython (no GIL)' : runtime;
}

export function seriesName(series: SweepSeries): string {
  return [runtimeName(series.runtime), ...Object.entries(series.fixed).map(([k, v]) => `${k}=${String(v)}`)].join(' · ');
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function quantityName(result: SweepResult): string {
  const q = result.quantity;
  return 'metric' in q ? q.metric : 'record' in q ? `record ${q.record}` : `shared ${q.shared}`;
}

function fitText(fit: ScalingFit): string {
  const params = Object.entries(fit.params)
    .map(([k, v]) => `${esc(k)} = ${esc(v.toPrecision(3))}`)
    .join(', ');
  return params;
}

/** The report of a sweep read back with `readSweep` (any quantity, scaling and condition). */
export function sweepReport(result: SweepResult): string {
  const xName = result.params[0] ?? '';
  const numeric = result.series.every((s) => s.points.every((p) => typeof p.point[xName] === 'number'));
  const categories = numeric ? undefined : [...new Set(result.series.flatMap((s) => s.points.map((p) => String(p.point[xName]))))];
  const xOf = (p: SweepPointSummary): number => (categories ? categories.indexOf(String(p.point[xName])) : (p.point[xName] as number));
  const colour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length]!;
  const what = `${quantityName(result)}${result.unit ? ` (${result.unit})` : ''}`;
  const runtimes = [...new Set(result.series.map((s) => runtimeName(s.runtime)))];
  /** A line with markers per series, through the points `pointOf` gives (null: the point has no value to draw). */
  const seriesCurves = (pointOf: (p: SweepPointSummary) => PlotCurve['points'][number] | null): PlotCurve[] =>
    result.series.map((s, i) => ({
      name: seriesName(s),
      colour: colour(i),
      markers: true,
      line: true,
      points: s.points.flatMap((p) => {
        const point = pointOf(p);
        return point ? [point] : [];
      }),
    }));

  const valuePlot = svgPlot({
    id: 'quantity',
    title: `${what} against ${xName}: each point's median and its 95% interval${runtimes.length > 1 ? `, ${runtimes.join(' and ')} on one chart` : ''}`,
    xLabel: xName,
    yLabel: what,
    ...(categories ? { xCategories: categories } : {}),
    curves: seriesCurves((p) => (p.median === null ? null : { x: xOf(p), y: p.median, ...(p.ci95 ? { low: p.ci95[0], high: p.ci95[1] } : {}) })),
  });

  const condition = result.condition;
  const sharePlot = condition
    ? svgPlot({
        id: 'share',
        title: `Trials with ${quantityName(result)} ${condition.op} ${condition.value}, against ${xName}: the share and its exact 95% interval (Clopper–Pearson)`,
        xLabel: xName,
        yLabel: `share of trials with ${quantityName(result)} ${condition.op} ${condition.value}`,
        yRange: [0, 1],
        yFormat: (v) => `${Math.round(v * 100)}%`,
        ...(categories ? { xCategories: categories } : {}),
        curves: seriesCurves((p) => (p.meeting === null ? null : { x: xOf(p), y: p.meeting.share, low: p.meeting.ci95[0], high: p.meeting.ci95[1] })),
      })
    : '';

  const speedupCurves = result.series.flatMap((s, i) => [
    {
      name: `${seriesName(s)} measured`,
      colour: colour(i),
      markers: true,
      line: false,
      points: s.points.filter((p) => p.speedup !== null).map((p) => ({ x: xOf(p), y: p.speedup! })),
    },
    ...s.fits.map((fit) => ({
      name: `${seriesName(s)} ${fit.law === 'amdahl' ? 'Amdahl' : 'USL'}`,
      colour: colour(i),
      markers: false,
      line: true,
      dash: fit.law === 'amdahl' ? '7 4' : '2 3',
      points: fit.predicted.map((p) => ({ x: p.concurrency, y: p.speedup })),
    })),
  ]);
  const speedupPlot = svgPlot({
    id: 'speedup',
    title: `${result.lowerIsBetter ? 'Speed-up' : 'Gain'} against the first point (${result.scaling} scaling), measured (dots) with Amdahl's law (dashed) and the USL (dotted) fitted to it`,
    xLabel: xName,
    yLabel: result.lowerIsBetter ? 'speed-up ×' : 'gain ×',
    ...(categories ? { xCategories: categories } : {}),
    curves: categories ? speedupCurves.filter((c) => !c.line) : speedupCurves,
    empty: `No ${result.lowerIsBetter ? 'speed-up' : 'gain'}: no series has a first point with a median above zero to compare the others with.`,
  });

  const fitsTable = (series: SweepSeries): string => {
    if (series.fitProblem) return `<p class="muted">No fit: ${esc(series.fitProblem)}</p>`;
    const rows = series.fits
      .map(
        (fit) => `<tr data-law="${fit.law}"><td>${fit.law === 'amdahl' ? "Amdahl's law" : 'Universal Scalability Law'}</td><td><code>${fitText(fit)}</code></td><td>${esc(fit.rSquared.toFixed(3))}</td><td>${fit.peak === null ? 'none (no turn down)' : `at ${esc(xName)} ≈ ${esc(fit.peak.toFixed(1))}`}</td><td>${fit.maxSpeedup === null ? 'unbounded' : `${esc(fit.maxSpeedup.toFixed(2))}×`}</td></tr>
<tr><td colspan="5" style="text-align:left">${esc(fit.reading.en)}<br><span class="muted" lang="zh-CN">${esc(fit.reading.zh)}</span></td></tr>`,
      )
      .join('');
    return `<table><thead><tr><th>law</th><th>parameters</th><th>R²</th><th>predicted peak</th><th>largest speed-up</th></tr></thead><tbody>${rows}</tbody></table>`;
  };

  const pointsTable = (series: SweepSeries): string => {
    const rows = series.points
      .map((p) => {
        const meeting = condition ? `<td>${p.meeting ? `${pct(p.meeting.share)} (${p.meeting.count}/${p.meeting.of}; ${pct(p.meeting.ci95[0])} – ${pct(p.meeting.ci95[1])})` : '–'}</td>` : '';
        return `<tr><td>${esc(String(p.point[xName] ?? ''))}</td><td>${num(p.median)}</td><td>${p.ci95 ? `${num(p.ci95[0])} – ${num(p.ci95[1])}` : '–'}</td><td>${p.n}</td><td>${p.speedup === null ? '–' : `${esc(p.speedup.toFixed(2))}×`}</td>${meeting}<td>${esc(p.status)} · ${p.claims.holds}✓ ${p.claims.fails}✗ ${p.claims.inconclusive}?</td><td><code>${esc(p.runId.slice(0, 8))}</code></td></tr>`;
      })
      .join('');
    return `<table><thead><tr><th>${esc(xName)}</th><th>median</th><th>95% interval</th><th>n</th><th>${result.lowerIsBetter ? 'speed-up' : 'gain'}</th>${condition ? `<th>${esc(condition.op)} ${esc(condition.value)} (95% interval)</th>` : ''}<th>status · claims</th><th>run</th></tr></thead><tbody>${rows}</tbody></table>`;
  };

  const body = `<h1>Sweep ${esc(result.sweepId)}: ${esc(result.title)}</h1>
<p class="muted">${esc(what)} against ${esc(result.params.join(' × '))} · ${esc(result.scaling)} scaling · ${result.recorded} of ${result.planned} runs recorded · ${esc(runtimes.join(', '))}${result.lessonId ? ` · lesson <code>${esc(result.lessonId)}</code>` : ''}</p>
<h2>${esc(what)}</h2>
${valuePlot}
${condition ? `<h2>How often ${esc(quantityName(result))} ${esc(condition.op)} ${esc(condition.value)}</h2>\n${sharePlot}` : ''}
<h2>Speed-up and the scaling laws</h2>
${speedupPlot}
${result.series
  .map((s) => `<h2>${esc(seriesName(s))}</h2>\n${pointsTable(s)}\n<h3>Fitted laws</h3>\n${fitsTable(s)}`)
  .join('\n')}`;
  return page(`Sweep ${result.sweepId}: ${result.title}`, body);
}

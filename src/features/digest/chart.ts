/**
 * The digest's chart: daily messages (bars, left axis) and the weekly median time to a first
 * response (line, right axis) over the last eight weeks, as a PNG drawn with @napi-rs/canvas (Skia,
 * no browser). It carries its own opaque light card so it reads the same on Discord's dark and light
 * themes, and draws with the bundled DejaVu Sans (assets/fonts) so no system font is needed.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

const FONT = 'Convene Sans';
const FONT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../assets/fonts');

let fontsReady = false;
function registerFonts(): void {
  if (fontsReady) return;
  const regular = GlobalFonts.registerFromPath(resolve(FONT_DIR, 'DejaVuSans.ttf'), FONT);
  const bold = GlobalFonts.registerFromPath(resolve(FONT_DIR, 'DejaVuSans-Bold.ttf'), FONT);
  if (!regular || !bold) throw new Error(`digest chart: cannot load the fonts in ${FONT_DIR}`);
  fontsReady = true;
}

export interface ChartData {
  /** Messages per local day, oldest first (8 weeks = 56 values; fewer are drawn as given). */
  dailyMessages: number[];
  /** The median first response of each week in ms, oldest first; null = no answered question. */
  weeklyMedianMs: (number | null)[];
  /** A label under each week ("6 Oct"), oldest first. */
  weekLabels: string[];
  /** What the numbers cover, after the title ("Discord + forum" for a paired community); absent: nothing. */
  scope?: string;
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 420;

/** WCAG-minded colours on a white card: text 12:1, muted text 6:1, bars and line ≥ 3:1 on white. */
const COLORS = {
  card: '#ffffff',
  border: '#d4d7dc',
  text: '#1f2328',
  muted: '#57606a',
  grid: '#e8eaed',
  bar: '#4752c4',
  barEarlier: '#7983e6',
  line: '#c2410c',
};

const PLOT = { left: 72, right: CHART_WIDTH - 84, top: 104, bottom: CHART_HEIGHT - 56 };

/** One entry of the legend: every mark the chart draws has one (a test checks it against the drawing). */
export interface LegendEntry {
  mark: 'box' | 'line' | 'gap';
  color: string;
  label: string;
  /** Where its swatch is drawn (its centre), for tests that look at the pixels. */
  at: { x: number; y: number };
}

const LEGEND_ROWS = [60, 84];

/**
 * The legend (pure, but measured with the chart's font): the two shades of the bars, the line and
 * which axis each reads on, and the line's gap when a week had no answered question.
 */
export function legendOf(data: ChartData, measure: (text: string) => number): LegendEntry[] {
  const gap = data.weeklyMedianMs.some((v) => v === null) && data.weeklyMedianMs.some((v) => v !== null);
  const rows: Omit<LegendEntry, 'at'>[][] = [
    [
      { mark: 'box', color: COLORS.bar, label: 'Messages per day (left axis): this week' },
      { mark: 'box', color: COLORS.barEarlier, label: 'the 7 weeks before' },
    ],
    [
      { mark: 'line', color: COLORS.line, label: 'Median time to a first response, per week (right axis)' },
      ...(gap ? [{ mark: 'gap' as const, color: COLORS.line, label: 'gap: no answer that week' }] : []),
    ],
  ];
  return rows.flatMap((row, r) => {
    let x = 24;
    return row.map((e) => {
      const swatch = e.mark === 'box' ? 14 : 22;
      const entry = { ...e, at: { x: x + swatch / 2, y: LEGEND_ROWS[r]! } };
      x += swatch + 8 + measure(e.label) + 22;
      return entry;
    });
  });
}

export interface ChartLayout {
  bars: { x: number; y: number; width: number; height: number }[];
  points: ({ x: number; y: number } | null)[];
  messagesMax: number;
  messageTicks: number[];
  responseMax: number;
  responseTicks: number[];
  plot: typeof PLOT;
}

/** A "nice" axis: ticks at 1, 2 or 5 × 10^k covering `max` in about four steps. */
export function niceTicks(max: number, steps = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / steps;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step * 1e-9 || ticks.length < 2; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(ticks.at(-1)! + step);
  return ticks;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Ticks for durations: whole minutes below two hours, hours below two days, days above. */
export function durationTicks(maxMs: number): number[] {
  if (!(maxMs > 0)) return [0, HOUR];
  if (maxMs < 2 * HOUR) return niceTicks(Math.max(maxMs / MINUTE, 1)).map((m) => m * MINUTE);
  // Whole days past two days: "8.3 d" steps read as noise.
  if (maxMs >= 48 * HOUR) return niceTicks(maxMs / DAY).map((d) => d * DAY);
  return niceTicks(maxMs / HOUR).map((h) => h * HOUR);
}

export function durationLabel(ms: number): string {
  if (ms === 0) return '0';
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < 48 * HOUR) return `${Number((ms / HOUR).toFixed(1))} h`;
  return `${Number((ms / DAY).toFixed(1))} d`;
}

/** Where everything goes (pure): tests use it to look at the pixels of a given bar. */
export function layoutChart(data: ChartData): ChartLayout {
  const days = data.dailyMessages.length;
  const weeks = data.weeklyMedianMs.length;
  const messageTicks = niceTicks(Math.max(0, ...data.dailyMessages));
  const messagesMax = messageTicks.at(-1)!;
  const known = data.weeklyMedianMs.filter((v): v is number => v !== null);
  const responseTicks = durationTicks(Math.max(0, ...known));
  const responseMax = responseTicks.at(-1)!;
  const width = PLOT.right - PLOT.left;
  const height = PLOT.bottom - PLOT.top;
  const slot = days > 0 ? width / days : width;
  const bars = data.dailyMessages.map((v, i) => {
    const h = messagesMax > 0 ? (Math.max(0, v) / messagesMax) * height : 0;
    return { x: PLOT.left + i * slot + slot * 0.15, y: PLOT.bottom - h, width: slot * 0.7, height: h };
  });
  const weekWidth = weeks > 0 ? width / weeks : width;
  const points = data.weeklyMedianMs.map((v, i) =>
    v === null ? null : { x: PLOT.left + (i + 0.5) * weekWidth, y: PLOT.bottom - (v / responseMax) * height },
  );
  return { bars, points, messagesMax, messageTicks, responseMax, responseTicks, plot: PLOT };
}

const compact = (n: number) =>
  n >= 1_000_000
    ? `${Number((n / 1_000_000).toFixed(1))}M`
    : n >= 10_000
      ? `${Math.round(n / 1000)}k`
      : n >= 1000
        ? `${Number((n / 1000).toFixed(1))}k`
        : String(n);

function roundedRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** Render the chart as a PNG. */
export function renderDigestChart(data: ChartData): Buffer {
  registerFonts();
  const layout = layoutChart(data);
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext('2d');

  // The card: opaque everywhere (no transparent corners for a theme to show through).
  ctx.fillStyle = COLORS.card;
  ctx.fillRect(0, 0, CHART_WIDTH, CHART_HEIGHT);
  ctx.strokeStyle = COLORS.border;
  ctx.lineWidth = 2;
  roundedRect(ctx, 1, 1, CHART_WIDTH - 2, CHART_HEIGHT - 2, 12);
  ctx.stroke();

  ctx.fillStyle = COLORS.text;
  ctx.font = `bold 22px "${FONT}"`;
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  const title = 'The last 8 weeks';
  ctx.fillText(title, 24, 38);
  if (data.scope) {
    const x = 24 + ctx.measureText(title).width;
    ctx.fillStyle = COLORS.muted;
    ctx.font = `20px "${FONT}"`;
    ctx.fillText(` · ${data.scope}`, x, 38);
  }

  // Legend, two rows under the title: every mark drawn below is named here.
  ctx.font = `15px "${FONT}"`;
  for (const e of legendOf(data, (t) => ctx.measureText(t).width)) {
    const { x, y } = e.at;
    if (e.mark === 'box') {
      ctx.fillStyle = e.color;
      ctx.fillRect(x - 7, y - 7, 14, 14);
    } else {
      ctx.strokeStyle = e.color;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(x - 11, y);
      ctx.lineTo(e.mark === 'gap' ? x - 4 : x + 11, y);
      if (e.mark === 'gap') ctx.moveTo(x + 4, y);
      ctx.lineTo(x + 11, y);
      ctx.stroke();
      if (e.mark === 'line') {
        ctx.fillStyle = e.color;
        ctx.beginPath();
        ctx.arc(x, y, 4.5, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'left';
    ctx.fillText(e.label, x + (e.mark === 'box' ? 7 : 11) + 8, y + 5);
  }

  const { plot } = layout;
  // Grid and the left axis (messages per day).
  ctx.font = `14px "${FONT}"`;
  ctx.lineWidth = 1;
  for (const t of layout.messageTicks) {
    const y = Math.round(plot.bottom - (t / layout.messagesMax) * (plot.bottom - plot.top)) + 0.5;
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath();
    ctx.moveTo(plot.left, y);
    ctx.lineTo(plot.right, y);
    ctx.stroke();
    ctx.fillStyle = COLORS.muted;
    ctx.textAlign = 'right';
    ctx.fillText(compact(t), plot.left - 8, y + 5);
  }
  // The right axis (response time), in the line's colour so it is clear which axis is whose.
  ctx.fillStyle = COLORS.line;
  ctx.textAlign = 'left';
  for (const t of layout.responseTicks) {
    const y = plot.bottom - (t / layout.responseMax) * (plot.bottom - plot.top);
    ctx.fillText(durationLabel(t), plot.right + 8, y + 5);
  }

  // Bars: the latest week darker than the seven before it.
  const latestFrom = Math.max(0, layout.bars.length - 7);
  layout.bars.forEach((b, i) => {
    if (b.height <= 0) return;
    ctx.fillStyle = i >= latestFrom ? COLORS.bar : COLORS.barEarlier;
    ctx.fillRect(b.x, b.y, b.width, b.height);
  });

  // Week separators and labels.
  const weeks = Math.max(1, data.weekLabels.length);
  const weekWidth = (plot.right - plot.left) / weeks;
  ctx.strokeStyle = COLORS.grid;
  ctx.fillStyle = COLORS.muted;
  ctx.textAlign = 'center';
  ctx.font = `14px "${FONT}"`;
  data.weekLabels.forEach((label, i) => {
    const x = Math.round(plot.left + i * weekWidth) + 0.5;
    if (i > 0) {
      ctx.beginPath();
      ctx.moveTo(x, plot.top);
      ctx.lineTo(x, plot.bottom);
      ctx.stroke();
    }
    ctx.fillText(label, plot.left + (i + 0.5) * weekWidth, plot.bottom + 22);
  });
  ctx.strokeStyle = COLORS.muted;
  ctx.beginPath();
  ctx.moveTo(plot.left, plot.bottom + 0.5);
  ctx.lineTo(plot.right, plot.bottom + 0.5);
  ctx.stroke();

  // The response-time line, broken where a week had no answered question.
  ctx.strokeStyle = COLORS.line;
  ctx.lineWidth = 3;
  ctx.lineJoin = 'round';
  let drawing = false;
  ctx.beginPath();
  for (const p of layout.points) {
    if (!p) {
      drawing = false;
      continue;
    }
    if (drawing) ctx.lineTo(p.x, p.y);
    else ctx.moveTo(p.x, p.y);
    drawing = true;
  }
  ctx.stroke();
  for (const p of layout.points) {
    if (!p) continue;
    ctx.fillStyle = COLORS.card;
    ctx.beginPath();
    ctx.arc(p.x, p.y, 6.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = COLORS.line;
    ctx.beginPath();
    ctx.arc(p.x, p.y, 4.5, 0, Math.PI * 2);
    ctx.fill();
  }

  if (data.dailyMessages.every((v) => v === 0)) {
    ctx.fillStyle = COLORS.muted;
    ctx.textAlign = 'center';
    ctx.font = `18px "${FONT}"`;
    ctx.fillText('No messages yet', (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2);
  }
  ctx.textAlign = 'left';
  ctx.fillStyle = COLORS.muted;
  ctx.font = `13px "${FONT}"`;
  ctx.fillText('Convene weekly digest', 24, CHART_HEIGHT - 14);

  return canvas.toBuffer('image/png');
}

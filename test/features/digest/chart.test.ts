import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  type ChartData,
  durationTicks,
  layoutChart,
  legendOf,
  niceTicks,
  renderDigestChart,
} from '../../../src/features/digest/chart.js';

const HOUR = 3_600_000;
const weekLabels = ['28 Sep', '5 Oct', '12 Oct', '19 Oct', '26 Oct', '2 Nov', '9 Nov', '16 Nov'];

function data(daily: (i: number) => number): ChartData {
  return {
    dailyMessages: Array.from({ length: 56 }, (_, i) => daily(i)),
    weeklyMedianMs: [5, 4, null, 3.5, 3, 3.2, 2.5, 2].map((h) => (h === null ? null : h * HOUR)),
    weekLabels,
  };
}

async function pixel(png: Buffer, x: number, y: number): Promise<[number, number, number, number]> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const d = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
  return [d[0]!, d[1]!, d[2]!, d[3]!];
}

describe('the digest chart', () => {
  it('GIVEN eight weeks of numbers THEN it is a PNG of the expected size', () => {
    const png = renderDigestChart(data((i) => 100 + i));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(CHART_WIDTH);
    expect(png.readUInt32BE(20)).toBe(CHART_HEIGHT);
  });

  it('GIVEN a busy day and then a silent one THEN that bar is drawn, then gone', async () => {
    const busy = data((i) => (i === 10 ? 500 : 100));
    const silent = data((i) => (i === 10 ? 0 : 100));
    const bar = layoutChart(busy).bars[10]!;
    // A point inside the tall bar, above where the other bars (100 of 500) reach.
    const x = bar.x + bar.width / 2;
    const y = bar.y + 10;
    const [r1, , b1] = await pixel(renderDigestChart(busy), x, y);
    const [r2, g2, b2] = await pixel(renderDigestChart(silent), x, y);
    expect(b1).toBeGreaterThan(r1 + 60); // the bar's blue
    expect([r2, g2, b2].every((c) => c > 200)).toBe(true); // the white card (or a light grid line)
  });

  it('GIVEN one day with ten times the messages THEN its bar is ten times as tall as its neighbour', () => {
    const even = layoutChart(data(() => 10)).bars;
    expect(even[40]!.height).toBe(even[39]!.height);
    const peak = layoutChart(data((i) => (i === 40 ? 100 : 10))).bars;
    expect(peak[40]!.height).toBeCloseTo(peak[39]!.height * 10, 6);
  });

  it('GIVEN any chart THEN every pixel is opaque, so Discord themes never show through', async () => {
    const png = renderDigestChart(data(() => 0));
    for (const [x, y] of [
      [0, 0],
      [CHART_WIDTH - 1, CHART_HEIGHT - 1],
      [CHART_WIDTH / 2, CHART_HEIGHT / 2],
    ] as const) {
      expect((await pixel(png, x, y))[3]).toBe(255);
    }
  });

  it('GIVEN a community on two platforms THEN the title says so, and a single guild keeps the title alone', async () => {
    const inked = async (png: Buffer) => {
      const image = await loadImage(png);
      const canvas = createCanvas(image.width, image.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(image, 0, 0);
      // Right of "The last 8 weeks" on the title line.
      const d = ctx.getImageData(250, 18, 200, 26).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! < 160) dark++;
      return dark;
    };
    expect(await inked(renderDigestChart(data(() => 10)))).toBe(0);
    expect(await inked(renderDigestChart({ ...data(() => 10), scope: 'Discord + forum' }))).toBeGreaterThan(100);
  });

  it('GIVEN the repository THEN the font it draws with is bundled with its licence', () => {
    const fonts = resolve(dirname(fileURLToPath(import.meta.url)), '../../../assets/fonts');
    for (const f of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'LICENSE-DejaVu.txt'])
      expect(existsSync(resolve(fonts, f))).toBe(true);
  });

  it('GIVEN bars of this week and earlier weeks, a line with a gap THEN the legend names each, in the colour drawn', async () => {
    const d = data(() => 100);
    const png = renderDigestChart(d);
    const hex = ([r, g, b]: number[]) => `#${[r, g, b].map((c) => c!.toString(16).padStart(2, '0')).join('')}`;
    const bars = layoutChart(d).bars;
    const inside = async (i: number) => hex(await pixel(png, bars[i]!.x + bars[i]!.width / 2, bars[i]!.y + 20));
    const thisWeek = await inside(55);
    const earlier = await inside(10);
    expect(thisWeek).not.toBe(earlier);
    const legend = legendOf(d, (t) => t.length * 8);
    const drawn = async (e: (typeof legend)[number]) => hex(await pixel(png, e.at.x, e.at.y));
    const boxes = legend.filter((e) => e.mark === 'box');
    expect(boxes.map((e) => e.label)).toEqual(['Messages per day (left axis): this week', 'the 7 weeks before']);
    // The swatches are in the bars' own colours, and the first is drawn where the legend says.
    expect(boxes.map((e) => e.color)).toEqual([thisWeek, earlier]);
    expect(await drawn(boxes[0]!)).toBe(thisWeek);
    const line = legend.find((e) => e.mark === 'line');
    expect(line?.label).toContain('right axis');
    expect(legend.find((e) => e.mark === 'gap')?.label).toBe('gap: no answer that week');
    // Without a week missing, no gap to explain.
    expect(
      legendOf({ ...d, weeklyMedianMs: d.weeklyMedianMs.map((v) => v ?? HOUR) }, () => 10).map((e) => e.mark),
    ).toEqual(['box', 'box', 'line']);
  });

  it('GIVEN response times of weeks THEN the right axis steps in whole days, not "8.3 d"', () => {
    const DAY = 24 * HOUR;
    expect(durationTicks(28 * DAY).every((t) => t % DAY === 0)).toBe(true);
    expect(durationTicks(5 * HOUR).every((t) => t % HOUR === 0)).toBe(true);
  });

  it.each([
    [7, [0, 2, 4, 6, 8]],
    [1234, [0, 500, 1000, 1500]],
    [0, [0, 1]],
  ])('GIVEN a maximum of %d THEN the axis ticks are %o', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });
});

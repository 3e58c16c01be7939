import { PNG } from 'pngjs';

/**
 * A small deterministic picture (sky, river and skyline) so image complaints have real images.
 * Run `npx ts-node src/articles/demo/demo-image.ts` to write demo/images/demo-1..8.png again;
 * the seed reads those files (drawing them at start-up is slow under the test runner).
 */
export function demoImagePng(seed: number, width = 640, height = 360): Buffer {
  const png = new PNG({ width, height });
  let s = seed * 9301 + 49297;
  const rand = () => (s = (s * 9301 + 49297) % 233280) / 233280;
  const hue = (seed * 47) % 360;
  const sky = hsl(hue, 0.45, 0.78);
  const dusk = hsl((hue + 30) % 360, 0.5, 0.6);
  const water = hsl((hue + 190) % 360, 0.35, 0.35);
  const skyline = new Array<number>(width).fill(height);
  for (let x = 0; x < width;) {
    const w = 14 + Math.floor(rand() * 40);
    const top = Math.floor(height * (0.25 + rand() * 0.4));
    for (let i = x; i < Math.min(width, x + w); i++) skyline[i] = top;
    x += w + Math.floor(rand() * 6);
  }
  const horizon = Math.floor(height * 0.78);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = y / height;
      let c: number[];
      if (y >= horizon) c = mix(water, [20, 30, 50], (y - horizon) / (height - horizon));
      else if (y >= skyline[x])
        c = (x + y) % 9 === 0 && y % 7 < 2 ? [250, 230, 160] : mix([40, 50, 70], [60, 70, 90], t);
      else c = mix(sky, dusk, t / 0.78);
      const i = (y * width + x) * 4;
      png.data[i] = c[0];
      png.data[i + 1] = c[1];
      png.data[i + 2] = c[2];
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

function mix(a: number[], b: number[], t: number): number[] {
  const k = Math.max(0, Math.min(1, t));
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * k));
}

function hsl(h: number, s: number, l: number): number[] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  for (let i = 1; i <= 8; i++) writeFileSync(`${__dirname}/images/demo-${i}.png`, demoImagePng(i));
}

// Renders resources/icon.svg to the PNG sizes the app and electron-builder use: resources/icons/NxN.png
// (Linux: the folder; Windows: 256x256; the window) and resources/icon.png (1024, macOS). ImageMagick
// and rsvg-convert are not always installed, Chromium (for the e2e tests) is: it draws the SVG at
// each size and screenshots it with a transparent background. Run after changing the SVG:
//   node scripts/render-icons.mjs        (CONLAB_CHROMIUM names another Chromium)
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(join(root, 'resources', 'icon.svg'));
const source = `data:image/svg+xml;base64,${svg.toString('base64')}`;
const outDir = join(root, 'resources', 'icons');
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CONLAB_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const size of ICON_SIZES) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<html><body style="margin:0;background:transparent"><img id="icon" src="${source}" width="${size}" height="${size}" style="display:block"></body></html>`);
    await page.locator('#icon').evaluate((img) => (img.complete ? null : new Promise((done) => img.addEventListener('load', done))));
    const file = size === 1024 ? join(root, 'resources', 'icon.png') : join(outDir, `${size}x${size}.png`);
    await page.screenshot({ path: file, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    console.log(`${file.slice(root.length + 1)} ${size}×${size}`);
  }
} finally {
  await browser.close();
}

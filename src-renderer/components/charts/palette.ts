/** Dataset colours that read on both themes, in a fixed order (run 1, run 2, …). */
export const PALETTE = ['#3b82c4', '#e0783b', '#2f9e67', '#b0508f', '#8a7b2a', '#5a67d8', '#c0392b', '#16a2b8'];

export function paletteColor(index: number, alpha = 1): string {
  const hex = PALETTE[index % PALETTE.length]!;
  if (alpha >= 1) return hex;
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

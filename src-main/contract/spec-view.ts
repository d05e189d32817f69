/**
 * Read-only views of an authored spec that a form needs: its declared parameters and its claims.
 * The engine validates specs fully; these schemas only pick out what the UI shows, leniently, so a
 * spec the engine accepts is always readable here. Pure: zod only.
 */
import { z } from 'zod';
import type { LocalizedText } from '../model/run-model';

const textSchema = z.union([z.string(), z.object({ en: z.string(), zh: z.string() })]);
export type SpecText = z.infer<typeof textSchema>;

export const paramDefSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('integer'), default: z.number(), min: z.number().optional(), max: z.number().optional(), description: textSchema.optional() }),
  z.object({ type: z.literal('number'), default: z.number(), min: z.number().optional(), max: z.number().optional(), description: textSchema.optional() }),
  z.object({ type: z.literal('boolean'), default: z.boolean(), description: textSchema.optional() }),
  z.object({ type: z.literal('choice'), default: z.string(), choices: z.array(z.string()).min(1), description: textSchema.optional() }),
]);
export type ParamDef = z.infer<typeof paramDefSchema>;

const claimViewSchema = z.object({ id: z.string(), text: textSchema });
export type ClaimView = z.infer<typeof claimViewSchema>;

/** The parameters a spec declares, in declaration order; malformed entries are left out. */
export function specParams(spec: unknown): [string, ParamDef][] {
  if (spec === null || typeof spec !== 'object') return [];
  const params = (spec as { params?: unknown }).params;
  if (params === null || typeof params !== 'object') return [];
  const out: [string, ParamDef][] = [];
  for (const [name, raw] of Object.entries(params as Record<string, unknown>)) {
    const parsed = paramDefSchema.safeParse(raw);
    if (parsed.success) out.push([name, parsed.data]);
  }
  return out;
}

export function specClaims(spec: unknown): ClaimView[] {
  if (spec === null || typeof spec !== 'object') return [];
  const claims = (spec as { claims?: unknown }).claims;
  if (!Array.isArray(claims)) return [];
  return claims.flatMap((raw) => {
    const parsed = claimViewSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Text in the language asked for; plain strings are the same in every language. */
export function localized(text: SpecText | LocalizedText | undefined, lang: 'en' | 'zh'): string {
  if (text === undefined) return '';
  return typeof text === 'string' ? text : text[lang];
}

/**
 * Checks one form value against its parameter: the same rules the engine applies to `--set`, so the
 * form can mark a field before anything is sent. Returns the typed value or a message.
 */
export function checkParamValue(def: ParamDef, raw: unknown): { ok: true; value: number | boolean | string } | { ok: false; message: string } {
  switch (def.type) {
    case 'integer':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, message: def.type === 'integer' ? 'expected an integer' : 'expected a number' };
      if (def.type === 'integer' && !Number.isInteger(n)) return { ok: false, message: 'expected an integer' };
      if (def.min !== undefined && n < def.min) return { ok: false, message: `at least ${def.min}` };
      if (def.max !== undefined && n > def.max) return { ok: false, message: `at most ${def.max}` };
      return { ok: true, value: n };
    }
    case 'boolean':
      return typeof raw === 'boolean' ? { ok: true, value: raw } : { ok: false, message: 'expected true or false' };
    case 'choice':
      return typeof raw === 'string' && def.choices.includes(raw) ? { ok: true, value: raw } : { ok: false, message: `one of ${def.choices.join(', ')}` };
  }
}

// Types of scripts/electron-sqlite.mjs, for the tests that drive it.
export type ToolResult = { readonly ok: boolean; readonly output: string };
export interface ToolRequest {
  readonly cwd: string;
  readonly version: string;
  readonly abi: number;
  readonly arch: string;
  readonly platform: string;
}
export interface Tools {
  prebuilt(request: ToolRequest): Promise<ToolResult>;
  fromSource(request: ToolRequest): Promise<ToolResult>;
}
export type ElectronTarget = { readonly ok: true; readonly version: string; readonly abi: number } | { readonly ok: false; readonly reason: string };
export type EnsureResult =
  | { readonly ok: true; readonly path: string; readonly abi: number; readonly action: 'present' | 'prebuilt' | 'built' }
  | { readonly ok: false; readonly reason: string; readonly code: number };
export function electronAddonPath(root?: string): string;
export function addonAbi(file: string): number | 'napi' | null;
export function electronTarget(root?: string): ElectronTarget;
export function defaultTools(root?: string): Tools;
export function ensureElectronSqlite(options?: {
  readonly root?: string;
  readonly log?: (line: string) => void;
  readonly target?: ElectronTarget;
  readonly packageDir?: string;
  readonly tools?: Tools;
  readonly arch?: string;
  readonly platform?: string;
}): Promise<EnsureResult>;

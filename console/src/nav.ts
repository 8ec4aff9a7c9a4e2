import { loadSession } from "./api.ts";

export const REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-singapore"];

export function region(): string {
  return loadSession()?.region ?? REGIONS[0] ?? "ap-guangzhou";
}

/** Goes to `#/path`; renders again when already there (the hash would not change). */
export function navigate(path: string): void {
  const target = `#/${path}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}

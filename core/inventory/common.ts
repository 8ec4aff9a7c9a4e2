import * as z from "zod";
import * as Config from "../config.ts";

/** Inventory names: 1–60 characters, no control characters (the reference allows any printable text). */
export const InventoryName = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters");

/** A region this deployment serves (LINKPLANE_REGIONS). */
export const Region = z.string().refine((r) => Config.get().regions.includes(r), {
  error: (issue) => `unknown region ${String(issue.input)}`,
});

export const InventoryId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-z]{8}$`), `must look like ${prefix}-xxxxxxxx`);

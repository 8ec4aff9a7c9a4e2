/** `npm run bench`: every benchmark in turn. */
await import("./privatelink.ts");
await import("./metrics.ts");

export {};

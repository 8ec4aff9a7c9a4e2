/** `npm run bench`: every benchmark in turn (`npm run bench -- --quick`: small sizes, as CI runs it). */
const given = process.env.LINKPLANE_DYNAMODB_ENDPOINT;
for (const bench of ["./privatelink.ts", "./metrics.ts", "./rollup.ts", "./webhooks.ts", "./demo.ts"]) {
  // Each bench starts its own DynamoDB Local unless one was given: not the one the last bench stopped.
  if (given === undefined) delete process.env.LINKPLANE_DYNAMODB_ENDPOINT;
  else process.env.LINKPLANE_DYNAMODB_ENDPOINT = given;
  await import(bench);
}

export {};

/**
 * Object storage for export files: scheduled metric exports under `metric-exports/`, and exports on
 * demand (too large for an API Gateway response) under `downloads/`, which the route hands out as a
 * short-lived presigned URL and which expire after a day. HTTPS only, never public.
 */
export const exportBucket = new sst.aws.Bucket("ExportBucket", {
  lifecycle: [{ id: "downloads", prefix: "downloads/", expiresIn: "1 day" }],
});

/**
 * Object storage for export files: scheduled metric exports under `metric-exports/`, and exports on
 * demand (too large for an API Gateway response) under `downloads/`, which expire after a day. HTTPS
 * only, never public.
 */
export const exportBucket = new sst.aws.Bucket("Exports", {
  lifecycle: [{ id: "downloads", prefix: "downloads/", expiresIn: "1 day" }],
});

/**
 * What functions link to (core/links.ts reads it as `ExportBucket`): the bucket's name, and object
 * reads and writes in it only. A Bucket's own link would grant `s3:*`, bucket policy and deletion included.
 */
export const exportBucketLink = new sst.Linkable("ExportBucket", {
  properties: { name: exportBucket.name },
  include: [
    sst.aws.permission({
      actions: ["s3:PutObject", "s3:GetObject"],
      resources: [$interpolate`${exportBucket.arn}/*`],
    }),
  ],
});

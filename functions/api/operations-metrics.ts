import { LARGE_EXPORT, LINK, type Operation, PAGE } from "./operations-common.ts";

/* Metric samples, views and exports: part of OPERATIONS (operations.ts). */

const METRIC_VIEW =
  "`period` is realtime (the last 60 minutes at 1m), 24h or 7d (1h points) or custom (`from`, `to`, `granularity` 1m, 1h or 1d); `stat` is avg, sum, max or min over each point. Hours and days not rolled up yet are folded from the minutes, so the series is complete up to now; a point without data is null. At most 1,500 points; 1m data is kept 7 days.";

function metricViews(base: string, kind: "Endpoint" | "EndpointService"): Record<string, Operation> {
  const whose =
    kind === "Endpoint"
      ? "The endpoint's owner sees it; so does the provider of the service it is connected to while it is connected."
      : "The service's series are the sums over its endpoints, with ConnectedEndpoints. Only the service's owner sees them.";
  return {
    [`GET ${base}`]: {
      id: `get${kind}Metrics`,
      description: `${METRIC_VIEW} ${whose}`,
    },
    [`GET ${base}/compare`]: {
      id: `compare${kind}Metrics`,
      description: `The view's window and the one of the same length starting at \`compareFrom\`, point by point, with the difference and the percentage, and totals over each window by the same stat. ${whose}`,
    },
    [`GET ${base}/export`]: {
      id: `export${kind}Metrics`,
      description: `The same view as rows (metric, stat, unit, time, t, value): CSV as UTF-8 with a BOM, or JSON. ${whose} ${LARGE_EXPORT}`,
    },
  };
}

export const METRIC_OPERATIONS: Record<string, Operation> = {
  "POST /v1/metrics/samples": {
    id: "ingestMetricSamples",
    description:
      "For the data plane (ingest or operator token). One sample per endpoint per minute, on a whole minute, at most 5 minutes ahead and within raw retention; re-sending a minute replaces it and keeps each service's minute the sum over its endpoints. A minute of an hour already rolled up marks the hour late, and the next hourly rollup folds it again. Answers 200 with what was accepted and, per index, why each other sample was not.",
  },
  ...metricViews("/v1/endpoints/{id}/metrics", "Endpoint"),
  ...metricViews("/v1/endpoint-services/{id}/metrics", "EndpointService"),
  "POST /v1/metric-exports": {
    id: "createMetricExport",
    description:
      "Every hour (or day) the metric-exports job writes the last complete period of the chosen resources (all the caller's, or listed ones) at the granularity asked, as CSV or NDJSON, to S3 (locally to the data folder). Each run is recorded with its SHA-256; a period is never written twice. Sends metric-export.succeeded or metric-export.failed after each run.",
    errors: ["LimitExceeded"],
  },
  "GET /v1/metric-exports": {
    id: "listMetricExports",
    description: `The caller's exports, newest first. ${PAGE}`,
  },
  "GET /v1/metric-exports/{id}": {
    id: "getMetricExport",
    description: "One export with its schedule, status and last run.",
  },
  "PATCH /v1/metric-exports/{id}": {
    id: "updateMetricExport",
    description:
      "A paused export leaves the schedule's index, so the job writes nothing for it until it is resumed.",
  },
  "DELETE /v1/metric-exports/{id}": {
    id: "deleteMetricExport",
    description: "Stops the schedule. Files already written stay where they are, with their runs' records.",
  },
  "GET /v1/metric-exports/{id}/runs": {
    id: "listMetricExportRuns",
    description: `The export's runs, newest first. A failed run is retried by the next job run. ${PAGE}`,
  },
  "GET /v1/metric-exports/{id}/runs/{runId}/file": {
    id: "downloadMetricExportFile",
    description: `The run's file as it was written, streamed, with its SHA-256 in \`X-Content-SHA256\`. In AWS the file is in the export bucket, and the answer is \`303\` to a presigned URL of it, valid 15 minutes, with the same header. ${LINK} ResourceNotFound for a run that wrote no file.`,
  },
};

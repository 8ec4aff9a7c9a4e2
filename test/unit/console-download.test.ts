import { describe, expect, it } from "vitest";
import { whatToSave } from "../../console/src/download.ts";

/**
 * The console's download decision (console/src/download.ts). The browser test downloads from the local
 * server, which always answers the file; the link answer exists only in AWS, so it is held here.
 */
const LINK_BODY = {
  url: "https://linkplane-exports.s3.eu-west-3.amazonaws.com/downloads/1/endpoints.csv?X-Amz-Signature=ab",
  filename: "endpoints.csv",
  contentType: "text/csv; charset=utf-8",
  expiresAt: "2026-11-30T23:45:00.000Z",
};

function answer(headers: Record<string, string>, body: string): [Response, Blob] {
  return [new Response(null, { headers }), new Blob([body])];
}

describe("whatToSave", () => {
  it("navigates to the link where the API says the answer is one", async () => {
    // Prepare
    const [response, body] = answer(
      { "content-type": "application/json", "linkplane-download": "link" },
      JSON.stringify(LINK_BODY),
    );
    // Act
    const saving = await whatToSave(response, body, "fallback.csv");
    // Assess
    expect(saving).toEqual({ link: LINK_BODY });
  });

  it("saves a JSON file as a file: only the header makes an answer a link", async () => {
    // Prepare: a metric view's JSON export, which is application/json too (even shaped like a link).
    const [response, body] = answer(
      { "content-type": "application/json", "content-disposition": 'attachment; filename="metrics.json"' },
      JSON.stringify(LINK_BODY),
    );
    // Act
    const saving = await whatToSave(response, body, "fallback.json");
    // Assess
    expect(saving).toEqual({ file: body, name: "metrics.json" });
  });

  it("saves a CSV under the name the API gives, or the page's own when it gives none", async () => {
    // Prepare
    const [named, namedBody] = answer(
      {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="endpoints-ap-guangzhou-2026-11-30.csv"',
      },
      "\uFEFFid\r\n",
    );
    const [unnamed, unnamedBody] = answer({ "content-type": "text/csv; charset=utf-8" }, "\uFEFFid\r\n");
    // Act
    const a = await whatToSave(named, namedBody, "endpoints.csv");
    const b = await whatToSave(unnamed, unnamedBody, "endpoints.csv");
    // Assess
    expect(a).toEqual({ file: namedBody, name: "endpoints-ap-guangzhou-2026-11-30.csv" });
    expect(b).toEqual({ file: unnamedBody, name: "endpoints.csv" });
  });

  it("refuses a link that is not a web address, since the page would navigate to it", async () => {
    for (const url of ["javascript:alert(1)", "data:text/html,<b>x</b>", "not a url"]) {
      // Prepare
      const [response, body] = answer(
        { "linkplane-download": "link" },
        JSON.stringify({ ...LINK_BODY, url }),
      );
      // Act, Assess
      await expect(whatToSave(response, body, "x.csv"), url).rejects.toThrow(/not a web address/);
    }
  });
});

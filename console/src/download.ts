/**
 * What a download answer asks the page to do, decided apart from the DOM so that a unit test can hold it
 * (test/unit/console-download.test.ts): the browser test runs against the local server, which always
 * answers the file itself, so it never sees the other case.
 *
 * The console asks every download with `download=link`. Where the API would answer `303` to the export
 * bucket (in AWS: a stored file, an export larger than a Lambda response), it answers the link as JSON
 * with `Linkplane-Download: link`; fetch could not have followed the redirect (the console's CSP allows
 * connections to its own origin only), but the page can navigate to it. Anything else is the file.
 */
import type { components } from "./api-schema.ts";

export type DownloadLink = components["schemas"]["DownloadLink"];

export type Saving = { link: DownloadLink } | { file: Blob; name: string };

/**
 * The header, not the content type, says which it is: a metric view's JSON export is `application/json`
 * too, and the header is set only where the API answers a link (functions/api/download.ts).
 */
export async function whatToSave(response: Response, body: Blob, fallbackName: string): Promise<Saving> {
  if (response.headers.get("linkplane-download") === "link") {
    const link = JSON.parse(await body.text()) as DownloadLink;
    // The page navigates to it: only a web address, never `javascript:` or `data:`.
    let protocol = "";
    try {
      protocol = new URL(link.url).protocol;
    } catch {
      // not a URL at all: refused below
    }
    if (protocol !== "https:" && protocol !== "http:")
      throw new Error("The download link is not a web address");
    return { link };
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  return { file: body, name };
}

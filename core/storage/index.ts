import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as Config from "../config.ts";
import { NotFoundError } from "../errors.ts";
import { Clock } from "../util/time.ts";

/**
 * Object storage behind one port: an S3 bucket in AWS (LINKPLANE_EXPORT_BUCKET), a folder under the data
 * directory locally. `put` takes the content as chunks and answers its size and SHA-256.
 */
export interface Stored {
  key: string;
  bytes: number;
  sha256: string;
}

export interface ObjectStore {
  put(key: string, chunks: AsyncIterable<string | Buffer>, contentType: string): Promise<Stored>;
  get(key: string): Promise<ReadableStream<Uint8Array>>;
  /**
   * A short-lived URL the caller downloads the object from by itself, named `filename`. A store without
   * one (a local folder) has the server stream the file instead.
   */
  downloadUrl?(key: string, download: Download): Promise<string>;
}

export interface Download {
  filename: string;
  contentType: string;
  expiresInSeconds: number;
}

/** How long a download link works: enough to start the download, not to pass the link around. */
export const DOWNLOAD_LINK_SECONDS = 900;

/** A short-lived URL of a stored object, what it downloads as, and until when it works. */
export interface DownloadLink {
  url: string;
  filename: string;
  contentType: string;
  /** ISO 8601; the URL stops working at this instant (or a moment after, never before). */
  expiresAt: string;
}

/** A store that gives download URLs (the bucket in AWS). */
export type LinkingStore = ObjectStore & Required<Pick<ObjectStore, "downloadUrl">>;

/** Whether callers download from the store itself (the bucket) rather than through the function. */
export function givesLinks(store: ObjectStore): store is LinkingStore {
  return store.downloadUrl !== undefined;
}

/**
 * The download link of `key`, valid DOWNLOAD_LINK_SECONDS. The instant is read before signing, so the
 * URL (signed at that instant or later) never expires before `expiresAt`.
 */
export async function downloadLink(
  store: LinkingStore,
  key: string,
  file: { filename: string; contentType: string },
): Promise<DownloadLink> {
  const expiresAt = new Date(Clock.now() + DOWNLOAD_LINK_SECONDS * 1000).toISOString();
  const url = await store.downloadUrl(key, { ...file, expiresInSeconds: DOWNLOAD_LINK_SECONDS });
  return { url, filename: file.filename, contentType: file.contentType, expiresAt };
}

/** Keys are built by Linkplane (`metric-exports/<uin>/<id>/<period>.csv`): refuse anything else. */
export function safeKey(key: string): string {
  if (!/^[A-Za-z0-9_\-./]+$/.test(key) || key.split("/").some((part) => part === ".." || part === "")) {
    throw new Error(`unsafe object key ${key}`);
  }
  return key;
}

export class FolderStore implements ObjectStore {
  constructor(private readonly root: string) {}

  async put(key: string, chunks: AsyncIterable<string | Buffer>, _contentType?: string): Promise<Stored> {
    const path = join(this.root, safeKey(key));
    await mkdir(dirname(path), { recursive: true });
    const hash = createHash("sha256");
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of chunks) {
        const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        hash.update(buffer);
        bytes += buffer.length;
        yield buffer;
      }
    };
    // Written beside under a name of its own and renamed, so a reader never sees half a file.
    const partial = `${path}.${randomUUID()}.partial`;
    await pipeline(Readable.from(counted()), createWriteStream(partial));
    await rename(partial, path);
    return { key, bytes, sha256: hash.digest("hex") };
  }

  async get(key: string): Promise<ReadableStream<Uint8Array>> {
    const path = join(this.root, safeKey(key));
    await stat(path).catch(() => {
      throw new NotFoundError("file", key);
    });
    return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  }
}

/**
 * The export bucket, with the S3 client loaded on first use (core/storage/s3.ts, a chunk of its own in the
 * bundles): most requests of an export route answer inline and never reach the bucket, so their cold
 * starts do not load the client (docs/deploy.md "Bundles").
 */
export class BucketStore implements LinkingStore {
  #store: Promise<LinkingStore> | undefined;

  constructor(private readonly bucket: string) {}

  private s3(): Promise<LinkingStore> {
    this.#store ??= import("./s3.ts").then(({ S3Store }) => new S3Store(this.bucket));
    return this.#store;
  }

  async put(key: string, chunks: AsyncIterable<string | Buffer>, contentType: string): Promise<Stored> {
    return (await this.s3()).put(key, chunks, contentType);
  }

  async get(key: string): Promise<ReadableStream<Uint8Array>> {
    return (await this.s3()).get(key);
  }

  async downloadUrl(key: string, download: Download): Promise<string> {
    return (await this.s3()).downloadUrl(key, download);
  }
}

let store: ObjectStore | undefined;

export function objectStore(): ObjectStore {
  const config = Config.get();
  store ??= config.exportBucket
    ? new BucketStore(config.exportBucket)
    : new FolderStore(resolve(config.dataDir, "exports"));
  return store;
}

/** Tests: use this store (or undefined to build from configuration again). */
export function useObjectStore(next: ObjectStore | undefined): void {
  store = next;
}

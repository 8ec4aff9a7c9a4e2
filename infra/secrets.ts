/**
 * The secrets, read at run time through SST links (core/links.ts), never put into environment variables.
 * `npx sst secret set OperatorToken "$(openssl rand -hex 24)" --stage prod`, the same for IngestToken,
 * and `npx sst secret set EncryptionKey "$(openssl rand -base64 32)" --stage prod`.
 */
export const operatorToken = new sst.Secret("OperatorToken");
export const ingestToken = new sst.Secret("IngestToken");
export const encryptionKey = new sst.Secret("EncryptionKey");

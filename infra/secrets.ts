/** Set with `sst secret set OperatorToken …` and `sst secret set EncryptionKey $(openssl rand -base64 32)`. */
export const operatorToken = new sst.Secret("OperatorToken");
export const encryptionKey = new sst.Secret("EncryptionKey");

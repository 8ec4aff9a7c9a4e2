import { describe, expect, it } from "vitest";
import * as Config from "../../core/config.ts";

describe("Config: the local runtime's HTTPS listener", () => {
  it("is off without a certificate and key, and on port 3443 by default with both", () => {
    expect(Config.load({}).tls).toBeUndefined();
    expect(Config.load({ LINKPLANE_TLS_CERT: "cert.pem", LINKPLANE_TLS_KEY: "key.pem" }).tls).toEqual({
      cert: "cert.pem",
      key: "key.pem",
      port: 3443,
    });
    expect(
      Config.load({ LINKPLANE_TLS_CERT: "c", LINKPLANE_TLS_KEY: "k", LINKPLANE_TLS_PORT: "8443" }).tls?.port,
    ).toBe(8443);
  });

  it.each([{ LINKPLANE_TLS_CERT: "cert.pem" }, { LINKPLANE_TLS_KEY: "key.pem" }])(
    "refuses one without the other (%o)",
    (env) => {
      expect(() => Config.load(env)).toThrow(/both LINKPLANE_TLS_CERT and LINKPLANE_TLS_KEY/);
    },
  );
});

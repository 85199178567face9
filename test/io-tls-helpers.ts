/** A self-signed certificate made at run time (never a committed key), for the TLS tests. */
import selfsigned from "selfsigned";

export interface Certificate {
  key: string;
  cert: string;
}

/**
 * A fresh self-signed EC certificate for `localhost` and 127.0.0.1 (its own CA:
 * a client trusts it by passing `cert` as `ca`).
 */
export async function certificate(cn = "localhost"): Promise<Certificate> {
  const pems = await selfsigned.generate([{ name: "commonName", value: cn }], {
    keyType: "ec",
    curve: "P-256",
    extensions: [
      { name: "basicConstraints", cA: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: cn },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * TLS options for `listen`, `connect` and `serve`, and their validation.
 * The encryption itself is Node's (`node:tls`): node-transport.ts opens a
 * `tls.Server` or `tls.connect` where it would open a plain socket, and the
 * stream above it is the same `TcpStream`.
 */

/** PEM text or bytes, or several of them. */
export type Pem = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** TLS for a server (`listen({tls})`, `serve({tls})`). */
export interface TlsServerOptions {
  /** The private key, PEM. */
  key: Pem;
  /** The certificate chain, PEM. */
  cert: Pem;
  /** The key's passphrase, if it is encrypted. */
  passphrase?: string;
  /** CAs to check client certificates against (with `requestCert`). @default Node's bundled roots */
  ca?: Pem;
  /** Ask clients for a certificate. @default false */
  requestCert?: boolean;
  /** With `requestCert`: refuse clients whose certificate is not signed by `ca`. @default true */
  rejectUnauthorized?: boolean;
  /** ALPN protocols offered, in order of preference. */
  ALPNProtocols?: string[];
  /**
   * Milliseconds a client has to finish its handshake before it is
   * disconnected (a slowloris defence for the handshake). `serve({tls})` sets
   * it to its `headersTimeoutMs`.
   * @default 120000 (Node's)
   */
  handshakeTimeout?: number;
}

/** TLS for a client (`connect({tls})`). */
export interface TlsConnectOptions {
  /** CAs to trust instead of Node's bundled roots (a self-signed server's certificate). */
  ca?: Pem;
  /** The name to check the server's certificate against (and send as SNI). @default the host, unless it is an IP address */
  servername?: string;
  /** Refuse a server whose certificate does not check out. @default true */
  rejectUnauthorized?: boolean;
  /** A client certificate and its key, for servers that ask for one. */
  cert?: Pem;
  key?: Pem;
  ALPNProtocols?: string[];
}

function isPem(value: unknown): boolean {
  if (typeof value === "string" || value instanceof Uint8Array) return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === "string" || v instanceof Uint8Array)
  );
}

/** @internal Checks `listen`/`serve`'s `tls` option; `where` names the call. */
export function checkServerTls(tls: unknown, where: string): TlsServerOptions {
  if (tls === null || typeof tls !== "object") {
    throw new TypeError(`${where}: tls must be an object { key, cert } (PEM strings or Buffers)`);
  }
  const t = tls as Record<string, unknown>;
  for (const name of ["key", "cert"] as const) {
    if (t[name] === undefined) {
      throw new TypeError(
        `${where}: tls.${name} is missing: a TLS server needs both key and cert (PEM), e.g. from readFileSync("${name}.pem")`,
      );
    }
    if (!isPem(t[name])) {
      throw new TypeError(
        `${where}: tls.${name} must be PEM text or a Buffer (or an array of them)`,
      );
    }
  }
  if (t.ca !== undefined && !isPem(t.ca)) {
    throw new TypeError(`${where}: tls.ca must be PEM text or a Buffer (or an array of them)`);
  }
  return tls as TlsServerOptions;
}

/** @internal Checks `connect`'s `tls` option (`true` means Node's defaults). */
export function checkConnectTls(tls: unknown, where: string): TlsConnectOptions {
  if (tls === true) return {};
  if (tls === null || typeof tls !== "object") {
    throw new TypeError(`${where}: tls must be true or an object { ca?, servername? }`);
  }
  const t = tls as Record<string, unknown>;
  for (const name of ["ca", "cert", "key"] as const) {
    if (t[name] !== undefined && !isPem(t[name])) {
      throw new TypeError(
        `${where}: tls.${name} must be PEM text or a Buffer (or an array of them)`,
      );
    }
  }
  if (t.servername !== undefined && (typeof t.servername !== "string" || t.servername === "")) {
    throw new TypeError(`${where}: tls.servername must be a non-empty string`);
  }
  if ((t.cert === undefined) !== (t.key === undefined)) {
    throw new TypeError(`${where}: a client certificate needs both tls.cert and tls.key`);
  }
  return tls as TlsConnectOptions;
}

/**
 * @internal Node refused the key or certificate (not PEM, encrypted without
 * its passphrase, a key that does not match the certificate): says which
 * call and what to check, keeping Node's code (`ERR_OSSL_PEM_NO_START_LINE`,
 * `ERR_OSSL_X509_KEY_VALUES_MISMATCH`, ...) and the original as `cause`.
 */
export function secureContextError(error: unknown, where: string): Error {
  const e = error as NodeJS.ErrnoException;
  const wrapped = new Error(
    `${where}: Node could not use tls.key/tls.cert (check that both are PEM, that the key belongs to the certificate, and the passphrase): ${e?.message ?? String(error)}`,
    { cause: error },
  ) as NodeJS.ErrnoException;
  if (e?.code !== undefined) wrapped.code = e.code;
  return wrapped;
}

import type { PlanConfig } from '../config/schema.js';

export interface CredentialInputs {
  engine: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  plan: PlanConfig;
  caPem?: string;
  /** Addresses of the instance's read replicas that serve reads, in replica order. */
  replicas?: ReadonlyArray<{ host: string; port: number }>;
}

const JDBC_PG_SSLMODE: Record<string, string> = { require: 'require', 'verify-ca': 'verify-ca', 'verify-full': 'verify-full' };
const MYSQL_SSL_MODE: Record<string, string> = { require: 'REQUIRED', 'verify-ca': 'VERIFY_CA', 'verify-full': 'VERIFY_IDENTITY' };

/**
 * The binding credentials: enough to connect securely with any ordinary client. The uri and jdbcUrl
 * carry the TLS settings (PostgreSQL sslmode, MySQL ssl-mode / sslMode); the CA bundle is included
 * when the plan says so, for clients that verify the server.
 */
export function bindingCredentials(input: CredentialInputs): Record<string, unknown> {
  const { engine, host, port, database, username, password, plan } = input;
  const mode = plan.credentials.sslmode;
  const urls = connectionUrls(engine, mode, database, username, password);
  const isPostgres = engine === 'postgres';
  const credentials: Record<string, unknown> = {
    host,
    port,
    name: database,
    database,
    username,
    password,
    ...urls(host, port),
    ...(isPostgres ? { sslmode: mode } : { ssl_mode: MYSQL_SSL_MODE[mode] }),
  };
  // Replicas: the same user, password and TLS settings, on each replica's address. `uri` stays on
  // the primary (read-your-writes; a replica lags), read_only bindings included (docs/credentials.md).
  if (plan.readReplicas || (input.replicas?.length ?? 0) > 0) {
    const replicas = (input.replicas ?? []).map((r) => urls(r.host, r.port));
    credentials.replica_uris = replicas.map((r) => r.uri);
    credentials.replica_jdbcUrls = replicas.map((r) => r.jdbcUrl);
    if (replicas[0]) credentials.replica_uri = replicas[0].uri;
  }
  if (plan.credentials.includeCaBundle && input.caPem) credentials.ca_certificate = input.caPem;
  return credentials;
}

/** The uri and jdbcUrl of one address, with the plan's TLS settings (PostgreSQL sslmode, MySQL ssl-mode / sslMode). */
function connectionUrls(
  engine: string,
  mode: PlanConfig['credentials']['sslmode'],
  database: string,
  username: string,
  password: string,
): (host: string, port: number) => { uri: string; jdbcUrl: string } {
  const user = encodeURIComponent(username);
  const pass = encodeURIComponent(password);
  const db = encodeURIComponent(database);
  if (engine === 'postgres')
    return (host, port) => ({
      uri: `postgres://${user}:${pass}@${host}:${port}/${db}?sslmode=${mode}`,
      jdbcUrl: `jdbc:postgresql://${host}:${port}/${db}?user=${user}&password=${pass}&ssl=true&sslmode=${JDBC_PG_SSLMODE[mode]}`,
    });
  return (host, port) => ({
    uri: `mysql://${user}:${pass}@${host}:${port}/${db}?ssl-mode=${MYSQL_SSL_MODE[mode]}`,
    jdbcUrl: `jdbc:mysql://${host}:${port}/${db}?user=${user}&password=${pass}&sslMode=${MYSQL_SSL_MODE[mode]}`,
  });
}

export function bindingEndpoints(host: string, port: number): Array<Record<string, unknown>> {
  return [{ host, ports: [String(port)], protocol: 'tcp' }];
}

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
  const user = encodeURIComponent(username);
  const pass = encodeURIComponent(password);
  const db = encodeURIComponent(database);
  const isPostgres = engine === 'postgres';
  const credentials: Record<string, unknown> = {
    host,
    port,
    name: database,
    database,
    username,
    password,
    ...(isPostgres
      ? {
          uri: `postgres://${user}:${pass}@${host}:${port}/${db}?sslmode=${mode}`,
          jdbcUrl: `jdbc:postgresql://${host}:${port}/${db}?user=${user}&password=${pass}&ssl=true&sslmode=${JDBC_PG_SSLMODE[mode]}`,
          sslmode: mode,
        }
      : {
          uri: `mysql://${user}:${pass}@${host}:${port}/${db}?ssl-mode=${MYSQL_SSL_MODE[mode]}`,
          jdbcUrl: `jdbc:mysql://${host}:${port}/${db}?user=${user}&password=${pass}&sslMode=${MYSQL_SSL_MODE[mode]}`,
          ssl_mode: MYSQL_SSL_MODE[mode],
        }),
  };
  if (plan.credentials.includeCaBundle && input.caPem) credentials.ca_certificate = input.caPem;
  return credentials;
}

export function bindingEndpoints(host: string, port: number): Array<Record<string, unknown>> {
  return [{ host, ports: [String(port)], protocol: 'tcp' }];
}

// Prints one credential of a bound user-provided service from VCAP_SERVICES, for the start
// command in manifest.yml: node vcap-secret.mjs SERVICE_NAME KEY. Exits non-zero, naming what is
// missing (never a value), when it cannot.
const [serviceName, key] = process.argv.slice(2);
let services;
try {
  services = JSON.parse(process.env.VCAP_SERVICES ?? '{}');
} catch {
  process.stderr.write('VCAP_SERVICES is not valid JSON\n');
  process.exit(1);
}
const service = Object.values(services).flat().find((s) => s && s.name === serviceName);
const value = service?.credentials?.[key];
if (typeof value !== 'string' || value === '') {
  process.stderr.write(`no credential ${key} in a bound service named ${serviceName}\n`);
  process.exit(1);
}
process.stdout.write(value);

/**
 * Named places where a test can make the broker die on the spot (SIGKILL to itself), to prove that
 * every step survives a crash between its action and the tag that records it. Inert unless the
 * environment variable RDS_BROKER_FAILPOINTS lists the name (comma-separated); production never sets it.
 */
const armed = new Set(
  (process.env.RDS_BROKER_FAILPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export function failpoint(name: string): void {
  if (armed.size > 0 && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}

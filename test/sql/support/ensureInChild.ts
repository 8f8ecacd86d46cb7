/**
 * Runs one ensureBindingUser in its own process, the way a second broker replica would. Reads
 * { target, spec } as JSON on stdin (not argv: the master password would show in `ps`), prints the
 * outcome, or the error's name and message (which carry no secrets), and exits 0 or 1.
 */
import { createSqlGateway } from '../../../src/sql/index.js';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { target, spec } = JSON.parse(input);
  createSqlGateway()
    .ensureBindingUser(target, spec)
    .then((outcome) => {
      process.stdout.write(JSON.stringify({ outcome }));
      process.exit(0);
    })
    .catch((error: Error) => {
      process.stdout.write(JSON.stringify({ error: `${error.name}: ${error.message}` }));
      process.exit(1);
    });
});

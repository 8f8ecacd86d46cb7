/**
 * One restore from snapshot, end to end on the emulator with real PostgreSQL, polled every 100 ms
 * like an impatient platform: prints each distinct poll answer with its time since the request, and
 * the total, as JSON lines. `node --import tsx bench/restore-timeline.ts [--speed 0]`
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../src/local/config.js';
import { startStack } from '../test/support/stack.js';
import { bindUri, caOf, cfContext, provisionAndWait, query, takeSnapshot } from '../test/support/osb-flows.js';

const { values } = parseArgs({ options: { speed: { type: 'string', default: '0' }, lag: { type: 'string', default: '1000' } } });
const stack = await startStack({ emulator: { speed: Number(values.speed), visibilityLagMs: Number(values.lag) } });
try {
  const source = randomUUID();
  await provisionAndWait(stack, source);
  await query(await bindUri(stack, source, 'b'), caOf(stack), 'CREATE TABLE t AS SELECT generate_series(1, 1000) AS n');
  await takeSnapshot(stack, source, `timeline-${source.slice(0, 8)}`);
  const id = randomUUID();
  const started = performance.now();
  const response = await stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
    service_id: LOCAL_SERVICE_ID,
    plan_id: LOCAL_PLANS.small,
    context: cfContext(),
    parameters: { restore_from_latest_snapshot_of: source },
  });
  console.log(
    JSON.stringify({ at_ms: Math.round(performance.now() - started), status: response.status, operation: response.json.operation }),
  );
  let last = '';
  let polls = 0;
  for (;;) {
    const poll = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=restore`);
    polls++;
    const line = `${poll.json.state}: ${poll.json.description}`;
    if (line !== last)
      console.log(
        JSON.stringify({
          at_ms: Math.round(performance.now() - started),
          state: poll.json.state,
          description: poll.json.description,
          retry_after: poll.headers['retry-after'],
        }),
      );
    last = line;
    if (poll.json.state !== 'in progress') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(JSON.stringify({ metric: 'restore_end_to_end_ms', value: Math.round(performance.now() - started), unit: 'ms', polls }));
} finally {
  await stack.stop();
}

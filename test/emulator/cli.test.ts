/**
 * `remediator emulator --world WORLD.json [--port N]`: one JSON line, serves until stopped; exit 2 on a bad world.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmulatorCommand } from '../../emulator/cli';
import { fetchJson } from './https-fetch';

function capture(): { out: string[]; err: string[]; io: { stdout: (l: string) => void; stderr: (l: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (l) => out.push(l), stderr: (l) => err.push(l) } };
}

test('prints one JSON line with endpoint, caPath and port, serves the world, and stops cleanly', async () => {
  const c = capture();
  let stop!: () => void;
  const untilStopped = new Promise<void>((r) => (stop = r));
  const caPath = join(tmpdir(), `emulator-cli-ca-${process.pid}.pem`);
  const running = runEmulatorCommand(['--world', 'test/worlds/seed-story.json', '--ca-path', caPath], {
    ...c.io,
    untilStopped,
  });
  while (c.out.length === 0) await new Promise((r) => setTimeout(r, 5));
  expect(c.out).toHaveLength(1);
  const line = JSON.parse(c.out[0] ?? '') as { endpoint: string; caPath: string; port: number };
  expect(line.endpoint).toBe(`https://127.0.0.1:${line.port}`);
  expect(line.caPath).toBe(caPath);
  const ca = readFileSync(line.caPath, 'utf8');
  const res = await fetchJson({ endpoint: line.endpoint, ca }, '/subscriptions?api-version=2022-12-01');
  expect((res.body as { value: Array<{ subscriptionId: string }> }).value.map((s) => s.subscriptionId)).toEqual([
    '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
  ]);
  stop();
  await expect(running).resolves.toBe(0);
});

test.each([
  [['--world', '/nonexistent.json'], /cannot read world file/],
  [[], /--world WORLD.json is required/],
  [['--world', 'test/worlds/seed-story.json', '--port', 'abc'], /--port must be an integer/],
  [['--world', 'test/worlds/seed-story.json', '--latency-ms', 'slow'], /--latency-ms must be a non-negative number/],
  [['--bogus'], /usage: remediator emulator/],
])('exit code 2 with a clear message: %j', async (argv, message) => {
  const c = capture();
  await expect(runEmulatorCommand(argv, c.io)).resolves.toBe(2);
  expect(c.err.join('\n')).toMatch(message);
  expect(c.out).toEqual([]);
});

test('an invalid world file names the problem and exits 2', async () => {
  const path = join(tmpdir(), `emulator-cli-bad-${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ resources: [{ id: '/subscriptions/x', type: 'nope' }] }));
  const c = capture();
  await expect(runEmulatorCommand(['--world', path], c.io)).resolves.toBe(2);
  expect(c.err.join('\n')).toContain('resources[0].type must be a resource type');
});

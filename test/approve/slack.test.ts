/**
 * Slack interactivity: the signature (`v0=` HMAC-SHA256 of `v0:{ts}:{body}`), the five-minute replay window, and an
 * interactive Approve through the approval route against the emulator: exactly one write, for a Slack approver only.
 */
import { signSlackRequest, verifySlackRequest } from '../../src/approve/slack-signature';
import type { Harness } from '../../src/local/harness';
import { renderSlack, renderTeams, buildSummary } from '../../src/notify';
import { pendingOf, readEventPayload, roleAssignmentPuts, startApproveHarness } from './helpers';

jest.setTimeout(120_000);

const SECRET = '8f42a73054b1749f8f58848be5e6502c';

describe('verifySlackRequest', () => {
  const body = 'payload=%7B%7D';
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);
  it('accepts a request Slack signed just now', () => {
    expect(
      verifySlackRequest(SECRET, { timestamp: ts, signature: signSlackRequest(SECRET, ts, body) }, body, now),
    ).toEqual({
      ok: true,
    });
  });
  it('refuses another secret, another body, a replay older than five minutes, and missing headers', () => {
    const sig = signSlackRequest(SECRET, ts, body);
    expect(verifySlackRequest('x'.repeat(32), { timestamp: ts, signature: sig }, body, now).ok).toBe(false);
    expect(verifySlackRequest(SECRET, { timestamp: ts, signature: sig }, `${body}x`, now).ok).toBe(false);
    expect(verifySlackRequest(SECRET, { timestamp: ts, signature: sig }, body, now + 5 * 60_000 + 1000).ok).toBe(false);
    expect(verifySlackRequest(SECRET, { timestamp: undefined, signature: sig }, body, now).ok).toBe(false);
    expect(verifySlackRequest(SECRET, { timestamp: ts, signature: null }, body, now).ok).toBe(false);
  });
});

describe('interactive buttons through the approval route', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.stop();
  });

  it('renders interactive buttons, verifies the signature, approves once for a Slack approver', async () => {
    h = await startApproveHarness({ SLACK_SIGNING_SECRET: SECRET, REMEDIATOR_APPROVERS: 'slack:U0APPROVER' });
    const pending = pendingOf(await h.deliver(readEventPayload('missing-role')));
    const summary = buildSummary(pending, undefined, { mode: 'approve', now: h.emulator.clock.now() });
    const slack = JSON.stringify(renderSlack(summary));
    expect(slack).toContain('"action_id":"remediator-approve"');
    const teams = JSON.stringify(renderTeams(summary));
    expect(teams).toContain('"title":"Approve"');
    expect(teams).toContain('"type":"Action.OpenUrl"');
    const token = pending.approval.slackTokens?.approve ?? '';
    expect(token).not.toBe('');

    const send = async (userId: string, opts: { age?: number; secret?: string } = {}): Promise<Response> => {
      const body = `payload=${encodeURIComponent(
        JSON.stringify({
          type: 'block_actions',
          user: { id: userId, name: 'ada' },
          actions: [{ action_id: 'remediator-approve', value: token }],
        }),
      )}`;
      const ts = String(Math.floor(h.emulator.clock.now().getTime() / 1000) - (opts.age ?? 0));
      return fetch(`${h.approval?.url ?? ''}/slack`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': ts,
          'x-slack-signature': signSlackRequest(opts.secret ?? SECRET, ts, body),
        },
        body,
      });
    };
    expect((await send('U0APPROVER', { secret: 'y'.repeat(32) })).status).toBe(401);
    expect((await send('U0APPROVER', { age: 6 * 60 })).status).toBe(401);
    const stranger = await send('U0STRANGER');
    expect(await stranger.text()).toContain('is not listed in REMEDIATOR_APPROVERS');
    expect(roleAssignmentPuts(h)).toBe(0);
    const ok = await send('U0APPROVER');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Approved by ada (Slack)');
    expect(await (await send('U0APPROVER')).text()).toContain('Already decided');
    expect(roleAssignmentPuts(h)).toBe(1);
  });
});
